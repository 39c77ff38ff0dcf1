"""Reasons worded in German and English, with each language's dates."""

from __future__ import annotations

import datetime as dt

import pytest

from kimnet.graph.rules.applicability import NeedReason
from kimnet.graph.rules.referral import Reason
from kimnet.schema.wording import need_reason_message, preferred_language, reason_message


@pytest.mark.parametrize(
    ("header", "language"),
    [("de-DE,de;q=0.9,en;q=0.8", "de"), ("en-US,en;q=0.9", "en"), ("fr, de;q=0.5", "de"), ("de;q=0", "en"), ("", "en")],
)
def test_accept_language_picks_german_or_english(header: str, language: str) -> None:
    assert preferred_language(header) == language


def test_every_reason_code_has_a_german_and_an_english_sentence() -> None:
    reasons = [
        Reason("available", area="reg:sued", area_name="CM-Region Süd", level="region"),
        Reason("not_available", area="mun:olfen", area_name="Olfen", illustrative=True),
        Reason("age_within", age=22, min_age=18, max_age=27),
        Reason("age_below", age=16, min_age=18),
        Reason("age_above", age=30, max_age=27),
        Reason("age_unknown", min_age=18, max_age=27, conditional=True),
        Reason("status_eligible", status="duldung", statuses=("duldung",)),
        Reason("status_not_eligible", status="eu", statuses=("duldung", "gestattung")),
        Reason("status_unknown", statuses=("duldung",), conditional=True),
        Reason("languages", languages=("ar", "fa")),
        Reason("not_valid", day=dt.date(2021, 7, 1), valid_to=dt.date(2021, 4, 30)),
    ]
    german = [reason_message(r, "de") for r in reasons]
    assert german == [
        "verfügbar in CM-Region Süd (in einer Region)",
        "nicht verfügbar in Olfen (beruht auf ergänzten, nicht belegten Daten)",
        "Alter 22 passt (18–27 Jahre)",
        "Alter 16 unter dem Mindestalter 18",
        "Alter 30 über dem Höchstalter 27",
        "Alter nicht angegeben: Angebot für 18–27 Jahre",
        "Aufenthaltsstatus Duldung zugelassen",
        "Aufenthaltsstatus EU-Freizügigkeit nicht zugelassen (nur Duldung oder Aufenthaltsgestattung (Asylverfahren läuft))",
        "Aufenthaltsstatus nicht angegeben: Angebot nur bei Duldung",
        "angeboten in ar, fa",
        "am 01.07.2021 nicht gültig (gültig bis 30.04.2021)",
    ]
    assert reason_message(reasons[-1], "en") == "not valid on 2021-07-01 (valid until 2021-04-30)"


def test_need_conditions_are_worded_in_both_languages() -> None:
    excluded = NeedReason("status_excluded", ("duldung", "gestattung"), "duldung")
    assert need_reason_message(excluded, "de") == "nicht zutreffend bei Duldung"
    assert need_reason_message(excluded, "en") == "cannot arise with residence status duldung"
    organisation = NeedReason("organisation_need")
    assert need_reason_message(organisation, "de") == "Bedarf von Einrichtungen, nicht von einzelnen Menschen"
