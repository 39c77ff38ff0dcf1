"""The four views the benchmark measures, each as kimnet GraphQL, as @neo4j/graphql GraphQL and as hand-written Cypher.

a. list: 50 organisations of one county with their offers and each offer's municipalities;
b. deep: a municipality with its offers, their providers, and the providers' working groups;
c. referral: a case (municipality, age, status, needs, languages) referred across legal domains;
d. gaps: the coverage-gap report for all 396 municipalities.

Every implementation answers for the same day (``DAY``), so validity filters
agree; ``canonical_*`` turn each answer into the same plain shape, so the
benchmark checks once per cell that the implementations agree before it times
them. The floor is the hand-written Cypher, run through the official Python
driver in the benchmark's own process (no HTTP, no GraphQL).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, LiteralString

from bench.floor_referral import canonical_referral, floor_referral

if TYPE_CHECKING:
    from neo4j import AsyncDriver

__all__ = ["DAY", "VIEWS", "View", "choose_variants"]

#: The day every view is asked for (a fixed day keeps the answers the same from run to run).
DAY = "2025-06-01"

# -- a. list view ---------------------------------------------------------------------------------

LIST_KIMNET = """query List($county: String!, $day: Date!) {
  organisations(first: 50, asOf: $day, where: {locatedIn: {some: {partOf: {some: {key: {eq: $county}}}}}}) {
    nodes { key name provides { nodes { key name availableIn { nodes { ... on Municipality { key name } } } } } }
  }
}"""

_VALID = """{AND: [{OR: [{validFrom: {eq: null}}, {validFrom: {lte: $day}}]}, {OR: [{validTo: {eq: null}}, {validTo: {gte: $day}}]}]}"""

LIST_PEER = (
    """query List($county: ID!, $day: Date!) {
  organisations(where: {locatedIn: {some: {partOf: {some: {id: {eq: $county}}}}}}, limit: 50, sort: [{id: ASC}]) {
    id name provides(where: VALID, sort: [{id: ASC}]) { id name availableIn { ... on Municipality { id name } } }
  }
}"""
).replace("VALID", _VALID)

LIST_FLOOR: LiteralString = """
MATCH (:Region {id: $county})<-[:PART_OF]-(:Municipality)<-[:LOCATED_IN]-(o:Organisation)
WITH DISTINCT o ORDER BY o.id LIMIT 50
RETURN o.id AS key, o.name AS name, COLLECT {
  MATCH (o)-[:PROVIDES]->(s:Service)
  WHERE (s.validFrom IS NULL OR s.validFrom <= $day) AND (s.validTo IS NULL OR s.validTo >= $day)
  WITH s ORDER BY s.id
  RETURN {key: s.id, name: s.name, municipalities: COLLECT {
    MATCH (s)-[:AVAILABLE_IN]->(m:Municipality) RETURN {key: m.id, name: m.name} } }
} AS offers
"""


def canonical_list(orgs: list[dict[str, Any]]) -> list[Any]:
    return [
        (o["key"], o["name"], [(s["key"], s["name"], sorted(m["key"] for m in s["municipalities"])) for s in o["offers"]])
        for o in orgs
    ]


def list_from_kimnet(data: dict[str, Any]) -> list[Any]:
    return canonical_list(
        [
            {
                "key": o["key"],
                "name": o["name"],
                "offers": [
                    {"key": s["key"], "name": s["name"], "municipalities": [m for m in s["availableIn"]["nodes"] if m]}
                    for s in o["provides"]["nodes"]
                ],
            }
            for o in data["organisations"]["nodes"]
        ]
    )


def list_from_peer(data: dict[str, Any]) -> list[Any]:
    return canonical_list(
        [
            {
                "key": o["id"],
                "name": o["name"],
                "offers": [
                    {"key": s["id"], "name": s["name"], "municipalities": [{"key": m["id"]} for m in s["availableIn"] if m]}
                    for s in o["provides"]
                ],
            }
            for o in data["organisations"]
        ]
    )


# -- b. deep view --------------------------------------------------------------------------------

DEEP_KIMNET = """query Deep($municipality: ID!, $day: Date!) {
  node(id: $municipality) { ... on Municipality { key name
    offers(asOf: $day) { nodes { key name providedBy { nodes { key name memberOf { nodes { key name } } } } } } } }
}"""

DEEP_PEER = (
    """query Deep($municipality: ID!, $day: Date!) {
  municipalities(where: {id: {eq: $municipality}}) { id name
    offers(where: VALID, sort: [{id: ASC}]) { id name
      providedBy(sort: [{id: ASC}]) { id name memberOf(sort: [{id: ASC}]) { id name } } } }
}"""
).replace("VALID", _VALID)

DEEP_FLOOR: LiteralString = """
MATCH (m:Municipality {id: $municipality})
RETURN m.id AS key, m.name AS name, COLLECT {
  MATCH (m)<-[:AVAILABLE_IN]-(s:Service)
  WHERE (s.validFrom IS NULL OR s.validFrom <= $day) AND (s.validTo IS NULL OR s.validTo >= $day)
  WITH s ORDER BY s.id
  RETURN {key: s.id, name: s.name, providers: COLLECT {
    MATCH (s)<-[:PROVIDES]-(o:Organisation) WITH o ORDER BY o.id
    RETURN {key: o.id, name: o.name, groups: COLLECT {
      MATCH (o)-[:MEMBER_OF]->(g:WorkingGroup) WITH g ORDER BY g.id RETURN {key: g.id, name: g.name} } } } }
} AS offers
"""


def canonical_deep(key: str, offers: list[dict[str, Any]]) -> Any:
    return (key, [(s["key"], [(o["key"], [g["key"] for g in o["groups"]]) for o in s["providers"]]) for s in offers])


def deep_from_kimnet(data: dict[str, Any]) -> Any:
    node = data["node"]
    return canonical_deep(
        node["key"],
        [
            {
                "key": s["key"],
                "providers": [{"key": o["key"], "groups": o["memberOf"]["nodes"]} for o in s["providedBy"]["nodes"]],
            }
            for s in node["offers"]["nodes"]
        ],
    )


def deep_from_peer(data: dict[str, Any]) -> Any:
    [node] = data["municipalities"]
    return canonical_deep(
        node["id"],
        [
            {
                "key": s["id"],
                "providers": [{"key": o["id"], "groups": [{"key": g["id"]} for g in o["memberOf"]]} for o in s["providedBy"]],
            }
            for s in node["offers"]
        ],
    )


# -- c. referral ------------------------------------------------------------------------------------

REFERRAL_KIMNET = """query Referral($case: CaseInput!) {
  referral(case: $case) {
    needs { need { key } offers { offer { key name } organisations { key name } legalDomains { key } level languageMatch reasons { code } } }
    excluded { offer { key } need { key } reasons { kind message } }
    responsibilities { legalDomain { key } level organisations { key name } }
    caseManagers { post { key fte } employer { key name } supervisor { key name } }
    conference { anchor { key } members { organisation { key name } needs { key } legalDomains { key } cooperationPath { key } }
                 uncoveredNeeds { key } uncoveredLegalDomains { key } }
  }
}"""


def referral_from_kimnet(data: dict[str, Any]) -> Any:
    found = data["referral"]
    return {
        "needs": {n["need"]["key"]: [o["offer"]["key"] for o in n["offers"]] for n in found["needs"]},
        "excluded": sorted((e["offer"]["key"], e["need"]["key"]) for e in found["excluded"]),
        "responsibilities": {
            r["legalDomain"]["key"]: sorted(o["key"] for o in r["organisations"]) for r in found["responsibilities"]
        },
        "caseManagers": [p["post"]["key"] for p in found["caseManagers"]],
        "conference": sorted(m["organisation"]["key"] for m in found["conference"]["members"]),
    }


# -- d. coverage gaps ------------------------------------------------------------------------------

GAPS_KIMNET = """query Gaps($day: Date!) { coverageGaps(asOf: $day) { municipality { key } population need { key } } }"""

GAPS_FLOOR: LiteralString = """
MATCH (n:Need) WITH collect(n.id) AS needs
MATCH (m:Municipality)
CALL (m) {
  MATCH (m)-[:PART_OF*0..]->(area)<-[:AVAILABLE_IN]-(s:Service)-[:ADDRESSES]->(n:Need)
  WHERE (s.validFrom IS NULL OR s.validFrom <= $day) AND (s.validTo IS NULL OR s.validTo >= $day)
  RETURN collect(DISTINCT n.id) AS covered
}
UNWIND [need IN needs WHERE NOT need IN covered] AS need
RETURN m.id AS municipality, m.population AS population, need
ORDER BY population DESC, municipality, need
"""


def gaps_from_kimnet(data: dict[str, Any]) -> Any:
    return [(g["municipality"]["key"], g["population"], g["need"]["key"]) for g in data["coverageGaps"]]


def gaps_from_floor(records: list[dict[str, Any]]) -> Any:
    return [(r["municipality"], r["population"], r["need"]) for r in records]


# -- the views ------------------------------------------------------------------------------------


class View:
    """One view: its name, its queries, how to canonicalise answers, its variants.

    The floor is a Cypher statement (its records go to ``from_floor``), or for
    the referral a function of the driver and the variables (its result too).
    """

    def __init__(
        self,
        name: str,
        title: str,
        kimnet: str,
        from_kimnet: Any,
        floor: LiteralString | Callable[[AsyncDriver, dict[str, Any]], Awaitable[Any]],
        from_floor: Any,
        peer: str | None = None,
        from_peer: Any = None,
    ) -> None:
        self.name, self.title = name, title
        self.kimnet, self.from_kimnet = kimnet, from_kimnet
        self.floor, self.from_floor = floor, from_floor
        self.peer, self.from_peer = peer, from_peer

    async def run_floor(self, driver: AsyncDriver, variables: dict[str, Any]) -> Any:
        """Answer ``variables`` the hand-written way; return what ``from_floor`` takes."""
        if callable(self.floor):
            return await self.floor(driver, variables)
        from neo4j import RoutingControl  # here: bench.memory imports this module for an embedded worker too

        params = {k: dt.date.fromisoformat(v) if k == "day" else v for k, v in variables.items()}
        records, _, _ = await driver.execute_query(self.floor, params, routing_=RoutingControl.READ)
        return [r.data() for r in records]


VIEWS = {
    "a": View(
        "a",
        "list: 50 organisations of a county, offers, municipalities",
        LIST_KIMNET,
        list_from_kimnet,
        LIST_FLOOR,
        lambda records: canonical_list(records),
        LIST_PEER,
        list_from_peer,
    ),
    "b": View(
        "b",
        "deep: municipality, offers, providers, working groups",
        DEEP_KIMNET,
        deep_from_kimnet,
        DEEP_FLOOR,
        lambda records: canonical_deep(records[0]["key"], records[0]["offers"]),
        DEEP_PEER,
        deep_from_peer,
    ),
    "c": View("c", "referral of a case", REFERRAL_KIMNET, referral_from_kimnet, floor_referral, canonical_referral),
    "d": View("d", "coverage gaps, all 396 municipalities", GAPS_KIMNET, gaps_from_kimnet, GAPS_FLOOR, gaps_from_floor),
}


def draw_cases(rng: random.Random, towns: list[str], needs: list[str], count: int) -> list[dict[str, Any]]:
    """View c's referral cases: ``count`` towns, each with one or two needs, an age, maybe a status, languages."""
    statuses = ["DULDUNG", "GESTATTUNG", "AUFENTHALTSERLAUBNIS", "EU", None]
    cases = []
    for municipality in rng.sample(towns, count):
        case: dict[str, Any] = {"municipality": municipality, "needs": rng.sample(needs, rng.randint(1, 2)), "asOf": DAY}
        case["age"] = rng.randint(16, 60)
        if status := rng.choice(statuses):
            case["residenceStatus"] = status
        case["languages"] = rng.sample(["ar", "fa", "tr", "uk", "en"], rng.randint(0, 2))
        cases.append({"case": case})
    return cases


async def choose_variants(driver: AsyncDriver, seed: int, count: int) -> dict[str, list[dict[str, Any]]]:
    """Pick, by ``seed``, the counties, municipalities and cases the views rotate through (the same for everyone)."""
    rng = random.Random(seed)
    counties = [
        r["id"] for r in (await driver.execute_query("MATCH (r:Region {kind: 'county'}) RETURN r.id AS id ORDER BY id")).records
    ]
    towns = [
        r["id"]
        for r in (
            await driver.execute_query(
                "MATCH (m:Municipality) WHERE 10000 <= m.population <= 200000 RETURN m.id AS id ORDER BY id"
            )
        ).records
    ]
    needs = [r["id"] for r in (await driver.execute_query("MATCH (n:Need) RETURN n.id AS id ORDER BY id")).records]
    cases = draw_cases(rng, towns, needs, count)
    return {
        "a": [{"county": c, "day": DAY} for c in rng.sample(counties, count)],
        "b": [{"municipality": m, "day": DAY} for m in rng.sample(towns, count)],
        "c": cases,
        "d": [{"day": DAY}],
    }
