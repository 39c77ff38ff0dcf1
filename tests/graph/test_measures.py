"""Network measures made once per graph: departures by one search, betweenness exact or sampled within a bound."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimnet.graph.model.errors import DeadlineError
from kimnet.graph.model.kinds import Node
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


def test_the_sample_size_keeps_within_the_work_and_is_exact_up_to_it() -> None:
    chain = nx.relabel_nodes(nx.path_graph(10), str)  # 10 organisations, 9 ties: 19 visits per source
    assert measures.sample_size(chain, work=190) is None  # all 10 sources fit exactly
    assert measures.sample_size(chain, work=189) == 9
    assert measures.sample_size(chain, work=100) == 5
    # Never fewer than two sources: one would rank from a single point of view.
    assert measures.sample_size(chain, work=19) == 2
    assert measures.sample_size(chain, work=0) == 2


def test_above_the_work_bound_betweenness_is_the_seeded_estimate_not_the_exact_value() -> None:
    state, work = nx.relabel_nodes(nx.barabasi_albert_graph(400, 3, seed=1), str), 60_000
    k = measures.sample_size(state, work)
    sampled = measures.betweenness(state, work)
    estimate = nx.betweenness_centrality(state, k=k, normalized=True, seed=measures.BETWEENNESS_SEED)
    assert sampled == pytest.approx(estimate)
    assert sampled != pytest.approx(nx.betweenness_centrality(state))


def test_a_ranking_puts_the_highest_first_and_equal_scores_by_id() -> None:
    assert measures.ranked({"org:b": 0.5, "org:c": 1.0, "org:a": 0.5, "org:d": 0.0}) == (
        ("org:c", 1.0),
        ("org:a", 0.5),
        ("org:b", 0.5),
        ("org:d", 0.0),
    )


def _network() -> nx.Graph[str]:
    # org:a and org:c reach each other only through org:b; org:d hangs on org:c.
    return nx.Graph([("org:a", "org:b"), ("org:b", "org:c"), ("org:c", "org:d")])


def test_measures_answer_for_the_graph_they_were_made_of() -> None:
    graph = _network()
    organisations = {key: Node("Organisation", key, {"name": key}) for key in graph}
    made = measures.Measures(organisations, graph)
    assert made.organisations is organisations
    assert made.ranking() == measures.ranked(measures.betweenness(graph))
    assert [o for o, _ in made.ranking()] == ["org:b", "org:c", "org:a", "org:d"]
    assert made.losses() == {"org:a": 0, "org:b": 2, "org:c": 2, "org:d": 0}


def test_each_measure_is_made_once_and_then_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"betweenness": 0, "departure_losses": 0}

    def counted(name: str) -> Callable[[nx.Graph[str]], object]:
        real = getattr(measures, name)

        def measure(graph: nx.Graph[str]) -> object:
            calls[name] += 1
            return real(graph)

        return measure

    for name in calls:
        monkeypatch.setattr(measures, name, counted(name))
    made = measures.Measures({}, _network())
    assert made.ranking() is made.ranking()
    assert made.losses() is made.losses()
    assert calls == {"betweenness": 1, "departure_losses": 1}


def test_threads_asking_at_once_wait_for_the_one_that_makes_the_measure(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    started = threading.Event()

    def slow(graph: nx.Graph[str]) -> dict[str, int]:
        calls.append(1)
        started.set()
        time.sleep(0.2)  # long enough for the other threads to arrive while it is being made
        return {"org:a": len(calls)}

    monkeypatch.setattr(measures, "departure_losses", slow)
    made = measures.Measures({}, _network())
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(made.losses)
        started.wait(5)
        others = [pool.submit(made.losses) for _ in range(3)]
        answers = [first.result(), *(f.result() for f in others)]
    assert len(calls) == 1
    assert all(a is answers[0] for a in answers)


def test_a_measure_that_failed_is_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes: list[Exception | dict[str, int]] = [DeadlineError("too slow"), {"org:a": 0}]

    def flaky(graph: nx.Graph[str]) -> dict[str, int]:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(measures, "departure_losses", flaky)
    made = measures.Measures({}, _network())
    with pytest.raises(DeadlineError):
        made.losses()
    assert made.losses() == {"org:a": 0}
