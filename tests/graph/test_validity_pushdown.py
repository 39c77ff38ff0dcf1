"""The Neo4j store's validity test (Cypher generated from ``validity.BOUNDS``) says what ``valid_on`` says.

Every bound, on nodes and on relationships, dated, missing, or not a date at all,
is read through the store's tree statement on each boundary day (the day before,
the day itself, the day after) and compared with the Python rule.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, Node, Value
from kimnet.graph.model.validity import BOUNDS, valid_on
from kimnet.graph.stores.neo4j import Neo4jStore
from kimnet.graph.stores.store import Hop, Store
from kimnet.graph.stores.trees import Follow, Shape

pytestmark = pytest.mark.neo4j

D = dt.date(2024, 3, 15)
ONE = dt.timedelta(days=1)


def _cases() -> dict[str, dict[str, Value]]:
    """Property sets to test: each bound alone (a date, a text, a number), all together, none."""
    cases: dict[str, dict[str, Value]] = {"none": {}}
    for bound in BOUNDS:
        cases[f"{bound.prop}-date"] = {bound.prop: D}
        cases[f"{bound.prop}-text"] = {bound.prop: D.isoformat()}
        cases[f"{bound.prop}-number"] = {bound.prop: 20240315}
    # A first and a last day together, the later first day winning (since after validFrom), and the reverse.
    cases["window"] = {"validFrom": D, "since": D + 10 * ONE, "validTo": D + 40 * ONE}
    cases["since-first"] = {"validFrom": D + 10 * ONE, "since": D, "validTo": D + 40 * ONE}
    cases["one-day"] = {"validFrom": D, "validTo": D}
    return cases


def _days(cases: dict[str, dict[str, Value]]) -> list[dt.date]:
    bounds = {v for props in cases.values() for v in props.values() if isinstance(v, dt.date)}
    return sorted({b + step for b in bounds for step in (-ONE, 0 * ONE, ONE)})


def _graph(cases: dict[str, dict[str, Value]]) -> GraphData:
    """A root organisation, a member of one working group per case and place of the properties."""
    data = GraphData()
    data.nodes["org:root"] = Node("Organisation", "org:root", {"name": "Wurzel"})
    for name, props in cases.items():
        on_node, on_edge = f"wg:node-{name.lower()}", f"wg:edge-{name.lower()}"
        data.nodes[on_node] = Node("WorkingGroup", on_node, {"name": name, **props})
        data.nodes[on_edge] = Node("WorkingGroup", on_edge, {"name": name})
        for target, edge_props in ((on_node, {}), (on_edge, props)):
            edge = Edge("MEMBER_OF", "org:root", target, edge_props)
            data.edges[edge.key] = edge
    return data


async def test_the_tree_statement_keeps_what_valid_on_keeps_on_every_bound_and_boundary_day(
    neo4j_store: Neo4jStore | None,
) -> None:
    assert neo4j_store is not None
    cases = _cases()
    data = _graph(cases)
    await neo4j_store.replace_all(data)
    shape = Shape(frozenset({"name"}), (Follow("MEMBER_OF", "out", None, (("WorkingGroup", Shape(frozenset({"name"}))),)),))
    follow = shape.follows[0]
    days: list[dt.date | None] = [None, *_days(cases)]
    assert len(days) > 9
    for day in days:
        [root] = await neo4j_store.read_trees(["org:root"], shape, day)
        found = sorted(reached.node.id for _, reached in root.links[follow])
        expected = sorted(
            e.target
            for e in data.edges.values()
            if day is None or (valid_on(e.props, day) and valid_on(data.nodes[e.target].props, day))
        )
        assert found == expected, day
    # The comparison is not empty on either side: some day keeps and some leaves out each dated case.
    for name, props in cases.items():
        kept = {valid_on(props, day) for day in days if day is not None}
        assert kept == ({True} if name == "none" or not any(isinstance(v, dt.date) for v in props.values()) else {True, False})


async def test_the_chain_statement_keeps_what_the_default_chain_keeps_on_every_bound_and_boundary_day(
    neo4j_store: Neo4jStore | None,
) -> None:
    # The default (Store._follow_chain: get_nodes, neighbours, valid_on in Python) is the rule; the statement
    # must reach the same nodes, with the same properties, whichever bound holds the named node or a hop back.
    assert neo4j_store is not None
    cases = _cases()
    data = _graph(cases)
    for name, props in cases.items():  # a second organisation for each case, reached back from its groups
        member = f"org:m-{name.lower()}"
        data.nodes[member] = Node("Organisation", member, {"name": name, **props})
        for group in (f"wg:node-{name.lower()}", f"wg:edge-{name.lower()}"):
            edge = Edge("MEMBER_OF", member, group, props)
            data.edges[edge.key] = edge
    await neo4j_store.replace_all(data)
    groups = sorted(i for i, n in data.nodes.items() if n.kind == "WorkingGroup")
    chains: list[tuple[list[str], set[str], list[list[Hop]]]] = [
        (["org:root"], {"Organisation"}, [[("MEMBER_OF", "out", "WorkingGroup")]]),
        (["org:root"], {"Organisation"}, [[("MEMBER_OF", "out", "WorkingGroup")], [("MEMBER_OF", "in", "Organisation")]]),
        (groups, {"WorkingGroup"}, [[("MEMBER_OF", "in", "Organisation")]]),
        (groups, {"WorkingGroup", "Organisation"}, []),
        (groups, {"Organisation"}, [[("MEMBER_OF", "in", "Organisation")]]),  # named nodes of another kind: none
        (groups, {"WorkingGroup"}, [[("MEMBER_OF", "in", "Organisation"), ("MEMBER_OF", "both", "WorkingGroup")]]),
    ]
    days: list[dt.date | None] = [None, *_days(cases)]
    reached_some = set()
    for ids, kinds, steps in chains:
        for day in days:
            expected = await Store._follow_chain(neo4j_store, ids, kinds, steps, day)
            found = await neo4j_store.follow_chain(ids, kinds, steps, day)
            assert found == expected, (ids[:2], steps, day)
            reached_some.add(len(found))
    assert len(reached_some) > 2  # the days make a difference: the comparison is not empty on every side
    neo4j_store.round_trips = 0
    await neo4j_store.follow_chain(["org:root"], {"Organisation"}, chains[1][2], D)
    assert neo4j_store.round_trips == 1
