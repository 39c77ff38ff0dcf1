"""Answers say what they rest on: needs a group cannot have, what a case did not give, illustrative data, in German too."""

from __future__ import annotations

from .conftest import Run

GAPS_FOR_22_DULDUNG = """{ coverageGaps(asOf: "2021-07-01", target: {age: 22, residenceStatus: DULDUNG}) {
  municipality { key } population populationBasis need { key } condition { code message minAge maxAge } } }"""

REFERRAL = """query($age: Int, $status: ResidenceStatus, $day: Date) {
  referral(case: {municipality: "mun:olfen", age: $age, residenceStatus: $status, needs: ["need:ausbildung"], asOf: $day}) {
    needs { offers { offer { key } conditional illustrative reasons { code message conditional illustrative minAge maxAge } } }
    excluded { offer { key } illustrative reasons { kind code message illustrative date validFrom validTo } }
  }
}"""


async def test_needs_a_group_cannot_have_are_no_gaps(gql: Run) -> None:
    gaps = (await gql(GAPS_FOR_22_DULDUNG))["coverageGaps"]
    needs = {g["need"]["key"] for g in gaps}
    # Naturalisation needs lawful residence (a Duldung is none); intercultural opening is an organisation's need.
    assert "need:einbuergerung" not in needs
    assert "need:interkulturelle-oeffnung" not in needs
    # No offer for the group covers naturalisation: without the rule it would be a gap in every town.
    query = """{ coverage(municipality: "mun:olfen", asOf: "2021-07-01", target: {age: 22, residenceStatus: DULDUNG}) {
      need { key } level applicability { status } } }"""
    found = {c["need"]["key"]: c for c in (await gql(query))["coverage"]}
    assert found["need:einbuergerung"] == {"need": {"key": "need:einbuergerung"}, "level": None,
                                           "applicability": {"status": "NOT_APPLICABLE"}}  # fmt: skip
    assert found["need:interkulturelle-oeffnung"]["applicability"]["status"] == "NOT_APPLICABLE"
    assert all(g["populationBasis"] == "WHOLE_MUNICIPALITY" for g in gaps)


async def test_a_household_need_is_a_possible_gap_with_its_condition(gql: Run) -> None:
    gaps = (await gql(GAPS_FOR_22_DULDUNG, language="de"))["coverageGaps"]
    early = [g for g in gaps if g["need"]["key"] == "need:fruehkindliche-bildung"]
    assert early, "no offer for early-childhood education is in the seed on that day"
    assert {(g["condition"]["code"], g["condition"]["minAge"], g["condition"]["maxAge"]) for g in early} == {
        ("HOUSEHOLD_CHILD", 1, 5)
    }
    assert early[0]["condition"]["message"] == "nur für Familien mit einem Kind im Alter von 1 bis 5 Jahren"
    definite = [g for g in gaps if g["need"]["key"] != "need:fruehkindliche-bildung"]
    assert all(g["condition"] is None for g in definite)


async def test_coverage_tells_whether_each_need_applies_and_on_what_source(gql: Run) -> None:
    query = """{ coverage(municipality: "mun:olfen", asOf: "2021-07-01", target: {residenceStatus: DULDUNG}) {
      need { key } level applicability { status condition { code residenceStatus residenceStatuses } source illustrative } } }"""
    found = {c["need"]["key"]: c for c in (await gql(query))["coverage"]}
    naturalisation = found["need:einbuergerung"]["applicability"]
    assert naturalisation["status"] == "NOT_APPLICABLE"
    assert naturalisation["condition"]["code"] == "STATUS_EXCLUDED"
    assert naturalisation["condition"]["residenceStatus"] == "DULDUNG"
    assert "§ 10 StAG" in naturalisation["source"]
    assert found["need:ausbildung"]["applicability"] == {
        "status": "APPLIES",
        "condition": None,
        "source": found["need:ausbildung"]["applicability"]["source"],
        "illustrative": False,
    }
    assert found["need:ehrenamt-teilhabe"]["applicability"]["illustrative"] is True
    unknown = """{ coverage(municipality: "mun:olfen", asOf: "2021-07-01", target: {age: 30}) {
      need { key } applicability { status condition { code residenceStatuses } } } }"""
    by_need = {c["need"]["key"]: c["applicability"] for c in (await gql(unknown))["coverage"]}
    # Without a status, never "not applicable": conditional, naming the statuses that rule it out.
    assert by_need["need:einbuergerung"]["status"] == "CONDITIONAL"
    assert set(by_need["need:einbuergerung"]["condition"]["residenceStatuses"]) == {"DULDUNG", "GESTATTUNG", "DEUTSCH"}


async def test_a_referral_without_age_or_status_says_the_offer_fits_only_if_they_do(gql: Run) -> None:
    data = await gql(REFERRAL, {"day": "2021-07-01"}, language="de")
    offers = {o["offer"]["key"]: o for n in data["referral"]["needs"] for o in n["offers"]}
    coaching = offers["svc:ds-coaching-cv"]
    assert coaching["conditional"] is True
    messages = {r["code"]: r["message"] for r in coaching["reasons"] if r["conditional"]}
    assert messages["AGE_UNKNOWN"] == "Alter nicht angegeben: Angebot für 18–27 Jahre"
    assert (
        messages["STATUS_UNKNOWN"]
        == "Aufenthaltsstatus nicht angegeben: Angebot nur bei Duldung oder Aufenthaltsgestattung (Asylverfahren läuft)"
    )
    given = await gql(REFERRAL, {"day": "2021-07-01", "age": 22, "status": "DULDUNG"})
    coaching = next(o for n in given["referral"]["needs"] for o in n["offers"] if o["offer"]["key"] == "svc:ds-coaching-cv")
    assert coaching["conditional"] is False


async def test_exclusions_resting_on_illustrative_data_say_so_in_german_with_german_dates(gql: Run) -> None:
    data = await gql(REFERRAL, {"day": "2023-01-05", "age": 22, "status": "DULDUNG"}, language="de")
    excluded = {e["offer"]["key"]: e for e in data["referral"]["excluded"]}
    # Which region a coaching post serves is a fill-in of the seed.
    drk = excluded["svc:ds-coaching-drk"]
    area = next(r for r in drk["reasons"] if r["kind"] == "AREA")
    assert area["illustrative"] is True
    assert drk["illustrative"] is True
    assert area["message"] == "nicht verfügbar in Olfen (beruht auf ergänzten, nicht belegten Daten)"
    validity = next(r for r in excluded["svc:ds-coaching-cv"]["reasons"] if r["kind"] == "VALIDITY")
    assert validity["code"] == "NOT_VALID"
    assert validity["date"] == "2023-01-05"
    assert validity["message"].startswith("am 05.01.2023 nicht gültig (gültig vom ")
    assert "bis 31.12.2022)" in validity["message"]


async def test_coverage_says_which_offers_rest_on_illustrative_data(gql: Run) -> None:
    query = """{ coverage(municipality: "mun:olfen", asOf: "2021-07-01") {
      need { key } offers { offer { key illustrative } illustrative } } }"""
    offers = {o["offer"]["key"]: o for c in (await gql(query))["coverage"] for o in c["offers"]}
    # The Caritas coaching reaches Olfen through the case-management region Süd, a fill-in of the seed.
    assert offers["svc:ds-coaching-cv"]["illustrative"] is True
    assert any(o["illustrative"] is False for o in offers.values())
    assert all(o["illustrative"] for o in offers.values() if o["offer"]["illustrative"])
