"""A cooperation holds from its ``since`` (or ``validFrom``) to the end of the programme it belongs
to: every network question with ``asOf`` and every relationship field sees it only then; on both stores."""

from __future__ import annotations

import pytest

from .conftest import Run

NEIGHBOURS = """query($day: Date) {
  neighbourhood(id: "org:geba", depth: 1, relationships: [COOPERATES_WITH], asOf: $day) { entities { entity { ... on Organisation { key } } } }
  node(id: "org:geba") { ... on Organisation { cooperatesWith(asOf: $day) { nodes { key } } } }
}"""

# GEBA's ties: with the employment agency, undated; the Durchstarten ones (since 2021-06-01 with the
# KI and the Handwerksbildungsstätten, with the VHS from before) end with the programme on 2022-12-31.
ALWAYS = {"org:afa-coesfeld"}
PARTNERS = ALWAYS | {"org:ki-coesfeld", "org:handwerksbildungsstaetten", "org:vhs-luedinghausen"}


@pytest.mark.parametrize(
    ("day", "partners"),
    [
        ("2021-05-31", ALWAYS | {"org:vhs-luedinghausen"}),
        ("2021-06-01", PARTNERS),
        ("2022-12-31", PARTNERS),
        ("2023-01-01", ALWAYS),
    ],
)
async def test_a_cooperation_holds_from_its_since_to_its_programmes_end(gql: Run, day: str, partners: set[str]) -> None:
    data = await gql(NEIGHBOURS, {"day": day})
    around = {e["entity"]["key"] for e in data["neighbourhood"]["entities"]} - {"org:geba"}
    assert around == partners
    assert {n["key"] for n in data["node"]["cooperatesWith"]["nodes"]} == partners


async def test_kim_ties_begin_with_kim(gql: Run) -> None:
    query = """query($day: Date) { node(id: "org:ki-coesfeld") { ... on Organisation {
      cooperatesWith(asOf: $day, where: {key: {eq: "org:afa-coesfeld"}}) { nodes { key } } } } }"""
    before = await gql(query, {"day": "2021-04-27"})
    after = await gql(query, {"day": "2021-04-28"})
    assert before["node"]["cooperatesWith"]["nodes"] == []
    assert after["node"]["cooperatesWith"]["nodes"] == [{"key": "org:afa-coesfeld"}]


async def test_a_new_tie_with_since_is_not_seen_before_it(gql: Run) -> None:
    link = """mutation { link(relationship: COOPERATES_WITH, source: "org:geba", target: "org:vhs-coesfeld",
      properties: {kind: "test", since: "2024-03-01"}) { errors { message } } }"""
    assert (await gql(link))["link"]["errors"] == []
    for day, seen in (("2024-02-29", False), ("2024-03-01", True)):
        data = await gql(NEIGHBOURS, {"day": day})
        around = {e["entity"]["key"] for e in data["neighbourhood"]["entities"]}
        assert ("org:vhs-coesfeld" in around) is seen
        assert ("org:vhs-coesfeld" in {n["key"] for n in data["node"]["cooperatesWith"]["nodes"]}) is seen
