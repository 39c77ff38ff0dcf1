"""Network measures that cost more than one request should pay: made once per graph, then shared.

``graph.read.reads`` keeps one ``Measures`` per store generation and day; every
request of that generation asking ``brokers`` or ``impactOfLeaving`` for that
day reads it. Each measure is computed on first use, by one thread (the others
that want it meanwhile wait for it), and never changes afterwards.

Betweenness. Exact betweenness (Brandes) runs one breadth-first search from
every organisation: ``O(n · (n + m))``, some 16 minutes of pure Python for the
12,000 organisations and 73,000 ties of the state-sized network. Above
``BETWEENNESS_WORK`` (five to ten seconds' worth) it is estimated from a seeded
sample of ``k`` sources (``networkx.betweenness_centrality(k=..., seed=...)``,
rescaled to the whole), with ``k`` chosen so that ``k · (n + m)`` stays within
that work: exact for a county (Kreis Coesfeld: 100 organisations), sampled for a
state. The estimate is unbiased; ``docs/api.md`` gives its measured error.
The same seed and graph give the same answer on every request and process.

Departures. How many pairs of other organisations lose every path between
them when one leaves is answered for every organisation at once by one
depth-first search (articulation points with subtree sizes): ``O(n + m)``,
instead of a search of the leaving organisation's component per request.

>>> import networkx as nx
>>> path = nx.path_graph(["a", "b", "c", "d"])
>>> departure_losses(path)
{'a': 0, 'b': 2, 'c': 2, 'd': 0}
>>> sample_size(nx.complete_graph(10)), sample_size(nx.path_graph(5_000))
(None, 500)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import networkx as nx

from kimnet.graph.model.kinds import Node
from kimnet.graph.rules.deadline import checkpoint

__all__ = ["BETWEENNESS_SEED", "BETWEENNESS_WORK", "Measures", "betweenness", "departure_losses", "ranked", "sample_size"]

#: Node visits (sources times nodes and edges) that one betweenness computation may take: some five to
#: ten seconds of pure Python on a busy 2-core machine, once per generation and day. Fewer sources
#: rank too poorly (see docs/api.md): with 23 sources the estimated top 10 held organisations
#: ranked 500th; with 60, all were in the exact top 60.
BETWEENNESS_WORK = 5_000_000

#: The sample's seed: the same sources for the same graph, on every request and in every process.
BETWEENNESS_SEED = 12

T = TypeVar("T")


def sample_size(graph: nx.Graph[str], work: int = BETWEENNESS_WORK) -> int | None:
    """How many sources to sample for betweenness on ``graph`` within ``work``; None for exact."""
    n = graph.number_of_nodes()
    size = n + graph.number_of_edges()
    if n * size <= work:
        return None
    return max(2, min(n - 1, work // max(size, 1)))


def betweenness(graph: nx.Graph[str], work: int = BETWEENNESS_WORK, seed: int = BETWEENNESS_SEED) -> dict[str, float]:
    """Normalised, unweighted betweenness of every node: exact, or estimated from a seeded sample (see the module)."""
    k = sample_size(graph, work)
    if k is None:
        return {str(o): float(s) for o, s in nx.betweenness_centrality(graph, normalized=True).items()}
    return {str(o): float(s) for o, s in nx.betweenness_centrality(graph, k=k, normalized=True, seed=seed).items()}


def ranked(scores: dict[str, float]) -> tuple[tuple[str, float], ...]:
    """``scores`` as (node, score) pairs, highest first, then by id."""
    return tuple(sorted(scores.items(), key=lambda pair: (-pair[1], pair[0])))


def departure_losses(graph: nx.Graph[str]) -> dict[str, int]:
    """For every node, the pairs of other nodes that are connected now and would not be without it.

    One iterative depth-first search per component (no recursion: a state's
    chains are long). Removing ``v`` splits its component into the subtrees
    of the children ``c`` with ``low(c) >= disc(v)`` (all children, for the
    root) and the rest.
    """
    # disc: the order in which the search met each node (how many it had met before); low: the
    # earliest of those that the node's subtree reaches back to.
    disc: dict[str, int] = {}
    low: dict[str, int] = {}
    size: dict[str, int] = {}
    pieces: dict[str, list[int]] = {}
    losses: dict[str, int] = {}
    for root in graph:
        if root in disc:
            continue
        checkpoint()
        component = [root]
        disc[root] = low[root] = len(disc)
        size[root], pieces[root] = 1, []
        stack: list[tuple[str, str | None, object]] = [(root, None, iter(graph[root]))]
        while stack:
            node, parent, neighbours = stack[-1]
            descended = False
            for other in neighbours:  # type: ignore[attr-defined]
                if other not in disc:
                    disc[other] = low[other] = len(disc)
                    size[other], pieces[other] = 1, []
                    component.append(other)
                    stack.append((other, node, iter(graph[other])))
                    descended = True
                    break
                if other != parent:
                    low[node] = min(low[node], disc[other])
            if descended:
                continue
            stack.pop()
            if parent is not None:
                low[parent] = min(low[parent], low[node])
                size[parent] += size[node]
                if low[node] >= disc[parent]:
                    pieces[parent].append(size[node])
        others = len(component) - 1
        for node in component:
            cut = pieces[node]
            rest = others - sum(cut)
            kept = sum(p * (p - 1) // 2 for p in cut) + rest * (rest - 1) // 2
            losses[node] = others * (others - 1) // 2 - kept
    return losses


class _Once:
    """A value made by the first thread that asks; the others wait for it. A failed make is tried again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = False
        self._value: object = None

    def get(self, make: Callable[[], T]) -> T:
        if not self._done:
            with self._lock:
                if not self._done:
                    self._value = make()
                    self._done = True
        return self._value  # type: ignore[return-value]


class Measures:
    """The organisations valid on one day, their cooperation graph, and the measures made from it, once each.

    Shared by every request of one store generation: nothing in it may be changed.
    """

    def __init__(self, organisations: dict[str, Node], graph: nx.Graph[str]) -> None:
        self.organisations = organisations
        self.graph = graph
        self._ranking = _Once()
        self._losses = _Once()

    def ranking(self) -> tuple[tuple[str, float], ...]:
        """Every organisation with its betweenness, highest first, then by id."""

        return self._ranking.get(lambda: ranked(betweenness(self.graph)))

    def losses(self) -> dict[str, int]:
        """``departure_losses`` of the graph."""
        return self._losses.get(lambda: departure_losses(self.graph))
