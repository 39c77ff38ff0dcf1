"""A write's effect on the in-memory index: the steps it made, and a new index with them applied.

A write through kimnet returns what each change produced (``Store.write``): the
stored node or relationship, or the removed one. ``changes.steps`` turns that
into ``Step``s (put or remove a node or a relationship, a deleted node's
relationships with it); ``updated`` applies them to a ``GraphIndex`` and
returns a new one, sharing every part the steps did not touch (an index is
shared by the requests that read it: the old one stays as it was). The result
answers every question exactly as ``GraphIndex.build`` over the changed graph
does, in milliseconds instead of a whole read of the store.

>>> import datetime as dt
>>> from kimnet.graph.model.changes import Step
>>> from kimnet.graph.model.graphdata import GraphData
>>> data = GraphData()
>>> for node in (Node("Service", "svc:kurs", {"name": "Kurs"}), Node("Municipality", "mun:olfen")):
...     data.nodes[node.id] = node
>>> index = GraphIndex.of(data)
>>> later = updated(index, [Step("put", Edge("AVAILABLE_IN", "svc:kurs", "mun:olfen", {"validTo": dt.date(2022, 12, 31)}))])
>>> later.offer("svc:kurs", dt.date(2022, 1, 1)).areas, later.offer("svc:kurs", dt.date(2023, 1, 1)).areas
(('mun:olfen',), ())
>>> index.offer("svc:kurs", None).areas  # the old index is unchanged
()
>>> updated(later, [Step("remove", Node("Municipality", "mun:olfen"))]).offer("svc:kurs", None).areas
()
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TypeVar, cast

from kimnet.graph.model.changes import Step
from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.kinds import Edge, Node, Value
from kimnet.graph.read.chunked import Chunked
from kimnet.graph.read.index import _OFFER_LINKS, _OFFER_TYPES, GraphIndex, _dated, _offer
from kimnet.graph.rules.catalogue import Offer

__all__ = ["touches", "updated"]

_NO_PROPS: Mapping[str, Value] = MappingProxyType({})

#: ``Offer``'s fields of the links in ``_OFFER_LINKS``' order.
_OFFER_FIELDS = ("providers", "needs", "legal_domains", "areas", "programmes")

V = TypeVar("V")


def touches(done: Iterable[Step]) -> tuple[frozenset[str], frozenset[str]]:
    """The node kinds and relationship types that ``done`` changes (a removed node: every type its kind can be an end of).

    >>> touches([Step("remove", Node("Service", "svc:kurs"))])[1] == {"PROVIDES", "ADDRESSES", "UNDER", "AVAILABLE_IN", "FUNDED_BY"}
    True
    """
    kinds: set[str] = set()
    types: set[str] = set()
    for step in done:
        if isinstance(step.item, Node):
            kinds.add(step.item.kind)
            if step.op == "remove":
                types.update(_types_at(step.item.kind, MODEL.rels))
        else:
            types.add(step.item.type)
    return frozenset(kinds), frozenset(types)


class _Offers:
    """The offers a set of steps touches, each with all its links, taken from an index and changed in place."""

    def __init__(self, index: GraphIndex) -> None:
        self.index = index
        #: offer id -> per link type in ``_OFFER_LINKS``' order: other end -> the link's properties.
        self.links: dict[str, list[dict[str, Mapping[str, Value]]]] = {}
        self.nodes: dict[str, Node | None] = {}  # None: the offer is removed
        # Per link type: other end -> the offers with such a link to it (made on first need, then kept up to date).
        self._linked: dict[int, dict[str, set[str]]] = {}

    def of(self, offer_id: str) -> list[dict[str, Mapping[str, Value]]]:
        found = self.links.get(offer_id)
        if found is None:
            found = self.links[offer_id] = _links(self.index, offer_id)
        return found

    def link(self, position: int, offer_id: str, other: str, props: Mapping[str, Value]) -> None:
        self.of(offer_id)[position][other] = props
        if position in self._linked:
            self._linked[position].setdefault(other, set()).add(offer_id)

    def linked(self, position: int, other: str) -> set[str]:
        """The offers that may have a link of ``position``'s type to ``other`` (a superset: removed links stay in it)."""
        found = self._linked.get(position)
        if found is None:
            found = self._linked[position] = {}
            field = _OFFER_FIELDS[position]
            for offer_id, offer in self.index.offers.items():
                for end in getattr(offer, field):
                    found.setdefault(end, set()).add(offer_id)
            for offer_id, links in self.links.items():
                for end in links[position]:
                    found.setdefault(end, set()).add(offer_id)
        return found.get(other, set())


class _Edges:
    """The relationships of one type (not an offer's link) by their ends, changed in place; made from an index's list once."""

    def __init__(self, found: Sequence[Edge]) -> None:
        self.items: dict[tuple[str, str], Edge] = {(e.source, e.target): e for e in found}
        self.changed = False
        self._at: dict[str, set[tuple[str, str]]] | None = None  # node id -> the keys of its relationships

    def put(self, edge: Edge) -> None:
        key = (edge.source, edge.target)
        self.items[key] = edge  # in its place if it was there: the order of the others is kept
        self.changed = True
        if self._at is not None:
            self._at.setdefault(edge.source, set()).add(key)
            self._at.setdefault(edge.target, set()).add(key)

    def remove(self, key: tuple[str, str]) -> None:
        if self.items.pop(key, None) is not None:
            self.changed = True

    def remove_node(self, node_id: str) -> None:
        if self._at is None:
            self._at = {}
            for key in self.items:
                self._at.setdefault(key[0], set()).add(key)
                self._at.setdefault(key[1], set()).add(key)
        for key in self._at.pop(node_id, ()):
            self.remove(key)


def _links(index: GraphIndex, offer_id: str) -> list[dict[str, Mapping[str, Value]]]:
    """An offer's links with the properties the index keeps of them (all of them for a dated offer)."""
    dated = index.dated.get(offer_id)
    if dated is not None:
        return [dict(found) for found in dated]
    offer = index.offers.get(offer_id)
    if offer is None:
        return [{} for _ in _OFFER_LINKS]
    # Undated: only whether an area is illustrative matters to a reader (GraphIndex.build keeps no more).
    ends = (offer.providers, offer.needs, offer.legal_domains, offer.areas, offer.programmes)
    found: list[dict[str, Mapping[str, Value]]] = [dict.fromkeys(e, _NO_PROPS) for e in ends]
    for area in offer.illustrative_areas:
        found[3][area] = {"illustrative": True}
    return found


def _offer_end(edge: Edge) -> tuple[int, str, str]:
    """Where an offer's link goes among its links: (position, offer id, other end's id)."""
    for position, (rel_type, outgoing) in enumerate(_OFFER_LINKS):
        if rel_type == edge.type:
            return (position, edge.source, edge.target) if outgoing else (position, edge.target, edge.source)
    raise ValueError(f"{edge.type} is not one of an offer's links")


def updated(index: GraphIndex, done: Sequence[Step]) -> GraphIndex:
    """A new index: ``index`` with ``done`` applied in order; ``index`` itself is not changed.

    Every step must be one a store committed (its ends exist, as the write's
    rules made sure); parts of ``index`` the steps do not touch are shared. Each
    step costs about the same whatever the size of the graph (a node's removal:
    its relationships), so that thousands of steps (a node changed outside
    kimnet and all its neighbours put again) take milliseconds, not minutes.
    """
    offers = _Offers(index)
    typed: dict[str, _Edges] = {}
    # Per kind, each node the steps put (its last state) or removed (None). A node removed and put again
    # (a resync of a node changed outside kimnet: ``Store.writes_since``) keeps its place in the maps, and a
    # kind's map is not sorted again (25 ms for a state's offers, in every worker, for every offer renamed in
    # Cypher); its relationships go with its removal, so it has only those put after it.
    last: dict[str, dict[str, Node | None]] = {}

    def of_type(rel_type: str) -> _Edges:
        found = typed.get(rel_type)
        if found is None:
            found = typed[rel_type] = _Edges(index.edges.get(rel_type, ()))
        return found

    for step in done:
        item = step.item
        if isinstance(item, Node):
            if step.op == "put":
                last.setdefault(item.kind, {})[item.id] = item
                if item.kind == "Service":
                    offers.of(item.id)
                    offers.nodes[item.id] = item
                continue
            last.setdefault(item.kind, {})[item.id] = None
            if item.kind == "Service":
                offers.of(item.id)
                offers.nodes[item.id] = None
                offers.links[item.id] = [{} for _ in _OFFER_LINKS]
            for rel_type in _types_at(item.kind, index.edges):
                of_type(rel_type).remove_node(item.id)
            for position in _positions_at(item.kind):
                for offer_id in list(offers.linked(position, item.id)):
                    offers.of(offer_id)[position].pop(item.id, None)
        elif item.type in _OFFER_TYPES:
            position, offer_id, other = _offer_end(item)
            if step.op == "put":
                offers.link(position, offer_id, other, item.props)
            else:
                offers.of(offer_id)[position].pop(other, None)
        elif step.op == "put":
            of_type(item.type).put(item)
        else:
            of_type(item.type).remove((item.source, item.target))

    kinds = dict(index.kinds)
    for kind, nodes in last.items():
        kinds[kind] = _changed(index.kinds[kind], nodes, in_id_order=True)
    by_id = _changed(index.by_id, {i: n for nodes in last.values() for i, n in nodes.items()}, in_id_order=False)
    all_offers, dated, available = _apply_offers(index, offers, kinds["Service"], by_id)
    changed = {rel_type for rel_type, found in typed.items() if found.changed}
    edges = {**index.edges, **{rel_type: list(typed[rel_type].items.values()) for rel_type in changed}}
    # A list first: another thread may be filling the old index's adjacency as we read it.
    adjacency = {key: found for key, found in list(index._adjacency.items()) if key[0] not in changed}
    return GraphIndex(kinds, by_id, all_offers, dated, available, edges, adjacency)


def _changed(before: Chunked[str, V], last: Mapping[str, V | None], in_id_order: bool) -> Chunked[str, V]:
    """``before`` with the values of ``last`` (None: removed); sharing what it can when no key comes or goes.

    New keys go in id order when ``in_id_order`` (as ``GraphIndex.build`` orders a kind), else last.
    """
    kept = {key: value for key, value in last.items() if value is not None}
    if all(key in before for key in last) and len(kept) == len(last):
        return before.replaced(kept)  # changed values alone: the usual write
    found = dict(before.items())
    found.update(kept)
    added = any(key not in before for key in kept)
    for key, value in last.items():
        if value is None:
            found.pop(key, None)
    return Chunked(_in_id_order(found) if added and in_id_order else found)


def _in_id_order(found: dict[str, V]) -> dict[str, V]:
    """``found`` ordered by id: itself if it is already (the new ids came last), else a sorted copy.

    Sorts the ids alone: comparing (id, value) pairs costs ten times more, and the
    ids are in order but for the few new ones, which Python's merge sort finds at once.
    """
    ids = list(found)
    in_order = sorted(ids)
    if in_order == ids:
        return found
    return dict(zip(in_order, map(found.__getitem__, in_order), strict=True))


def _types_at(kind: str, edges: Mapping[str, object]) -> list[str]:
    """The relationship types among ``edges`` that a node of ``kind`` can be an end of."""
    return [t for t in edges if any(kind in pair for pair in MODEL.rels[t].endpoints)]


def _positions_at(kind: str) -> list[int]:
    """The places among an offer's links (``_OFFER_LINKS``) whose other end can be a node of ``kind``."""
    return [
        position
        for position, (rel_type, outgoing) in enumerate(_OFFER_LINKS)
        if kind in (MODEL.rels[rel_type].targets if outgoing else MODEL.rels[rel_type].sources)
    ]


def _apply_offers(
    index: GraphIndex, offers: _Offers, services: Chunked[str, Node], by_id: Mapping[str, Node]
) -> tuple[Chunked[str, Offer], dict[str, tuple[tuple[tuple[str, Mapping[str, Value]], ...], ...]], dict[str, tuple[str, ...]]]:
    """The offers, dated links and areas' offers of ``index`` with the touched offers made anew."""
    if not offers.links:
        return index.offers, index.dated, index.available
    made: dict[str, Offer | None] = {}  # None: no longer an offer
    dated = dict(index.dated)
    # Per area, the touched offers leave it and those available there now come last, in the order
    # touched: an area's list is made anew once, not once per offer (a county has thousands).
    leaving: dict[str, set[str]] = {}
    coming: dict[str, list[str]] = {}
    for offer_id, links in offers.links.items():
        before = index.offers.get(offer_id)
        node = offers.nodes.get(offer_id, before.node if before else None)
        for area in before.areas if before else ():
            leaving.setdefault(area, set()).add(offer_id)
        if node is None or offer_id not in services:
            made[offer_id] = None
            dated.pop(offer_id, None)
            continue
        # As GraphIndex.build: a link whose other end is not among the nodes is not kept.
        links = [{other: props for other, props in found.items() if other in by_id} for found in links]
        ends = [tuple(sorted(found)) for found in links]
        illustrative = frozenset(area for area, props in links[3].items() if props.get("illustrative"))
        made[offer_id] = _offer(node, ends, illustrative)
        if any(props and _dated(props) for found in links for props in found.values()):
            dated[offer_id] = tuple(tuple(sorted(found.items())) for found in links)
        else:
            dated.pop(offer_id, None)
        for area in ends[3]:
            coming.setdefault(area, []).append(offer_id)
    available = dict(index.available)
    for area in leaving.keys() | coming.keys():
        gone = leaving.get(area, set()).union(coming.get(area, ()))
        available[area] = (*(o for o in available.get(area, ()) if o not in gone), *coming.get(area, ()))
    available = {area: found for area, found in available.items() if found}
    if all(offer_id in index.offers and offer is not None for offer_id, offer in made.items()):
        return index.offers.replaced(cast(dict[str, Offer], made)), dated, available
    # An offer came or went: the services did too, and they hold the same ids in the same order.
    all_offers = dict(index.offers.items())
    all_offers.update((offer_id, offer) for offer_id, offer in made.items() if offer is not None)
    return services.beside(all_offers[sid] for sid in services), dated, available
