"""Sentences for reasons that travel as data, in German or English, with each language's dates.

The rules (``graph.rules.referral``, ``graph.rules.applicability``) give a reason as a code
and the values it refers to; a client may word it itself. The API adds a
``message`` in the language the request prefers (``Accept-Language``: de or
en, English when it names neither), and the coverage report uses the German.

>>> import datetime as dt
>>> from kimnet.graph.rules.referral import Reason
>>> reason = Reason("not_valid", day=dt.date(2021, 7, 1), valid_from=dt.date(2021, 1, 11), valid_to=dt.date(2021, 4, 30))
>>> reason_message(reason, "de")
'am 01.07.2021 nicht gültig (gültig vom 11.01.2021 bis 30.04.2021)'
>>> reason_message(reason, "en")
'not valid on 2021-07-01 (valid 2021-01-11 to 2021-04-30)'
>>> preferred_language("en-GB;q=0.5, de-DE"), preferred_language("fr"), preferred_language(None)
('de', 'en', 'en')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal, TypeAlias

from kimnet.graph.io.hsds import RESIDENCE_STATUS_NAMES
from kimnet.graph.rules.applicability import NeedReason
from kimnet.graph.rules.referral import Reason

__all__ = ["LANGUAGES", "Language", "german_date", "need_reason_message", "preferred_language", "reason_message"]

#: The languages the API words its messages in.
Language: TypeAlias = Literal["de", "en"]
LANGUAGES: tuple[Language, ...] = ("de", "en")

_LEVELS = {
    "de": {"municipality": "in der Kommune", "region": "in einer Region", "county": "kreisweit"},
    "en": {"municipality": "municipality", "region": "region", "county": "county"},
}


def german_date(day: dt.date) -> str:
    """A day as Germans write it: 01.07.2021."""
    return day.strftime("%d.%m.%Y")


def preferred_language(header: str | None) -> Language:
    """The first of de and en that an ``Accept-Language`` header prefers (by q, then order); en otherwise."""
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and (best is None or (-quality, position) < (-best[0], best[1])):
            best = (quality, position, "de" if primary == "de" else "en")
    return best[2] if best is not None else "en"


def _date(day: dt.date | None, language: Language) -> str:
    if day is None:
        return "?"
    return german_date(day) if language == "de" else day.isoformat()


def _status(status: str, language: Language) -> str:
    return RESIDENCE_STATUS_NAMES.get(status, status) if language == "de" else status


def _statuses(statuses: tuple[str, ...], language: Language) -> str:
    names = [_status(s, language) for s in statuses]
    if language == "de" and len(names) > 1:
        return f"{', '.join(names[:-1])} oder {names[-1]}"
    return ", ".join(names)


def _ages(low: int | None, high: int | None, language: Language) -> str:
    if language == "de":
        if low is not None and high is not None:
            return f"{low}–{high} Jahre"
        return f"ab {low} Jahren" if low is not None else f"bis {high} Jahre"
    if low is not None and high is not None:
        return f"{low}–{high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def _ages_dative(reason: NeedReason) -> str:
    """German ages after "im Alter von": 1 bis 5 Jahren."""
    low, high = reason.min_age, reason.max_age
    if low is not None and high is not None:
        return f"{low} bis {high} Jahren"
    return f"mindestens {low} Jahren" if low is not None else f"höchstens {high} Jahren"


def _span(reason: Reason, language: Language) -> str:
    start, end = reason.valid_from, reason.valid_to
    if language == "de":
        if start is not None and end is not None:
            return f"gültig vom {_date(start, language)} bis {_date(end, language)}"
        return f"gültig ab {_date(start, language)}" if start is not None else f"gültig bis {_date(end, language)}"
    if start is not None and end is not None:
        return f"valid {_date(start, language)} to {_date(end, language)}"
    return f"valid from {_date(start, language)}" if start is not None else f"valid until {_date(end, language)}"


_GERMAN: dict[str, Callable[[Reason], str]] = {
    "available": lambda r: f"verfügbar in {r.area_name} ({_LEVELS['de'][r.level or 'county']})",
    "not_available": lambda r: f"nicht verfügbar in {r.area_name}",
    "age_within": lambda r: f"Alter {r.age} passt ({_ages(r.min_age, r.max_age, 'de')})",
    "age_below": lambda r: f"Alter {r.age} unter dem Mindestalter {r.min_age}",
    "age_above": lambda r: f"Alter {r.age} über dem Höchstalter {r.max_age}",
    "age_unknown": lambda r: f"Alter nicht angegeben: Angebot für {_ages(r.min_age, r.max_age, 'de')}",
    "status_eligible": lambda r: f"Aufenthaltsstatus {_status(r.status or '', 'de')} zugelassen",
    "status_not_eligible": lambda r: (
        f"Aufenthaltsstatus {_status(r.status or '', 'de')} nicht zugelassen (nur {_statuses(r.statuses, 'de')})"
    ),
    "status_unknown": lambda r: f"Aufenthaltsstatus nicht angegeben: Angebot nur bei {_statuses(r.statuses, 'de')}",
    "languages": lambda r: f"angeboten in {', '.join(r.languages)}",
    "not_valid": lambda r: f"am {_date(r.day, 'de')} nicht gültig ({_span(r, 'de')})",
}

_ENGLISH: dict[str, Callable[[Reason], str]] = {
    "available": lambda r: f"available in {r.area_name} ({_LEVELS['en'][r.level or 'county']})",
    "not_available": lambda r: f"not available in {r.area_name}",
    "age_within": lambda r: f"age {r.age} within {_ages(r.min_age, r.max_age, 'en')}",
    "age_below": lambda r: f"age {r.age} below minimum {r.min_age}",
    "age_above": lambda r: f"age {r.age} above maximum {r.max_age}",
    "age_unknown": lambda r: f"age not given: the offer is for ages {_ages(r.min_age, r.max_age, 'en')}",
    "status_eligible": lambda r: f"residence status {r.status} eligible",
    "status_not_eligible": lambda r: f"residence status {r.status} not among {', '.join(r.statuses)}",
    "status_unknown": lambda r: f"residence status not given: the offer is only for {', '.join(r.statuses)}",
    "languages": lambda r: f"offered in {', '.join(r.languages)}",
    "not_valid": lambda r: f"not valid on {_date(r.day, 'en')} ({_span(r, 'en')})",
}


def reason_message(reason: Reason, language: Language) -> str:
    """Word an offer's reason (match or exclusion) in ``language``; illustrative data is said to be so."""
    text = (_GERMAN if language == "de" else _ENGLISH)[reason.code](reason)
    if reason.illustrative:
        text += " (beruht auf ergänzten, nicht belegten Daten)" if language == "de" else " (rests on illustrative data)"
    return text


def need_reason_message(reason: NeedReason, language: Language) -> str:
    """Word why a need is conditional or not applicable for a target group."""
    ages = _ages(reason.min_age, reason.max_age, language)
    statuses = _statuses(reason.statuses, language)
    if language == "de":
        return {
            "status_excluded": f"nicht zutreffend bei {_status(reason.status or '', 'de')}",
            "status_unknown": f"Aufenthaltsstatus nicht angegeben: nicht zutreffend bei {statuses}",
            "age_outside": f"nicht zutreffend mit {reason.age} Jahren (betrifft {ages})",
            "age_unknown": f"Alter nicht angegeben: betrifft {ages}",
            "household_child": f"nur für Familien mit einem Kind im Alter von {_ages_dative(reason)}",
            "organisation_need": "Bedarf von Einrichtungen, nicht von einzelnen Menschen",
        }[reason.code]
    return {
        "status_excluded": f"cannot arise with residence status {reason.status}",
        "status_unknown": f"residence status not given: cannot arise with {statuses}",
        "age_outside": f"cannot arise at age {reason.age} (concerns ages {ages})",
        "age_unknown": f"age not given: concerns ages {ages}",
        "household_child": f"only for families with a child aged {ages}",
        "organisation_need": "a need of organisations, not of a person",
    }[reason.code]
