"""Exploring: lists, connections, filters, ordering, asOf, global ids, and bounded round trips."""

from __future__ import annotations

import datetime as dt

import pytest

from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.stores.store import Store
from kimnet.schema.ids import global_id

from .conftest import Run, make_runner


def _synthetic(organisations: int) -> GraphData:
    """Organisations each providing two offers that address a shared need."""
    data = GraphData()
    data.nodes["need:work"] = Node("Need", "need:work", {"name": "Arbeit"})
    data.nodes["wg:net"] = Node("WorkingGroup", "wg:net", {"name": "Netz", "kind": "network"})
    for i in range(organisations):
        org = f"org:o{i:03d}"
        data.nodes[org] = Node("Organisation", org, {"name": f"Org {i:03d}", "kind": "welfare" if i % 2 else "education"})
        data.edges[("MEMBER_OF", org, "wg:net")] = Edge("MEMBER_OF", org, "wg:net", {"role": "Mitglied"})
        for j in range(2):
            svc = f"svc:s{i:03d}-{j}"
            props: dict = {"name": f"Offer {i}-{j}", "capacity": i * 10 + j}
            if j == 1:
                props["validTo"] = dt.date(2022, 12, 31)
            data.nodes[svc] = Node("Service", svc, props)
            data.edges[("PROVIDES", org, svc)] = Edge("PROVIDES", org, svc)
            data.edges[("ADDRESSES", svc, "need:work")] = Edge("ADDRESSES", svc, "need:work")
    return data


@pytest.fixture
async def synthetic(store: Store) -> Run:
    await store.replace_all(_synthetic(120))
    return make_runner(store)


DEEP = """query($first: Int) {
  organisations(first: $first, asOf: "2022-01-01") {
    edges { node { key provides { edges { node { key addresses { nodes { key } } providedBy { nodes { key } } } } }
                    memberOf { edges { role node { key } } } } }
  }
}"""


async def test_round_trips_do_not_grow_with_the_number_of_results(store: Store, synthetic: Run) -> None:
    store.round_trips = 0
    one = await synthetic(DEEP, {"first": 1})
    trips_for_one = store.round_trips
    store.round_trips = 0
    hundred = await synthetic(DEEP, {"first": 100})
    assert len(one["organisations"]["edges"]) == 1
    assert len(hundred["organisations"]["edges"]) == 100
    assert hundred["organisations"]["edges"][99]["node"]["provides"]["edges"][1]["node"]["providedBy"]["nodes"] == [
        {"key": "org:o099"}
    ]
    # The list, then the tree below it: on Neo4j one statement, embedded one read of the page's
    # entities and one per relationship and level.
    assert store.round_trips == trips_for_one == (2 if store.name == "neo4j" else 6)


async def test_pages_follow_each_other_and_stay_stable_under_inserts(synthetic: Run) -> None:
    query = """query($after: String) { organisations(first: 50, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { key } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = (await synthetic(query, {"after": after}))["organisations"]
        assert page["totalCount"] == (120 if after is None else 121)
        seen += [n["key"] for n in page["nodes"]]
        if after is None:
            # An insert before the cursor must not shift the next page.
            await synthetic(
                'mutation { createOrganisation(input: {key: "org:a-new", name: "Neu", kind: "welfare"}) { errors { message } } }'
            )
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(seen)
    assert len(seen) == 120  # the new one sorts before the first cursor, so no page repeats or skips an entry
    assert "org:a-new" not in seen


async def test_backward_pagination(synthetic: Run) -> None:
    query = "query { organisations(last: 2, before: $c) { nodes { key } pageInfo { hasPreviousPage } } }"
    first = await synthetic("{ organisations(first: 5) { edges { cursor node { key } } } }")
    cursor = first["organisations"]["edges"][4]["cursor"]
    page = await synthetic(query.replace("query {", "query($c: String) {"), {"c": cursor})
    assert [n["key"] for n in page["organisations"]["nodes"]] == ["org:o002", "org:o003"]
    assert page["organisations"]["pageInfo"]["hasPreviousPage"] is True


async def test_order_by_several_keys_and_direction(synthetic: Run) -> None:
    data = await synthetic(
        "{ organisations(first: 3, orderBy: [{field: KIND, direction: DESC}, {field: NAME, direction: DESC}]) { nodes { key kind } } }"
    )
    assert data["organisations"]["nodes"] == [
        {"key": "org:o119", "kind": "welfare"},
        {"key": "org:o117", "kind": "welfare"},
        {"key": "org:o115", "kind": "welfare"},
    ]


async def test_where_with_ranges_text_in_and_not(synthetic: Run) -> None:
    query = """{ services(asOf: "2022-06-01", where: {
        AND: [{capacity: {gte: 100, lt: 120}}, {NOT: {name: {contains: "-1"}}}],
        OR: [{key: {in: ["svc:s010-0", "svc:s011-0"]}}, {name: {startsWith: "offer 01"}}]
      }) { totalCount nodes { key } } }"""
    data = await synthetic(query)
    assert [n["key"] for n in data["services"]["nodes"]] == ["svc:s010-0", "svc:s011-0"]


async def test_where_over_related_entities(synthetic: Run) -> None:
    some = await synthetic("{ organisations(where: {provides: {some: {capacity: {eq: 1000}}}}) { nodes { key } } }")
    assert some["organisations"]["nodes"] == [{"key": "org:o100"}]
    none = await synthetic("{ organisations(where: {provides: {none: {capacity: {gt: 20}}}}) { nodes { key } } }")
    assert [n["key"] for n in none["organisations"]["nodes"]] == ["org:o000", "org:o001", "org:o002"]


async def test_as_of_hides_what_is_not_valid_and_nested_fields_inherit_it(synthetic: Run) -> None:
    query = "{ organisations(first: 1, asOf: $day) { nodes { provides { totalCount } } } services(asOf: $day) { totalCount } }"
    query = query.replace("{ organisations", "query($day: Date) { organisations", 1)
    before = await synthetic(query, {"day": "2022-12-31"})
    after = await synthetic(query, {"day": "2023-01-01"})
    assert before["organisations"]["nodes"][0]["provides"]["totalCount"] == 2
    assert after["organisations"]["nodes"][0]["provides"]["totalCount"] == 1
    assert (before["services"]["totalCount"], after["services"]["totalCount"]) == (240, 120)


async def test_relationship_properties_are_on_the_edges(synthetic: Run) -> None:
    data = await synthetic("{ organisations(first: 1) { nodes { memberOf { edges { role node { key name } } } } } }")
    assert data["organisations"]["nodes"][0]["memberOf"]["edges"] == [
        {"role": "Mitglied", "node": {"key": "wg:net", "name": "Netz"}}
    ]


async def test_node_and_nodes_take_global_ids_or_keys(synthetic: Run) -> None:
    gid = global_id("Organisation", "org:o007")
    data = await synthetic(
        f'{{ node(id: "{gid}") {{ id ... on Organisation {{ key }} }} nodes(ids: ["svc:s001-0", "org:zzz"]) {{ id }} }}'
    )
    assert data["node"] == {"id": gid, "key": "org:o007"}
    assert data["nodes"] == [{"id": global_id("Service", "svc:s001-0")}, None]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('{ node(id: "zzz:abc") { id } }', "unknown prefix"),
        ('{ node(id: "%%%") { id } }', "neither a global id nor a key"),
        ('{ organisations(after: "bogus") { totalCount } }', "is not a cursor of this API"),
        ("{ organisations(first: -1) { totalCount } }", "first must be between 0 and 500"),
        ("{ organisations(first: 100000) { totalCount } }", "first must be between 0 and 500"),
        ('{ organisations(asOf: "2021-13-01") { totalCount } }', "Date"),
        ("{ organisations(orderBy: [{field: colour}]) { totalCount } }", "colour"),
        ("{ organisations(where: {kind: {eq: 5}}) { totalCount } }", "String cannot represent a non string value"),
        ('{ neighbourhood(id: "org:o001", depth: 9) { centre } }', "depth must be between 0 and 4"),
        ('{ neighbourhood(id: "org:nobody") { centre } }', "no entity has the id org:nobody"),
    ],
)
async def test_bad_arguments_get_a_clear_error(synthetic: Run, query: str, message: str) -> None:
    result = await synthetic(query, errors=True)
    assert any(message in e for e in result["errors"]), result["errors"]
    assert not any("Traceback" in e for e in result["errors"])


async def test_neighbourhood_walks_chosen_relationships(synthetic: Run) -> None:
    data = await synthetic(
        '{ neighbourhood(id: "org:o001", depth: 2, relationships: [PROVIDES, ADDRESSES], asOf: "2022-01-01") { entities { distance entity { id } } links { type source target } } }'
    )
    hood = data["neighbourhood"]
    distances = [e["distance"] for e in hood["entities"]]
    assert distances.count(0) == 1
    assert distances.count(1) == 2
    assert distances.count(2) == 1  # the need
    assert {"type": "ADDRESSES", "source": "svc:s001-0", "target": "need:work"} in hood["links"]


async def test_a_cursor_is_refused_under_another_ordering(synthetic: Run) -> None:
    page = await synthetic("{ organisations(first: 2, orderBy: [{field: NAME}]) { pageInfo { endCursor } } }")
    cursor = page["organisations"]["pageInfo"]["endCursor"]
    query = "query($c: String) { organisations(first: 2, after: $c, orderBy: [{field: NAME, direction: DESC}]) { totalCount } }"
    result = await synthetic(query, {"c": cursor}, errors=True)
    assert any("the cursor belongs to another ordering" in e for e in result["errors"])


async def test_key_filters_take_global_ids_too(synthetic: Run) -> None:
    gid = global_id("Organisation", "org:o003")
    data = await synthetic(f'{{ organisations(where: {{key: {{in: ["{gid}", "org:o004"]}}}}) {{ nodes {{ key }} }} }}')
    assert data["organisations"]["nodes"] == [{"key": "org:o003"}, {"key": "org:o004"}]


async def test_a_stray_value_error_is_masked_while_argument_errors_speak(synthetic: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    from kimnet.schema import network

    def broken(*args: object, **kwargs: object) -> object:
        raise ValueError("secret internals")

    # Raised in a worker thread (schema.offload), masked all the same.
    monkeypatch.setattr(network.analysis, "missing_ties", broken)
    masked = await synthetic("{ missingTies { first { key } } }", errors=True)
    assert not any("secret" in e for e in masked["errors"])
    assert any("internal error" in e for e in masked["errors"])
    spoken = await synthetic("{ brokers(top: 0) { betweenness } }", errors=True)
    assert any("top must be between 1 and 500" in e for e in spoken["errors"])
