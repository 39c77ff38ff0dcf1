"""The embedded store's maps: filled in bulk as applying ops one by one leaves them, in networkx's order; opening pauses the collector.

The store kept its graph in a networkx MultiDiGraph before ``graph.stores.adjacency``, and
what it answers followed networkx's order: a deleted node's relationships go to the journal
and the audit trail in it. A MultiDiGraph built with add_node and add_edge is the reference here.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from kimnet.graph.io.synthetic import nrw
from kimnet.graph.model.codec import encode_edge, encode_node
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.stores.embedded import EmbeddedStore, _MemoryOps

from .test_store_contract import small_graph


@pytest.fixture
def stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[EmbeddedStore]]:
    """Two empty stores (each folder holds one)."""
    monkeypatch.setattr(gc, "freeze", lambda: None)  # freezing the whole test process would keep its garbage forever
    opened = [EmbeddedStore.open(tmp_path / name) for name in ("a", "b")]
    yield opened
    for store in opened:
        store._release()


def _put(item: Node | Edge) -> dict[str, Any]:
    return (
        {"op": "put_node", "node": encode_node(item)} if isinstance(item, Node) else {"op": "put_edge", "edge": encode_edge(item)}
    )


def _delete(item: Node | Edge) -> dict[str, Any]:
    return (
        {"op": "del_node", "node": encode_node(item)} if isinstance(item, Node) else {"op": "del_edge", "edge": encode_edge(item)}
    )


def _reference(data: GraphData) -> nx.MultiDiGraph[str]:
    """The graph as the store built it in networkx: one add_node per node, one add_edge per edge."""
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    graph.add_nodes_from((n.id, {"node": n}) for n in data.nodes.values())
    for e in data.edges.values():
        graph.add_edge(e.source, e.target, key=e.type, edge=e)
    return graph


def _seen(store: EmbeddedStore) -> tuple[Any, ...]:
    """Everything the store's reads can see, in their order: nodes, and each joined node's relationships out and in."""
    adjacency = store._adjacency
    joined = sorted({*adjacency.out, *adjacency.into})
    return (
        list(store._nodes.items()),
        [(n, list(adjacency.edges_from(n)), list(adjacency.edges_into(n))) for n in joined],
    )


def _seen_in(graph: nx.MultiDiGraph[str]) -> tuple[Any, ...]:
    """The same in the networkx graph (where add_edge adds an end that is no node, without attributes)."""
    return (
        [(n, attrs["node"]) for n, attrs in graph.nodes(data=True) if "node" in attrs],
        [
            (n, [e for *_, e in graph.out_edges(n, data="edge")], [e for *_, e in graph.in_edges(n, data="edge")])
            for n in sorted(graph)
            if graph.degree(n)
        ],
    )


def _indexes(store: EmbeddedStore) -> tuple[Any, ...]:
    """The maps by kind and by type, in their order (a kind or type emptied by ops leaves an empty map)."""
    return (
        [(kind, list(nodes.items())) for kind, nodes in sorted(store._kinds.items()) if nodes],
        [(type_, list(edges.items())) for type_, edges in sorted(store._types.items()) if edges],
    )


def _shares_ties(store: EmbeddedStore) -> bool:
    """``out[u][v]`` is ``into[v][u]``, and neither direction holds more."""
    out, into = store._adjacency.out, store._adjacency.into
    same = all(into[v][u] is tie for u, ends in out.items() for v, tie in ends.items())
    return same and sum(map(len, out.values())) == sum(map(len, into.values()))


def _awkward_graph() -> GraphData:
    """The small county, plus two types between one pair, a loop, a later version and an edge to a node not in data."""
    data = small_graph()
    extra_nodes = [Node("Organisation", "org:c", {"name": "C"}, version=3)]
    extra_edges = [
        Edge("MEMBER_OF", "org:a", "org:b", {"role": "lead"}),
        Edge("PART_OF", "org:c", "org:c"),
        Edge("PART_OF", "org:c", "org:elsewhere"),
    ]
    data.nodes.update((n.id, n) for n in extra_nodes)
    data.edges.update((e.key, e) for e in extra_edges)
    return data


GRAPHS = [_awkward_graph(), nrw(seed=2, scale=0.02)]


@pytest.mark.parametrize("data", GRAPHS, ids=["awkward", "synthetic"])
def test_a_filled_store_equals_one_that_applied_each_op(data: GraphData, stores: list[EmbeddedStore]) -> None:
    filled, stepped = stores
    filled._fill(data)
    for item in [*data.nodes.values(), *data.edges.values()]:
        stepped._apply(_put(item))
    assert _seen(filled) == _seen(stepped) == _seen_in(_reference(data))
    assert _indexes(filled) == _indexes(stepped)
    assert _shares_ties(filled)
    assert _shares_ties(stepped)


def test_a_filled_store_changes_as_networkx_did(stores: list[EmbeddedStore]) -> None:
    data = _awkward_graph()
    store, graph = stores[0], _reference(data)
    store._fill(data)
    assert isinstance(store._adjacency.out["org:a"]["org:b"], dict), "two types join the pair"
    member, provides = data.edges[("MEMBER_OF", "org:a", "org:b")], data.edges[("PROVIDES", "org:a", "svc:old")]
    olfen, c = data.nodes["mun:olfen"], data.nodes["org:c"]
    steps: list[tuple[str, Node | Edge]] = [
        ("del", member),  # the pair keeps its cooperation, and its place
        ("put", Edge("MEMBER_OF", "org:b", "org:a")),
        ("put", member),  # back, behind the cooperation
        ("put", Edge("COOPERATES_WITH", "org:a", "org:b", {"kind": "advice"})),  # replaced in its place
        ("put", Edge("PART_OF", "mun:olfen", "reg:kreis", {"validTo": dt.date(2030, 1, 1)})),  # in its place, before senden
        ("del", provides),  # the pair's only relationship: svc:old comes back behind svc:new
        ("put", provides),
        ("del", Edge("PART_OF", "org:c", "org:elsewhere")),
        ("del", c),  # with its loop, as networkx's remove_node
        ("put", c),  # back last
        ("put", Node("Municipality", "mun:olfen", olfen.props, version=2)),  # in its place
    ]
    for action, item in steps:
        store._apply(_put(item) if action == "put" else _delete(item))
        if isinstance(item, Node):
            graph.add_node(item.id, node=item) if action == "put" else graph.remove_node(item.id)
        elif action == "put":
            graph.add_edge(item.source, item.target, key=item.type, edge=item)
        else:
            graph.remove_edge(item.source, item.target, key=item.type)
        assert _seen(store) == _seen_in(graph), f"after {action} {item}"
        assert _shares_ties(store)
    assert ("PART_OF", "org:c", "org:c") not in store._types["PART_OF"], "the loop went from the index with its node"


@pytest.mark.parametrize("data", GRAPHS, ids=["awkward", "synthetic"])
async def test_a_deleted_node_gives_its_relationships_out_then_in_as_networkx_did(
    data: GraphData, stores: list[EmbeddedStore]
) -> None:
    store, graph = stores[0], _reference(data)
    store._fill(data)
    out, into = graph.out_edges, graph.in_edges
    # The node with the most types of relationships, the most of them breaking the tie.
    node_id = max(data.nodes, key=lambda n: (len({k for *_, k in [*out(n, keys=True), *into(n, keys=True)]}), graph.degree(n), n))
    expected = [e for *_, e in out(node_id, data="edge")] + [e for *_, e in into(node_id, data="edge")]
    applied: list[dict[str, Any]] = []
    incident = await _MemoryOps(store, applied, []).delete_node(data.nodes[node_id])
    assert incident == expected
    assert len(incident) > 2
    assert [op["op"] for op in applied] == ["del_edge"] * len(incident) + ["del_node"]
    assert node_id not in store._nodes
    assert node_id not in {*store._adjacency.out, *store._adjacency.into}


def test_opening_pauses_the_collector_and_restores_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real_fill = EmbeddedStore._fill

    def fill(store: EmbeddedStore, data: GraphData) -> None:
        seen.append(gc.isenabled())
        real_fill(store, data)

    monkeypatch.setattr(EmbeddedStore, "_fill", fill)
    monkeypatch.setattr(gc, "freeze", lambda: None)  # freezing the whole test process would keep its garbage forever
    store = EmbeddedStore.open(tmp_path / "store", compact_after=1)
    store._journal.write_snapshot(small_graph())
    store._release()
    was_enabled = gc.isenabled()
    try:
        gc.enable()
        EmbeddedStore.open(tmp_path / "store")._release()
        assert gc.isenabled()
        gc.disable()  # a caller that runs without the collector keeps it that way
        EmbeddedStore.open(tmp_path / "store")._release()
        assert not gc.isenabled()
    finally:
        (gc.enable if was_enabled else gc.disable)()
    assert seen == [False, False]
