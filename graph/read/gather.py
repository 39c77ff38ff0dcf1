"""Selecting the domain logic's plain data from a graph index: geography, catalogues, posts, networks.

Each function takes a ``GraphIndex`` (``graph.read.index``: the whole graph of one
store generation, in memory) and returns what ``catalogue``, ``referral``,
``coverage`` and ``network`` work on; none reads a store. ``graph.read.reads``
calls them and keeps what is worth keeping. Offers are kept whatever their
dates, for the logic to judge; relationships are kept when they hold on the
day asked for.

>>> import datetime as dt
>>> from kimnet.graph.model.graphdata import GraphData
>>> from kimnet.graph.read.index import GraphIndex
>>> data = GraphData()
>>> for node in (
...     Node("Municipality", "mun:olfen", {"name": "Olfen"}),
...     Node("Region", "reg:kreis", {"name": "Kreis", "kind": "county"}),
...     Node("Service", "svc:kurs", {"name": "Kurs"}),
...     Node("Need", "need:sprache"),
... ):
...     data.nodes[node.id] = node
>>> for edge in (
...     Edge("PART_OF", "mun:olfen", "reg:kreis"),
...     Edge("AVAILABLE_IN", "svc:kurs", "reg:kreis"),
...     Edge("ADDRESSES", "svc:kurs", "need:sprache"),
... ):
...     data.edges[edge.key] = edge
>>> index, day = GraphIndex.of(data), dt.date(2021, 6, 1)
>>> places = geography(index)
>>> where = county(places, "mun:olfen")
>>> where.key, where.towns, sorted(where.areas)
('reg:kreis', ('mun:olfen',), ['mun:olfen', 'reg:kreis'])
>>> offers = county_offers(index, where, day).select(for_needs=["need:sprache"])
>>> found = county_catalogue(index, places, reference(index, day), offers, day)
>>> [(o.id, o.needs, o.areas) for o in found.offers.values()]
[('svc:kurs', ('need:sprache',), ('reg:kreis',))]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import networkx as nx

from kimnet.graph.model.errors import NotFoundError
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.model.validity import valid_on
from kimnet.graph.read.index import GraphIndex
from kimnet.graph.rules.catalogue import Catalogue, Geography, Offer
from kimnet.graph.rules.network import organisation_graph
from kimnet.graph.rules.referral import CaseManagerPost

__all__ = [
    "County",
    "CountyOffers",
    "Reference",
    "case_managers",
    "catalogue",
    "county",
    "county_catalogue",
    "county_offers",
    "county_organisations",
    "geography",
    "located_organisations",
    "network",
    "organisation_network",
    "reference",
]


def _ids(found: list[tuple[Edge, Node]], day: dt.date | None) -> tuple[str, ...]:
    """The other ends of the relationships that hold on ``day`` (all, if None)."""
    return tuple(n.id for e, n in found if day is None or valid_on(e.props, day))


def geography(index: GraphIndex) -> Geography:
    """The municipalities, regions and their PART_OF links (whatever the links' dates)."""
    municipalities = index.kinds["Municipality"]
    regions = index.kinds["Region"]
    parts = index.neighbours([*municipalities, *regions], "PART_OF", "out")
    parents = {area: tuple(n.id for _, n in found if n.id in regions) for area, found in parts.items() if found}
    return Geography(dict(municipalities.items()), dict(regions.items()), parents)


@dataclass(frozen=True, slots=True)
class Reference:
    """The needs, legal domains and programmes, and the programmes' parents (PART_OF) on one day."""

    needs: dict[str, Node]
    legal_domains: dict[str, Node]
    programmes: dict[str, Node]
    programme_parents: dict[str, tuple[str, ...]]


def reference(index: GraphIndex, links_on: dt.date | None) -> Reference:
    """The reference data of a catalogue whose relationships hold on ``links_on`` (all, if None)."""
    programmes = index.kinds["Programme"]
    parents = index.neighbours(programmes, "PART_OF", "out")
    return Reference(
        dict(index.kinds["Need"].items()),
        dict(index.kinds["LegalDomain"].items()),
        dict(programmes.items()),
        {p: _ids(found, links_on) for p, found in parents.items() if found},
    )


def _catalogue(geography: Geography, reference: Reference) -> Catalogue:
    return Catalogue(
        geography,
        needs=reference.needs,
        legal_domains=reference.legal_domains,
        programmes=reference.programmes,
        programme_parents=reference.programme_parents,
    )


def catalogue(index: GraphIndex, geography: Geography, reference: Reference, links_on: dt.date | None) -> Catalogue:
    """Every offer with the links that hold on ``links_on`` (all, if None), and the providers among the organisations."""
    found = _catalogue(geography, reference)
    # The index's offers with those of dated links as they are on the day: the rest shared, not copied.
    found.offers = (
        index.offers if links_on is None else index.offers.replaced({sid: index.offer(sid, links_on) for sid in index.dated})
    )
    providing = {p for offer in found.offers.values() for p in offer.providers}
    found.organisations = {i: n for i, n in index.kinds["Organisation"].items() if i in providing}
    return found


@dataclass(frozen=True, slots=True)
class County:
    """Where a referral looks: a county's municipalities and all their areas (a municipality in no county: its own)."""

    key: str
    towns: tuple[str, ...]
    areas: frozenset[str]


def county(geography: Geography, municipality: str) -> County:
    """The county of ``municipality``.

    Raises:
        NotFoundError: no municipality has the id.
    """
    if municipality not in geography.municipalities:
        raise NotFoundError(f"no municipality has the id {municipality}")
    top = geography.county_of(municipality)
    if top is None:
        return County(municipality, (municipality,), frozenset(geography.areas_of(municipality)))
    towns = geography.municipalities_in(top)
    return County(top, tuple(towns), frozenset({top, *(a for m in towns for a in geography.areas_of(m))}))


@dataclass(frozen=True, slots=True)
class CountyOffers:
    """The offers available in a county on a day, by id with all their links; the statutory ones; those per need."""

    #: By id, in id order.
    offers: dict[str, Offer]
    statutory: frozenset[str]
    #: Need id -> the ids of the offers addressing it (through any link, whatever its dates).
    by_need: dict[str, frozenset[str]]

    def select(self, for_needs: Collection[str] | None) -> list[Offer]:
        """All the offers; with ``for_needs``, the statutory ones and those addressing one of the needs, by id."""
        if for_needs is None:
            return list(self.offers.values())
        wanted = self.statutory.union(*(self.by_need.get(n, ()) for n in for_needs))
        # A referral wants a few hundred of a county's thousands: sorted, not picked out of all of them.
        return [self.offers[i] for i in sorted(wanted)]


def county_offers(index: GraphIndex, county: County, links_on: dt.date | None) -> CountyOffers:
    """The offers AVAILABLE_IN (on ``links_on``) one of the county's areas."""
    offers = {i: index.offers[i] for i in sorted(index.available_in(county.areas, links_on))}
    by_need: dict[str, set[str]] = {}
    for offer in offers.values():
        for need in offer.needs:
            by_need.setdefault(need, set()).add(offer.id)
    statutory = frozenset(o.id for o in offers.values() if o.statutory)
    return CountyOffers(offers, statutory, {n: frozenset(ids) for n, ids in by_need.items()})


def county_catalogue(
    index: GraphIndex,
    geography: Geography,
    reference: Reference,
    offers: Iterable[Offer],
    links_on: dt.date | None,
) -> Catalogue:
    """A referral's world: a county's ``offers`` (``CountyOffers.select``) with the links that hold on ``links_on``.

    The organisations are every provider of the offers, whatever the dates.
    """
    found = _catalogue(geography, reference)
    by_id = index.by_id
    chosen: dict[str, Offer] = {}
    for offer in offers:
        chosen[offer.id] = index.offer(offer.id, links_on)
        for org in offer.providers:
            found.organisations[org] = by_id[org]
    found.offers = chosen
    return found


def case_managers(index: GraphIndex, municipality: str, day: dt.date) -> list[CaseManagerPost]:
    """The case-manager posts that cover ``municipality`` on ``day``, with employer and supervisor, by id."""
    posts = [n for _, n in index.neighbours([municipality], "COVERS", "in", day)[municipality]]
    ids = [p.id for p in posts]
    employers = index.neighbours(ids, "EMPLOYED_BY", "out", day)
    supervisors = index.neighbours(ids, "SUPERVISED_BY", "out", day)
    covers = index.neighbours(ids, "COVERS", "out", day)
    return [
        CaseManagerPost(
            post,
            employers[post.id][0][1].id if employers[post.id] else None,
            supervisors[post.id][0][1].id if supervisors[post.id] else None,
            tuple(n.id for _, n in covers[post.id]),
        )
        for post in posts
    ]


def located_organisations(index: GraphIndex, county: County, day: dt.date) -> dict[str, Node]:
    """The organisations LOCATED_IN the county's municipalities on ``day``, valid that day, by id."""
    located = index.neighbours(county.towns, "LOCATED_IN", "in", day)
    return {n.id: n for pairs in located.values() for _, n in pairs}


def county_organisations(
    index: GraphIndex, catalogue: Catalogue, located: dict[str, Node], day: dt.date, also: Iterable[str] = ()
) -> dict[str, Node]:
    """The organisations of the county's network on ``day``, valid that day.

    They are those ``located`` in the county's municipalities (``located_organisations``),
    the providers of ``catalogue``'s offers, and ``also`` (the case managers'
    employers): the network a case conference in the county draws on.
    """
    organisations = dict(located)
    organisations |= {i: n for i, n in catalogue.organisations.items() if valid_on(n.props, day)}
    for i in sorted(set(also) - set(organisations)):
        node = index.by_id.get(i)
        if node is not None and valid_on(node.props, day):
            organisations[i] = node
    return organisations


def organisation_network(index: GraphIndex, organisations: dict[str, Node], day: dt.date) -> nx.Graph[str]:
    """The cooperation graph of ``organisations`` on ``day`` (``network.organisation_graph``).

    Ties to organisations outside them are left out, so a referral reads a
    county's network, not a state's.
    """
    ids = sorted(organisations)
    cooperation = index.neighbours(ids, "COOPERATES_WITH", "both", day)
    memberships = index.neighbours(ids, "MEMBER_OF", "out", day)
    edges = {e.key: e for pairs in cooperation.values() for e, _ in pairs}
    member_edges = [e for pairs in memberships.values() for e, _ in pairs]
    return organisation_graph(organisations, edges.values(), member_edges, day)


def network(index: GraphIndex, day: dt.date) -> tuple[dict[str, Node], nx.Graph[str]]:
    """The organisations valid on ``day`` and their cooperation graph: the whole network's."""
    organisations = {i: n for i, n in index.kinds["Organisation"].items() if valid_on(n.props, day)}
    # Every organisation takes part, so the index's edge lists serve as they are (no lookup per
    # organisation); ``organisation_graph`` drops the ties that do not hold on ``day``.
    groups = index.kinds["WorkingGroup"]
    memberships = [e for e in index.edges.get("MEMBER_OF", ()) if e.target in groups and valid_on(groups[e.target].props, day)]
    return organisations, organisation_graph(organisations, index.edges.get("COOPERATES_WITH", ()), memberships, day)
