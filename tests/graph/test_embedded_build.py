"""The embedded store builds its networkx graph in bulk exactly as add_node and add_edge would, and loads with the collector paused."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from kimnet.graph.io.synthetic import nrw
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.stores.embedded import EmbeddedStore, build_graph

from .test_store_contract import small_graph


def _one_by_one(data: GraphData) -> nx.MultiDiGraph[str]:
    """The graph as the embedded store built it before build_graph: one add_edge per edge."""
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    graph.add_nodes_from((n.id, {"node": n}) for n in data.nodes.values())
    for e in data.edges.values():
        graph.add_edge(e.source, e.target, key=e.type, edge=e)
    return graph


def _layout(graph: nx.MultiDiGraph[str]) -> tuple[Any, ...]:
    """Everything a reader can see, in iteration order (the store's answers follow it)."""
    return (
        list(graph.nodes(data=True)),
        list(graph.edges(keys=True, data=True)),
        [(n, list(graph.succ[n].items())) for n in graph],
        [(n, list(graph.pred[n].items())) for n in graph],
    )


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


@pytest.mark.parametrize("data", [_awkward_graph(), nrw(seed=2, scale=0.02)], ids=["awkward", "synthetic"])
def test_build_graph_equals_the_graph_add_edge_builds(data: GraphData) -> None:
    built, expected = build_graph(data), _one_by_one(data)
    assert nx.utils.graphs_equal(built, expected)
    assert _layout(built) == _layout(expected)
    # add_edge shares one key dict between _succ[u][v] and _pred[v][u]; so must the bulk build.
    for graph in (built, expected):
        assert all(graph._succ[u][v] is graph._pred[v][u] for u, v in graph.edges())


def test_a_built_graph_changes_like_one_built_edge_by_edge() -> None:
    data = _awkward_graph()
    built, expected = build_graph(data), _one_by_one(data)
    for graph in (built, expected):
        graph.remove_edge("org:a", "org:b", key="MEMBER_OF")
        graph.add_edge("org:b", "org:a", key="MEMBER_OF", edge=None)
        graph.remove_node("org:c")
        graph.add_node("org:d", node=None)
    assert _layout(built) == _layout(expected)


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
