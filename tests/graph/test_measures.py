"""Network measures made once per graph: departures by one search, betweenness exact or sampled within a bound."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimnet.graph.model.errors import DeadlineError
from kimnet.graph.rules import measures
from kimnet.graph.rules.deadline import Budget, budget
from kimnet.graph.rules.network import _connected_pairs


def _losses_by_search(graph: nx.Graph[str]) -> dict[str, int]:
    """What ``impact_of_leaving`` computed per request before: search the component without the node."""
    found = {}
    for node in graph:
        others = set(nx.node_connected_component(graph, node)) - {node}
        n = len(others)
        found[node] = n * (n - 1) // 2 - _connected_pairs(graph, others)
    return found


@given(st.integers(1, 30), st.floats(0.02, 0.4), st.integers(0, 10_000))
@settings(max_examples=150, deadline=None)
def test_departure_losses_agree_with_a_search_per_node(n: int, p: float, seed: int) -> None:
    graph = nx.relabel_nodes(nx.gnp_random_graph(n, p, seed=seed), str)
    assert measures.departure_losses(graph) == _losses_by_search(graph)


def test_departure_losses_walk_long_chains_without_recursion() -> None:
    chain = nx.relabel_nodes(nx.path_graph(20_000), str)
    losses = measures.departure_losses(chain)
    assert losses["0"] == 0
    assert losses["10000"] == 19_999 * 19_998 // 2 - (10_000 * 9_999 // 2 + 9_999 * 9_998 // 2)


def test_betweenness_is_exact_on_a_county_and_sampled_within_the_work_bound_on_a_state() -> None:
    county = nx.relabel_nodes(nx.barabasi_albert_graph(100, 3, seed=1), str)
    assert measures.sample_size(county) is None
    assert measures.betweenness(county) == pytest.approx(nx.betweenness_centrality(county))
    # A state in miniature: a smaller work bound makes 400 organisations as costly as 12,000 are.
    state, work = nx.relabel_nodes(nx.barabasi_albert_graph(400, 3, seed=1), str), 60_000
    k = measures.sample_size(state, work)
    assert k is not None
    assert k * (state.number_of_nodes() + state.number_of_edges()) <= work
    sampled = measures.betweenness(state, work)
    assert sampled == measures.betweenness(state, work), "seeded: the same answer every time"
    exact = nx.betweenness_centrality(state)
    top = {o for o, _ in measures.ranked(exact)[:10]}
    assert len(top & {o for o, _ in measures.ranked(sampled)[:10]}) >= 6


def test_a_spent_budget_stops_the_search() -> None:
    graph = nx.relabel_nodes(nx.path_graph(10), str)
    with budget(Budget.within(0.0)), pytest.raises(DeadlineError):
        measures.departure_losses(graph)
