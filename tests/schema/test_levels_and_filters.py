"""Key-anchored filters answer as testing each entity does; the levels below a root are read in one tree, through nodes, edges,
fragments and aliases alike."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.stores.store import Store

from .conftest import Run, make_runner

DAY = "2021-07-01"


def _expected_members(seed: GraphData) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for e in seed.edges.values():
        if e.type == "MEMBER_OF":
            groups[e.source].append(e.target)
    return groups


async def test_a_filter_that_names_a_region_finds_exactly_the_organisations_located_there(
    gql: Run, seeded: Store, seed_data: GraphData
) -> None:
    region = "reg:cm-sued"
    towns = {e.source for e in seed_data.edges.values() if e.type == "PART_OF" and e.target == region}
    expected = sorted(e.source for e in seed_data.edges.values() if e.type == "LOCATED_IN" and e.target in towns)
    query = """query($r: String!, $day: Date) { organisations(asOf: $day, first: 500,
        where: {locatedIn: {some: {partOf: {some: {key: {eq: $r}}}}}}) { totalCount nodes { key } } }"""
    seeded.round_trips = 0
    found = (await gql(query, {"r": region, "day": DAY}))["organisations"]
    assert [n["key"] for n in found["nodes"]] == expected
    assert found["totalCount"] == len(expected) > 0
    # Two steps back from the region, then the filter itself checked on those few: no read of all organisations.
    # The chain back is one statement on Neo4j (Store.follow_chain), embedded one read for the region and one
    # per step; then the page's entities.
    assert seeded.round_trips == (2 if seeded.name == "neo4j" else 4)


async def test_levels_below_a_root_answer_through_nodes_edges_fragments_and_aliases_alike(
    gql: Run, seeded: Store, seed_data: GraphData
) -> None:
    query = """query($day: Date) { node(id: "mun:duelmen") { ... on Municipality {
        offers(asOf: $day) {
          nodes { key providedBy { nodes { key ...Groups } } }
          edges { node { key byEdge: providedBy { edges { node { key memberOf { nodes { key } } } } } } }
        } } } }
      fragment Groups on Organisation { memberOf { nodes { key } } }"""
    seeded.round_trips = 0
    offers = (await gql(query, {"day": DAY}))["node"]["offers"]
    # The municipality and the tree below it: on Neo4j one statement; embedded one read per level
    # (the municipality, offers, providers, working groups), however many fields and aliases
    # follow the same relationship.
    assert seeded.round_trips == (1 if seeded.name == "neo4j" else 4)
    groups = _expected_members(seed_data)
    assert offers["nodes"]
    for plain, edge in zip(offers["nodes"], offers["edges"], strict=True):
        assert plain["key"] == edge["node"]["key"]
        by_nodes = {p["key"]: sorted(g["key"] for g in p["memberOf"]["nodes"]) for p in plain["providedBy"]["nodes"]}
        by_edges = {
            p["node"]["key"]: sorted(g["key"] for g in p["node"]["memberOf"]["nodes"]) for p in edge["node"]["byEdge"]["edges"]
        }
        assert by_nodes == by_edges
        for org, found in by_nodes.items():
            assert found == sorted(groups[org])


def _ended_region() -> GraphData:
    """A region that ended on 31.12.2020, a town in it, and an organisation located in the town."""
    data = GraphData()
    data.nodes["reg:alt"] = Node("Region", "reg:alt", {"name": "Alt", "kind": "cm-region", "validTo": dt.date(2020, 12, 31)})
    data.nodes["mun:stadt"] = Node("Municipality", "mun:stadt", {"name": "Stadt"})
    data.nodes["org:verein"] = Node("Organisation", "org:verein", {"name": "Verein", "kind": "welfare"})
    data.edges[("PART_OF", "mun:stadt", "reg:alt")] = Edge("PART_OF", "mun:stadt", "reg:alt")
    data.edges[("LOCATED_IN", "org:verein", "mun:stadt")] = Edge("LOCATED_IN", "org:verein", "mun:stadt")
    return data


@pytest.mark.parametrize(("day", "expected"), [("2020-06-01", ["org:verein"]), ("2021-06-01", [])])
async def test_a_key_anchored_filter_answers_as_testing_each_entity_does_also_when_the_named_entity_ended(
    store: Store, day: str, expected: list[str]
) -> None:
    await store.replace_all(_ended_region())
    run = make_runner(store)
    chain = '{locatedIn: {some: {partOf: {some: {key: {eq: "reg:alt"}}}}}}'
    # The chain alone is answered by walking back from the region; with a second condition,
    # every candidate is tested forwards. Both must agree on each day.
    walked = await run(f'{{ organisations(asOf: "{day}", where: {chain}) {{ nodes {{ key }} }} }}')
    tested = await run(
        f'{{ organisations(asOf: "{day}", where: {{AND: [{chain}, {{name: {{eq: "Verein"}}}}]}}) {{ nodes {{ key }} }} }}'
    )
    assert [n["key"] for n in walked["organisations"]["nodes"]] == expected
    assert walked == tested
