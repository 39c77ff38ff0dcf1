"""The questions of DESIGN.md, each one GraphQL request, answered on the seeded Coesfeld graph by both stores."""

from __future__ import annotations

from .conftest import Run

OLFEN_CASE = """query($age: Int, $status: ResidenceStatus, $day: Date) {
  referral(case: {municipality: "mun:olfen", age: $age, residenceStatus: $status, needs: ["need:ausbildung"], asOf: $day}) {
    needs { need { key } offers { offer { key } organisations { key } level reasons { code message } } }
    excluded { offer { key } reasons { kind message } }
    responsibilities { legalDomain { key } organisations { key } }
    caseManagers { post { key } employer { key } supervisor { key } }
    conference { anchor { key } members { organisation { key } needs { key } legalDomains { key } cooperationPath { key } }
                 uncoveredNeeds { key } uncoveredLegalDomains { key } }
  }
}"""


def _excluded(result: dict) -> dict[str, set[str]]:
    return {e["offer"]["key"]: {r["kind"] for r in e["reasons"]} for e in result["referral"]["excluded"]}


async def test_q1_a_22_year_old_with_duldung_in_olfen_seeking_training(gql: Run) -> None:
    result = await gql(OLFEN_CASE, {"age": 22, "status": "DULDUNG", "day": "2021-07-01"})
    referral = result["referral"]
    [need] = referral["needs"]
    offers = need["offers"]
    # The coaching of the Caritas serves the case-management region Süd, which Olfen lies in: closest first.
    assert offers[0]["offer"]["key"] == "svc:ds-coaching-cv"
    assert offers[0]["level"] == "REGION"
    assert {"age 22 within 18–27", "residence status duldung eligible"} <= {r["message"] for r in offers[0]["reasons"]}
    keys = [o["offer"]["key"] for o in offers]
    assert {"svc:ds-qualifizierung-geba", "svc:ds-hauptschulabschluss-vhs-lh", "svc:ds-berufsvorbereitung-geba-hbs"} <= set(keys)
    assert [o["level"] for o in offers] == sorted((o["level"] for o in offers), key=["MUNICIPALITY", "REGION", "COUNTY"].index)
    excluded = _excluded(result)
    assert excluded["svc:ds-coaching-drk"] == {"AREA"}  # other regions' coaching posts
    assert excluded["svc:ds-vorkurs-vhs-lh"] == {"VALIDITY"}  # the completed preparatory course
    assert referral["caseManagers"] == [
        {"post": {"key": "cm:kim-cm-5"}, "employer": {"key": "org:ki-coesfeld"}, "supervisor": {"key": "org:ki-coesfeld"}}
    ]
    conference = referral["conference"]
    assert conference["anchor"] == {"key": "org:ki-coesfeld"}
    assert conference["uncoveredNeeds"] == []
    assert conference["uncoveredLegalDomains"] == []
    members = {m["organisation"]["key"]: m for m in conference["members"]}
    # The coaching provider serves the need; case management only coordinates, so it covers nothing.
    assert "org:caritas-coesfeld" in members
    assert {"key": "need:ausbildung"} in members["org:caritas-coesfeld"]["needs"]
    assert "svc:kim-case-management" not in keys
    for member in members.values():  # every proposed organisation is tied to the case manager's
        assert member["cooperationPath"][0] == {"key": "org:ki-coesfeld"}
        assert member["cooperationPath"][-1] == member["organisation"]
    responsible = {r["legalDomain"]["key"]: {o["key"] for o in r["organisations"]} for r in referral["responsibilities"]}
    assert responsible["ld:sgb-viii"] == {"org:jugendamt-kreis-coesfeld"}
    assert responsible["ld:aufenthg"] == {"org:abh-kreis-coesfeld"}


async def test_q1_exclusions_name_every_reason(gql: Run) -> None:
    older = _excluded(await gql(OLFEN_CASE, {"age": 30, "status": "AUFENTHALTSERLAUBNIS", "day": "2021-07-01"}))
    assert older["svc:ds-qualifizierung-geba"] == {"AGE", "RESIDENCE_STATUS"}
    assert older["svc:ds-coaching-drk"] == {"AGE", "RESIDENCE_STATUS", "AREA"}
    after_the_programme = _excluded(await gql(OLFEN_CASE, {"age": 22, "status": "DULDUNG", "day": "2023-01-05"}))
    assert after_the_programme["svc:ds-coaching-cv"] == {"VALIDITY"}


async def test_q2_which_youth_office_for_a_family_in_nottuln_and_in_duelmen(gql: Run) -> None:
    query = """query($m: ID!) { responsibilities(municipality: $m, asOf: "2021-07-01") { legalDomain { code } level organisations { key } } }"""
    for municipality, office, level in (
        ("mun:nottuln", "org:jugendamt-kreis-coesfeld", "MUNICIPALITY"),
        ("mun:duelmen", "org:jugendamt-stadt-duelmen", "MUNICIPALITY"),
        ("mun:coesfeld", "org:jugendamt-stadt-coesfeld", "MUNICIPALITY"),
    ):
        found = (await gql(query, {"m": municipality}))["responsibilities"]
        [youth] = [r for r in found if r["legalDomain"]["code"] == "SGB VIII"]
        assert youth["organisations"] == [{"key": office}], municipality
        assert youth["level"] == level


async def test_q2_a_family_referral_in_nottuln_and_duelmen(gql: Run) -> None:
    query = """query($m: ID!) { referral(case: {municipality: $m, needs: ["need:familie-jugend"], asOf: "2021-07-01"}) {
        responsibilities { legalDomain { code } organisations { key } } } }"""
    for municipality, office in (("mun:nottuln", "org:jugendamt-kreis-coesfeld"), ("mun:duelmen", "org:jugendamt-stadt-duelmen")):
        found = (await gql(query, {"m": municipality}))["referral"]["responsibilities"]
        assert [r["organisations"] for r in found if r["legalDomain"]["code"] == "SGB VIII"] == [[{"key": office}]]


async def test_q3_module_5_of_durchstarten_is_a_gap_everywhere_weighted_by_population(gql: Run) -> None:
    data = await gql(
        '{ coverageGaps(programme: "prog:durchstarten", asOf: "2021-07-01") { municipality { key } population programme { key } } }'
    )
    gaps = data["coverageGaps"]
    assert {g["programme"]["key"] for g in gaps} == {"prog:durchstarten-b5"}
    assert len({g["municipality"]["key"] for g in gaps}) == 11
    populations = [g["population"] for g in gaps]
    assert populations == sorted(populations, reverse=True)
    assert gaps[0]["municipality"]["key"] == "mun:duelmen"  # the largest town first


async def test_q3_after_2022_durchstarten_offers_leave_coverage_and_its_gaps_open(gql: Run) -> None:
    query = """query($day: Date) { coverage(municipality: "mun:olfen", asOf: $day) { need { key } level offers { offer { key } } } }"""
    during = (await gql(query, {"day": "2022-12-31"}))["coverage"]
    after = (await gql(query, {"day": "2023-01-01"}))["coverage"]

    def durchstarten(found: list) -> set[str]:
        return {o["offer"]["key"] for need in found for o in need["offers"] if o["offer"]["key"].startswith("svc:ds-")}

    assert durchstarten(during) == {
        "svc:ds-coaching-cv", "svc:ds-qualifizierung-geba", "svc:ds-hauptschulabschluss-vhs-lh",
        "svc:ds-berufsvorbereitung-geba-hbs", "svc:ds-teilhabemanagement-cv",
    }  # fmt: skip
    assert durchstarten(after) == set()

    changes = (
        await gql("""{ coverageChanges(from: "2022-06-01", to: "2023-01-01", programme: "prog:durchstarten") {
        opened { municipality { key } programme { key } } closed { municipality { key } } ended { key } } }""")
    )["coverageChanges"]
    opened = {(g["municipality"]["key"], g["programme"]["key"]) for g in changes["opened"]}
    assert len(opened) == 5 * 11  # every part that was offered is now offered nowhere; module 5 was a gap already
    assert ("mun:olfen", "prog:durchstarten-b1") in opened
    assert not any(part == "prog:durchstarten-b5" for _, part in opened)
    assert changes["closed"] == []
    assert {o["key"] for o in changes["ended"]} >= {"svc:ds-coaching-cv", "svc:ds-teilhabemanagement-cv"}


async def test_q3_for_the_target_group_needs_move_to_farther_offers_when_durchstarten_ends(gql: Run) -> None:
    data = await gql("""{ coverageChanges(from: "2022-06-01", to: "2023-01-01", target: {age: 22, residenceStatus: DULDUNG}) {
        opened { need { key } } moved { municipality { key } need { key } before after } ended { key } } }""")
    changes = data["coverageChanges"]
    assert changes["opened"] == []  # regular offers (e.g. the youth migration service) stay for every need
    moved = {(c["municipality"]["key"], c["need"]["key"]): (c["before"], c["after"]) for c in changes["moved"]}
    assert moved[("mun:olfen", "need:aufenthalt")] == ("REGION", "COUNTY")
    assert len([o for o in changes["ended"] if o["key"].startswith("svc:ds-")]) == 7


async def test_q4_duplicate_structures(gql: Run) -> None:
    data = await gql("""{ duplicates(asOf: "2021-07-01", municipalities: ["mun:duelmen"], needs: ["need:sprache"]) {
        municipality { key } need { key } offers { key } providers { key } sharedProgrammes { key } } }""")
    found = data["duplicates"]
    assert {d["municipality"]["key"] for d in found} == {"mun:duelmen"}
    groups = [{o["key"] for o in d["offers"]} for d in found]
    # Two integration-course providers in one town: the duplicate the seed marks on purpose.
    assert any({"svc:integrationskurs-vhs-duelmen", "svc:integrationskurs-sprachkurstraeger-duelmen"} <= g for g in groups)
    # Toddlers' groups and adults' counselling are never reported as one duplicate.
    assert not any({"svc:griffbereit-mini", "svc:mbe-caritas"} <= g for g in groups)
    assert all(len(d["providers"]) >= 2 for d in found)


async def test_q5_brokers_missing_ties_and_impact_of_leaving(gql: Run) -> None:
    data = await gql("""{
      brokers(asOf: "2021-07-01", top: 3) { organisation { key } betweenness }
      missingTies(asOf: "2021-07-01") { first { key } second { key } }
      cooperationPath(from: "org:havixbecker-modell", to: "org:jugendamt-stadt-duelmen", asOf: "2021-07-01") { key }
      impactOfLeaving(organisation: "org:geba", asOf: "2021-07-01") { offersLost { key } offersShared { key } partners { key } pairsDisconnected }
    }""")
    assert data["brokers"][0]["organisation"] == {"key": "org:ki-coesfeld"}
    betweenness = [b["betweenness"] for b in data["brokers"]]
    assert betweenness == sorted(betweenness, reverse=True)
    for pair in data["missingTies"]:
        assert pair["first"]["key"] < pair["second"]["key"]
    path = data["cooperationPath"]
    assert path[0] == {"key": "org:havixbecker-modell"}
    assert path[-1] == {"key": "org:jugendamt-stadt-duelmen"}
    impact = data["impactOfLeaving"]
    assert {"svc:ds-qualifizierung-geba"} <= {o["key"] for o in impact["offersLost"]}
    assert {"svc:ds-berufsvorbereitung-geba-hbs"} <= {o["key"] for o in impact["offersShared"]}
    assert impact["partners"]


async def test_referral_errors_never_repeat_the_case(gql: Run) -> None:
    for case, message in (
        ('{municipality: "mun:atlantis-secret", needs: []}', "case.municipality is not a municipality"),
        ('{municipality: "Olfen 22 Duldung", needs: []}', "case.municipality and case.needs take keys"),
        ('{municipality: "mun:olfen", age: -4}', "case.age must be between 0 and 130"),
        ('{municipality: "mun:olfen", needs: ["need:secret-wish"]}', "case.needs holds an unknown need"),
    ):
        result = await gql(f"{{ referral(case: {case}) {{ asOf }} }}", errors=True)
        assert any(message in e for e in result["errors"]), result["errors"]
        assert not any(word in e for e in result["errors"] for word in ("atlantis", "Duldung", "-4", "secret"))
