"""The whole graph in memory, indexed for the domain logic's reads: one copy per store generation.

``read_index`` reads a store with one primitive per node kind and relationship
type (no round trip per node) and returns a ``GraphIndex``: the nodes by kind
and by id, every offer with its links (as ids: a state has some 300,000), and
the other relationships by type. ``GraphIndex.neighbours`` answers as
``Store.neighbours`` does, without a round trip; ``GraphIndex.offer`` gives an
offer with the links that hold on a day. ``graph.read.gather`` selects the domain's
plain data from it and ``graph.read.readcache`` keeps one per store generation.

An index is shared by concurrent requests: nothing in it may be changed. (It
fills its adjacency maps on first use, a relationship type at a time; that is
not a change of what it answers.)

>>> import datetime as dt
>>> from kimnet.graph.model.graphdata import GraphData
>>> data = GraphData()
>>> for node in (Node("Service", "svc:kurs", {"name": "Kurs"}), Node("Municipality", "mun:olfen")):
...     data.nodes[node.id] = node
>>> link = Edge("AVAILABLE_IN", "svc:kurs", "mun:olfen", {"validTo": dt.date(2022, 12, 31)})
>>> data.edges[link.key] = link
>>> index = GraphIndex.of(data)
>>> index.offer("svc:kurs", dt.date(2022, 1, 1)).areas, index.offer("svc:kurs", dt.date(2023, 1, 1)).areas
(('mun:olfen',), ())
>>> index.available_in(["mun:olfen"], dt.date(2022, 1, 1)), index.available_in(["mun:olfen"], dt.date(2023, 1, 1))
({'svc:kurs'}, set())
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Literal, TypeAlias

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, Node, Value
from kimnet.graph.model.validity import valid_on
from kimnet.graph.read.chunked import Chunked
from kimnet.graph.read.workers import run_in_worker
from kimnet.graph.rules.catalogue import Offer
from kimnet.graph.stores.store import held_neighbours

if TYPE_CHECKING:
    from kimnet.graph.stores.store import Direction, Neighbours, Store

__all__ = ["GraphIndex", "Link", "read_index"]

#: One end of a relationship, seen from the other: (the other end's id, the relationship's properties).
Link: TypeAlias = tuple[str, Mapping[str, Value]]

#: Per offer with a dated link: its links in ``Offer``'s order, each sorted by the other end's id.
_Dated: TypeAlias = dict[str, tuple[tuple[Link, ...], ...]]

#: The links that make an offer, in ``Offer``'s order: relationship type, and whether the offer is its source.
_OFFER_LINKS = (("PROVIDES", False), ("ADDRESSES", True), ("UNDER", True), ("AVAILABLE_IN", True), ("FUNDED_BY", True))
_OFFER_TYPES = frozenset(t for t, _ in _OFFER_LINKS)

_NONE: tuple[Edge, ...] = ()
#: One empty set for the offers with no illustrative area (nearly all): ``frozenset(())`` makes a new one each time.
_NO_AREAS: frozenset[str] = frozenset()
_BY_SOURCE, _BY_TARGET = attrgetter("source"), attrgetter("target")


def _dated(props: Mapping[str, Value]) -> bool:
    """Whether a relationship holds on some days only (``validity.valid_on`` looks at these three)."""
    return any(isinstance(props.get(name), dt.date) for name in ("validFrom", "since", "validTo"))


@dataclass(frozen=True, slots=True)
class GraphIndex:
    """Nodes by kind (each ordered by id) and by id; offers with their links; the other relationships by type."""

    #: ``Chunked`` maps, as are ``by_id`` and ``offers``: a followed write (``graph.read.index_update``)
    #: shares what it does not change instead of copying 74,000 entries.
    kinds: dict[str, Chunked[str, Node]]
    #: For lookups: unlike ``kinds``, in no promised order (a followed write adds its new ids last).
    by_id: Chunked[str, Node]
    #: Every Service, by id in id order (the keys of ``kinds["Service"]``), with all its links whatever their dates.
    offers: Chunked[str, Offer]
    #: The offers some of whose links have dates: their links in ``Offer``'s order, each sorted by the other end.
    dated: _Dated
    #: Area id -> the offers AVAILABLE_IN it, whatever the link's dates.
    available: dict[str, tuple[str, ...]]
    #: The relationships of every type but the offers' links (which ``offers`` holds), by type.
    edges: dict[str, list[Edge]]
    #: (type, "out" or "in") -> node id -> its edges, ordered by the other end; filled on first use.
    _adjacency: dict[tuple[str, str], dict[str, tuple[Edge, ...]]] = field(default_factory=dict)

    @classmethod
    def of(cls, data: GraphData) -> GraphIndex:
        """Index ``data``; its nodes and edges are shared, not copied."""
        kinds: dict[str, list[Node]] = {}
        for node in sorted(data.nodes.values(), key=attrgetter("id")):
            kinds.setdefault(node.kind, []).append(node)
        edges: dict[str, list[Edge]] = {}
        for edge in data.edges.values():
            edges.setdefault(edge.type, []).append(edge)
        return cls.build(kinds, edges)

    @classmethod
    def build(cls, kinds: Mapping[str, Sequence[Node]], edges: Mapping[str, Sequence[Edge]]) -> GraphIndex:
        """Index the nodes of each kind (ordered by id) and the edges of each type.

        Edges with an end that is not among the nodes are left out: only a read
        torn by a write has them, and the read cache does not keep such a read.
        """
        by_kind = {label: {n.id: n for n in kinds.get(label, ())} for label in MODEL.nodes}
        by_id = {i: n for found in by_kind.values() for i, n in found.items()}
        offers, dated, available = _offers(by_kind["Service"], by_id, edges)
        kept = {
            t: [e for e in edges.get(t, ()) if e.source in by_id and e.target in by_id]
            for t in MODEL.rels
            if t not in _OFFER_TYPES
        }
        chunked = {label: Chunked(found) for label, found in by_kind.items()}
        return cls(chunked, Chunked(by_id), chunked["Service"].beside(offers.values()), dated, available, kept)

    def offer(self, offer_id: str, day: dt.date | None) -> Offer:
        """The offer with the links that hold on ``day`` (all of them, if None)."""
        offer = self.offers[offer_id]
        links = self.dated.get(offer_id)
        if links is None or day is None:
            return offer
        held = [tuple(other for other, props in found if valid_on(props, day)) for found in links]
        return _offer(offer.node, held, offer.illustrative_areas)

    def available_in(self, areas: Collection[str], day: dt.date | None) -> set[str]:
        """The ids of the offers AVAILABLE_IN one of ``areas`` through a link that holds on ``day`` (any, if None)."""
        found = {offer for area in areas for offer in self.available.get(area, ())}
        if day is None:
            return found
        dated = self.dated
        return {o for o in found if o not in dated or any(area in areas and valid_on(props, day) for area, props in dated[o][3])}

    def adjacent(self, rel_type: str, direction: Literal["out", "in"]) -> dict[str, tuple[Edge, ...]]:
        """Map each node id to its edges of ``rel_type`` going ``direction``, ordered by the other end's id.

        Raises:
            ValueError: ``rel_type`` is one of an offer's links (ask ``offers``).
        """
        if rel_type in _OFFER_TYPES:
            raise ValueError(f"{rel_type} links an offer: GraphIndex.offers holds them")
        found = self._adjacency.get((rel_type, direction))
        if found is None:
            key, other = (_BY_SOURCE, _BY_TARGET) if direction == "out" else (_BY_TARGET, _BY_SOURCE)
            groups: dict[str, list[Edge]] = {}
            for edge in self.edges.get(rel_type, ()):
                groups.setdefault(key(edge), []).append(edge)
            found = {i: tuple(es) if len(es) == 1 else tuple(sorted(es, key=other)) for i, es in groups.items()}
            self._adjacency[(rel_type, direction)] = found
        return found

    def neighbours(self, ids: Iterable[str], rel_type: str, direction: Direction, as_of: dt.date | None = None) -> Neighbours:
        """Answer as ``Store.neighbours`` does: per asked id, (edge, other node) sorted by the other's id, then source.

        Raises:
            ValueError: ``rel_type`` is one of an offer's links (ask ``offers``).
        """
        result: Neighbours = {}
        out = self.adjacent(rel_type, "out") if direction in ("out", "both") else {}
        into = self.adjacent(rel_type, "in") if direction in ("in", "both") else {}
        by_id = self.by_id
        for node_id in dict.fromkeys(ids):
            found = [(e, by_id[e.target]) for e in out.get(node_id, _NONE)]
            found += [(e, by_id[e.source]) for e in into.get(node_id, _NONE)]
            # Each adjacency list is sorted by the other end: one direction alone is in order already.
            result[node_id] = held_neighbours(found, as_of, ordered=direction != "both")
        return result


def _offer(node: Node, links: Sequence[tuple[str, ...]], illustrative_areas: frozenset[str]) -> Offer:
    """An offer with its links in ``_OFFER_LINKS``' order."""
    providers, needs, legal_domains, areas, programmes = links
    return Offer(node, providers, needs, legal_domains, areas, programmes, illustrative_areas)


def _offers(
    services: dict[str, Node], by_id: dict[str, Node], edges: Mapping[str, Sequence[Edge]]
) -> tuple[dict[str, Offer], _Dated, dict[str, tuple[str, ...]]]:
    """Every offer with all its links (in the order of ``services``); the dated links of those that have any; the offers of each area.

    The ids in the links are the nodes' own strings, so a store's fresh copies
    of them (Neo4j's) can go once the edges are read.
    """
    ends: list[dict[str, list[str]]] = []
    dated: set[str] = set()
    available: dict[str, list[str]] = {}
    illustrative: dict[str, set[str]] = {}
    for rel_type, outgoing in _OFFER_LINKS:
        found: dict[str, list[str]] = {}
        for e in edges.get(rel_type, ()):
            offer, end = (e.source, e.target) if outgoing else (e.target, e.source)
            other = by_id.get(end)
            if offer not in services or other is None:
                continue  # an end read after it was deleted: a torn read, not kept
            if offer in found:
                found[offer].append(other.id)
            else:
                found[offer] = [other.id]
            if e.props and _dated(e.props):
                dated.add(offer)
            if rel_type == "AVAILABLE_IN":
                available.setdefault(other.id, []).append(offer)
                if e.props and e.props.get("illustrative"):
                    illustrative.setdefault(offer, set()).add(other.id)
        ends.append(found)
    none: tuple[str, ...] = ()
    # Equal link lists are one tuple: an organisation's offers share its (id,) as providers, a need's its (id,),
    # a county's offers their list of towns: at state scale 255,000 tuples (12 MB) are 18,000 (0.9 MB).
    same: dict[tuple[str, ...], tuple[str, ...]] = {}
    share = same.setdefault
    sorted_ends = [
        {i: share(t, t) for i, v in found.items() for t in (tuple(v) if len(v) == 1 else tuple(sorted(v)),)} for found in ends
    ]
    offers = {
        sid: _offer(
            node,
            [links.get(sid, none) for links in sorted_ends],
            frozenset(illustrative[sid]) if sid in illustrative else _NO_AREAS,
        )
        for sid, node in services.items()
    }
    links: dict[str, list[dict[str, Mapping[str, Value]]]] = {sid: [{} for _ in _OFFER_LINKS] for sid in dated}
    for position, (rel_type, outgoing) in enumerate(_OFFER_LINKS):
        for e in edges.get(rel_type, ()):
            offer, end = (e.source, e.target) if outgoing else (e.target, e.source)
            if offer in links and end in by_id:
                links[offer][position][by_id[end].id] = e.props
    by_link = {sid: tuple(tuple(sorted(found.items())) for found in per_type) for sid, per_type in links.items()}
    return offers, by_link, {area: tuple(found) for area, found in available.items()}


async def read_index(store: Store) -> GraphIndex:
    """Read the whole graph from ``store`` into a new index: one round trip per node kind and relationship type.

    The reads are not one transaction: ``graph.read.readcache`` compares the store's
    generation before and after to know whether they saw one state.
    """
    nodes, edges = await asyncio.gather(
        asyncio.gather(*(store.nodes_of_kind(label) for label in MODEL.nodes)),
        asyncio.gather(*(store.edges(rel_type) for rel_type in MODEL.rels)),
    )
    kinds, types = dict(zip(MODEL.nodes, nodes, strict=True)), dict(zip(MODEL.rels, edges, strict=True))
    # A second or more of pure Python at state scale: in a worker thread, so the event loop keeps answering.
    return await run_in_worker(lambda: GraphIndex.build(kinds, types))
