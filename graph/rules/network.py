"""Network analysis of the partner network: ties, paths, brokers, missing ties, departures.

The organisation graph is undirected. Two organisations are joined when they
cooperate (COOPERATES_WITH, weight 1) or sit in the same working group
(MEMBER_OF, weight 2), so weighted shortest paths prefer direct cooperation.
Every function here takes that ``nx.Graph`` (or plain data) and returns plain
values; none of them knows a store.

>>> import datetime as dt
>>> from kimnet.graph.model.kinds import Edge, Node
>>> orgs = {i: Node("Organisation", i, {"name": i[4:].upper()}) for i in ("org:ki", "org:jc", "org:vhs", "org:cv")}
>>> graph = organisation_graph(
...     orgs,
...     cooperation=[Edge("COOPERATES_WITH", "org:jc", "org:ki", {"kind": "referral"})],
...     memberships=[Edge("MEMBER_OF", o, "wg:lenkung") for o in ("org:ki", "org:vhs")],
...     as_of=dt.date(2021, 6, 1),
... )
>>> graph.edges["org:ki", "org:vhs"]["via"], graph.edges["org:ki", "org:vhs"]["weight"]
('working_group', 2)
>>> cooperation_path(graph, "org:jc", "org:vhs")
('org:jc', 'org:ki', 'org:vhs')
>>> cooperation_path(graph, "org:jc", "org:cv") is None
True
>>> brokers(graph, top=1)
(('org:ki', 0.3333333333333333),)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import cast

import networkx as nx

from kimnet.graph.model.errors import NotFoundError
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.model.validity import valid_on
from kimnet.graph.rules import measures
from kimnet.graph.rules.catalogue import Catalogue, Offer
from kimnet.graph.rules.coverage import Gap, coverage_gaps

__all__ = [
    "Impact",
    "brokers",
    "cooperation_path",
    "impact_of_leaving",
    "missing_ties",
    "organisation_graph",
    "shortest_paths",
]

COOPERATION_WEIGHT = 1
GROUP_WEIGHT = 2


def organisation_graph(
    organisations: Mapping[str, Node], cooperation: Iterable[Edge], memberships: Iterable[Edge], as_of: dt.date
) -> nx.Graph[str]:
    """Build the undirected organisation graph that holds on ``as_of``.

    Takes the organisations by id, their COOPERATES_WITH edges and their
    MEMBER_OF edges (organisation -> working group). Nodes are the organisations
    valid on ``as_of``, with attribute ``name``. Each edge has ``via``
    ("cooperation" or "working_group"), ``kind`` (of the cooperation, or None),
    ``groups`` (sorted ids of the working groups both sit in) and ``weight``
    (1 for cooperation, 2 for a shared group only). Edges that do not hold on
    ``as_of`` or that touch an organisation outside the node set are left out,
    so the caller decides which organisations count.
    """
    graph: nx.Graph[str] = nx.Graph()
    for org_id in sorted(organisations):  # sorted: equal-weight paths come out the same every time
        if valid_on(organisations[org_id].props, as_of):
            graph.add_node(org_id, name=organisations[org_id].name)
    for edge in sorted(cooperation, key=lambda e: e.key):
        a, b = edge.source, edge.target
        if a != b and a in graph and b in graph and valid_on(edge.props, as_of):
            graph.add_edge(a, b, via="cooperation", kind=edge.props.get("kind"), groups=(), weight=COOPERATION_WEIGHT)
    members: dict[str, set[str]] = defaultdict(set)
    for edge in memberships:
        if edge.source in graph and valid_on(edge.props, as_of):
            members[edge.target].add(edge.source)
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    # Sorted too: the order edges go in moves betweenness in its last digits, and a followed index
    # (graph.read.index_update) may hold the memberships in another order than a fresh read.
    for group, orgs in sorted(members.items()):
        for pair in itertools.combinations(sorted(orgs), 2):
            shared[pair].append(group)
    for (a, b), groups in shared.items():
        if graph.has_edge(a, b):
            graph.edges[a, b]["groups"] = tuple(sorted(groups))
        else:
            graph.add_edge(a, b, via="working_group", kind=None, groups=tuple(sorted(groups)), weight=GROUP_WEIGHT)
    return graph


def _require(graph: nx.Graph[str], org: str) -> None:
    if org not in graph:
        raise NotFoundError(f"organisation {org} is not in the network on that day; check the id and the date")


def cooperation_path(graph: nx.Graph[str], a: str, b: str) -> tuple[str, ...] | None:
    """Return the weighted shortest path of organisation ids from ``a`` to ``b``, or None if unconnected.

    Raises NotFoundError when ``a`` or ``b`` is not a node of the graph.
    """
    _require(graph, a)
    _require(graph, b)
    try:
        return tuple(nx.dijkstra_path(graph, a, b, weight="weight"))
    except nx.NetworkXNoPath:
        return None


def shortest_paths(graph: nx.Graph[str], source: str) -> dict[str, tuple[float, tuple[str, ...]]]:
    """Map every organisation reachable from ``source`` to (path weight, weighted shortest path).

    ``source`` itself maps to (0, (source,)); an unknown ``source`` reaches nothing.
    Edges without a ``weight`` attribute weigh 1.
    """
    if source not in graph:
        return {}
    # Without a target networkx returns the two dicts; the stubs do not overload on that.
    found = cast("tuple[dict[str, float], dict[str, list[str]]]", nx.single_source_dijkstra(graph, source, weight="weight"))
    lengths, paths = found
    return {org: (float(lengths[org]), tuple(path)) for org, path in paths.items()}


def brokers(graph: nx.Graph[str], top: int | None = None) -> tuple[tuple[str, float], ...]:
    """Return (organisation, betweenness centrality) pairs, highest first, then by id.

    Betweenness is normalised and unweighted: a broker is whoever sits on many
    shortest chains of acquaintance, whatever kind the ties are. On a large
    graph it is estimated from a seeded sample (``measures.betweenness``).
    ``top`` keeps only the first so many.
    """
    ranked = measures.ranked(measures.betweenness(graph))
    return ranked if top is None else ranked[:top]


def missing_ties(
    graph: nx.Graph[str], domains_of: Mapping[str, Collection[str]], *, include_groups: bool = False
) -> tuple[tuple[str, str], ...]:
    """Return the pairs of legal domains (d1 < d2) that nothing in the network ties together.

    ``domains_of`` maps an organisation id to the legal-domain ids of the offers
    it provides. Two domains are tied when one organisation serves both, or an
    edge joins an organisation serving one with an organisation serving the
    other. Only cooperation edges count (``via == "cooperation"``; an edge
    without ``via`` counts too): sitting in the same working group is not yet
    working together on cases. ``include_groups=True`` counts shared groups as
    well. Only domains that some organisation serves are considered.
    """
    domains = sorted({d for ds in domains_of.values() for d in ds})
    tied: set[tuple[str, str]] = set()
    for served in domains_of.values():
        tied.update(itertools.combinations(sorted(set(served)), 2))
    for a, b, via in graph.edges(data="via", default="cooperation"):
        if via == "cooperation" or include_groups:
            for d1 in domains_of.get(a, ()):
                for d2 in domains_of.get(b, ()):
                    if d1 != d2:
                        tied.add((min(d1, d2), max(d1, d2)))
    return tuple(pair for pair in itertools.combinations(domains, 2) if pair not in tied)


@dataclass(frozen=True, slots=True)
class Impact:
    """What the network loses when ``organisation`` leaves it.

    ``offers_lost`` are the valid offers it alone provides, ``offers_shared`` the
    valid offers it provides with others, ``gaps_opened`` the coverage gaps that
    losing ``offers_lost`` opens, ``partners`` its neighbours in the graph,
    ``pairs_disconnected`` how many pairs of other organisations are connected
    now but not without it, and ``isolated`` the organisations left with no tie.
    """

    organisation: str
    offers_lost: tuple[Offer, ...]
    offers_shared: tuple[Offer, ...]
    gaps_opened: tuple[Gap, ...]
    partners: tuple[str, ...]
    pairs_disconnected: int
    isolated: tuple[str, ...]


def _connected_pairs(graph: nx.Graph[str], nodes: Iterable[str]) -> int:
    """Count the pairs among ``nodes`` (a union of components) that are connected in ``graph``."""
    sizes = [len(c) for c in nx.connected_components(nx.subgraph(graph, nodes))]
    return sum(n * (n - 1) // 2 for n in sizes)


def impact_of_leaving(
    org: str,
    catalogue: Catalogue,
    graph: nx.Graph[str],
    as_of: dt.date,
    *,
    losses: Mapping[str, int] | None = None,
    gaps_before: Collection[Gap] | None = None,
) -> Impact:
    """Tell what is lost on ``as_of`` if ``org`` leaves the network.

    Takes the organisation id, the catalogue of offers (for offers and gaps) and
    the organisation graph (for ties). ``losses`` (``measures.departure_losses``
    of the graph) and ``gaps_before`` (``coverage_gaps`` of the catalogue on
    ``as_of``), when given, are used instead of computing them again: they are
    the same for every organisation. Only the municipalities that its lost
    offers reach are looked at again. Raises NotFoundError when neither knows ``org``.
    """
    if org not in graph and org not in catalogue.organisations:
        raise NotFoundError(f"organisation {org} is neither in the network nor a provider of an offer; check the id")
    provided = sorted((o for o in catalogue.offers.values() if org in o.providers and o.valid_on(as_of)), key=lambda o: o.id)
    lost = tuple(o for o in provided if set(o.providers) == {org})
    shared = tuple(o for o in provided if set(o.providers) != {org})
    lost_ids = {o.id for o in lost}
    lost_areas = {a for o in lost for a in o.areas}
    geography = catalogue.geography
    touched = [m for m in geography.municipalities if not lost_areas.isdisjoint(geography.areas_of(m))]
    gaps_opened: tuple[Gap, ...] = ()
    if touched:
        without = dataclasses.replace(catalogue, offers={i: o for i, o in catalogue.offers.items() if i not in lost_ids})
        before = set(coverage_gaps(catalogue, as_of, municipalities=touched) if gaps_before is None else gaps_before)
        gaps_opened = tuple(g for g in coverage_gaps(without, as_of, municipalities=touched) if g not in before)

    partners: tuple[str, ...] = ()
    isolated: tuple[str, ...] = ()
    pairs_disconnected = 0
    if org in graph:
        partners = tuple(sorted(graph.neighbors(org)))
        if losses is not None:
            pairs_disconnected = losses[org]
        else:
            # Only org's own component can fall apart; the rest of the graph is untouched.
            others = set(nx.node_connected_component(graph, org)) - {org}
            n = len(others)
            pairs_disconnected = n * (n - 1) // 2 - _connected_pairs(graph, others)
        isolated = tuple(p for p in partners if graph.degree(p) == 1)
    return Impact(org, lost, shared, gaps_opened, partners, pairs_disconnected, isolated)
