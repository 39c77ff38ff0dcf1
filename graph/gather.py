"""Filling the domain logic's plain data from a store, in a fixed number of round trips.

The number of round trips here does not depend on how many offers there are:
each step is one batched primitive over all the ids of the step before.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable

import networkx as nx

from kimnet.graph.catalogue import Catalogue, Geography, Offer
from kimnet.graph.errors import NotFoundError
from kimnet.graph.model import Edge, Node
from kimnet.graph.network import organisation_graph
from kimnet.graph.referral import CaseManagerPost
from kimnet.graph.store import Neighbours, Store
from kimnet.graph.validity import valid_on

__all__ = [
    "gather_case_managers",
    "gather_catalogue",
    "gather_county_catalogue",
    "gather_county_network",
    "gather_geography",
    "gather_network",
]


def _ids(found: list[tuple[Edge, Node]], day: dt.date | None) -> tuple[str, ...]:
    """The other ends of the relationships that hold on ``day`` (all, if None)."""
    return tuple(n.id for e, n in found if day is None or valid_on(e.props, day))


async def gather_geography(store: Store) -> Geography:
    """Read municipalities, regions and their PART_OF links (three round trips)."""
    municipalities = {n.id: n for n in await store.nodes_of_kind("Municipality")}
    regions = {n.id: n for n in await store.nodes_of_kind("Region")}
    parts = await store.neighbours([*municipalities, *regions], "PART_OF", "out")
    parents = {area: tuple(n.id for _, n in found if n.id in regions) for area, found in parts.items() if found}
    return Geography(municipalities, regions, parents)


#: The links of an offer that a catalogue holds: relationship type, and whether the offer is its source.
_OFFER_LINKS = (("PROVIDES", False), ("ADDRESSES", True), ("UNDER", True), ("AVAILABLE_IN", True), ("FUNDED_BY", True))


async def _whole_catalogue(store: Store, links_on: dt.date | None, geography: Geography, parties: bool) -> Catalogue:
    """Every offer with its links: one round trip per relationship type, all at once, none per offer.

    Without ``parties``, providers and legal domains are left out.
    """
    types = [(type_, out) for type_, out in _OFFER_LINKS if parties or type_ not in ("PROVIDES", "UNDER")]
    gathered = await asyncio.gather(store.nodes_of_kind("Service"), *(store.edges(t, as_of=links_on) for t, _ in types))
    services: list[Node] = gathered[0]  # type: ignore[assignment]
    ends: dict[str, dict[str, tuple[str, ...]]] = {}
    for (type_, outgoing), edges in zip(types, gathered[1:], strict=True):
        other_ends: dict[str, list[str]] = defaultdict(list)
        for e in edges:  # type: ignore[attr-defined]
            other_ends[e.source if outgoing else e.target].append(e.target if outgoing else e.source)
        # Sorted like the neighbours of one offer would be: by the other end's id.
        ends[type_] = {k: tuple(v) if len(v) == 1 else tuple(sorted(v)) for k, v in other_ends.items()}
    none: dict[str, tuple[str, ...]] = {}
    by_type = [ends.get(type_, none) for type_, _ in _OFFER_LINKS]
    catalogue = Catalogue(geography)
    for service in services:
        sid = service.id
        providers, needs, domains, areas, programmes = (found.get(sid, ()) for found in by_type)
        catalogue.offers[sid] = Offer(service, providers, needs, domains, areas, programmes)
    if parties:
        providing = {p for offer in catalogue.offers.values() for p in offer.providers}
        catalogue.organisations = {n.id: n for n in await store.nodes_of_kind("Organisation") if n.id in providing}
    return catalogue


async def gather_catalogue(
    store: Store,
    links_on: dt.date | None,
    areas: Iterable[str] | None = None,
    geography: Geography | None = None,
    *,
    parties: bool = True,
    for_needs: Collection[str] | None = None,
) -> Catalogue:
    """Read the offers (all of them, or those available in ``areas``) with their links.

    Relationships are kept when they hold on ``links_on`` (all, if None); the
    offers themselves are kept whatever their dates, for the logic to judge.
    Pass ``geography`` if you have read it already. ``parties=False`` leaves
    out who provides each offer and under which legal domains (coverage names
    neither), when reading all offers. ``for_needs`` keeps, of the offers in
    ``areas``, the statutory ones and those addressing one of these needs: all
    that a referral for them looks at.
    """
    geography = geography or await gather_geography(store)
    if areas is None:
        catalogue = await _whole_catalogue(store, links_on, geography, parties)
        return await _reference_data(store, catalogue, links_on)
    found = await store.neighbours(list(areas), "AVAILABLE_IN", "in")
    by_id = {n.id: n for pairs in found.values() for e, n in pairs if links_on is None or valid_on(e.props, links_on)}
    services = [by_id[i] for i in sorted(by_id)]
    needs = await store.neighbours([s.id for s in services], "ADDRESSES", "out")
    if for_needs is not None:
        wanted = set(for_needs)
        services = [s for s in services if Offer(s).statutory or any(n.id in wanted for _, n in needs[s.id])]
    ids = [s.id for s in services]
    providers: Neighbours
    providers, domains, available, funded = await asyncio.gather(
        store.neighbours(ids, "PROVIDES", "in"),
        store.neighbours(ids, "UNDER", "out"),
        store.neighbours(ids, "AVAILABLE_IN", "out"),
        store.neighbours(ids, "FUNDED_BY", "out"),
    )

    catalogue = Catalogue(geography)
    for service in services:
        sid = service.id
        catalogue.offers[sid] = Offer(
            service,
            providers=_ids(providers[sid], links_on),
            needs=_ids(needs[sid], links_on),
            legal_domains=_ids(domains[sid], links_on),
            areas=_ids(available[sid], links_on),
            programmes=_ids(funded[sid], links_on),
        )
        for _, org in providers[sid]:
            catalogue.organisations[org.id] = org
    return await _reference_data(store, catalogue, links_on)


async def _reference_data(store: Store, catalogue: Catalogue, links_on: dt.date | None) -> Catalogue:
    """Add the needs, legal domains and programmes (with their parts) to ``catalogue``."""
    needs, domains, programmes = await asyncio.gather(
        store.nodes_of_kind("Need"), store.nodes_of_kind("LegalDomain"), store.nodes_of_kind("Programme")
    )
    catalogue.needs = {n.id: n for n in needs}
    catalogue.legal_domains = {n.id: n for n in domains}
    catalogue.programmes = {n.id: n for n in programmes}
    parents = await store.neighbours(list(catalogue.programmes), "PART_OF", "out")
    catalogue.programme_parents = {p: _ids(found, links_on) for p, found in parents.items() if found}
    return catalogue


async def gather_county_catalogue(
    store: Store, municipality: str, links_on: dt.date | None, for_needs: Collection[str] | None = None
) -> Catalogue:
    """Read the offers available anywhere in the county of ``municipality`` (a referral's world).

    With ``for_needs``, only the statutory offers and those addressing one of the needs.

    Raises:
        NotFoundError: no municipality has the id.
    """
    geography = await gather_geography(store)
    if municipality not in geography.municipalities:
        raise NotFoundError(f"no municipality has the id {municipality}")
    county = geography.county_of(municipality)
    if county is None:
        areas = set(geography.areas_of(municipality))
    else:
        areas = {county} | {a for m in geography.municipalities_in(county) for a in geography.areas_of(m)}
    return await gather_catalogue(store, links_on, sorted(areas), geography, for_needs=for_needs)


async def gather_case_managers(store: Store, municipality: str, day: dt.date) -> list[CaseManagerPost]:
    """Read the case-manager posts that cover ``municipality`` on ``day``, with employer and supervisor."""
    posts = [n for _, n in (await store.neighbours([municipality], "COVERS", "in", day))[municipality]]
    ids = [p.id for p in posts]
    employers, supervisors, covers = await asyncio.gather(
        store.neighbours(ids, "EMPLOYED_BY", "out", day),
        store.neighbours(ids, "SUPERVISED_BY", "out", day),
        store.neighbours(ids, "COVERS", "out", day),
    )
    return [
        CaseManagerPost(
            post,
            employers[post.id][0][1].id if employers[post.id] else None,
            supervisors[post.id][0][1].id if supervisors[post.id] else None,
            tuple(n.id for _, n in covers[post.id]),
        )
        for post in posts
    ]


async def gather_network(store: Store, day: dt.date) -> tuple[dict[str, Node], nx.Graph[str]]:
    """Read the organisations valid on ``day`` and build their cooperation graph (three round trips)."""
    organisations = {n.id: n for n in await store.nodes_of_kind("Organisation", day)}
    ids = list(organisations)
    cooperation = await store.neighbours(ids, "COOPERATES_WITH", "both", day)
    memberships = await store.neighbours(ids, "MEMBER_OF", "out", day)
    edges = {e.key: e for pairs in cooperation.values() for e, _ in pairs}
    member_edges = [e for pairs in memberships.values() for e, _ in pairs]
    return organisations, organisation_graph(organisations, edges.values(), member_edges, day)


async def gather_county_network(
    store: Store, catalogue: Catalogue, municipality: str, day: dt.date, also: Iterable[str] = ()
) -> tuple[dict[str, Node], nx.Graph[str]]:
    """Build the cooperation graph of the county of ``municipality`` on ``day`` (three round trips).

    Its organisations are those located in the county's municipalities, the
    providers of ``catalogue``'s offers, and ``also`` (the case managers'
    employers): the network a case conference in the county draws on. Ties to
    organisations outside it are left out, so a referral reads a county's
    network, not a state's.
    """
    geography = catalogue.geography
    county = geography.county_of(municipality)
    towns = geography.municipalities_in(county) if county is not None else [municipality]
    located = await store.neighbours(towns, "LOCATED_IN", "in", day)
    organisations = {n.id: n for pairs in located.values() for _, n in pairs}
    organisations |= {i: n for i, n in catalogue.organisations.items() if valid_on(n.props, day)}
    missing = sorted(set(also) - set(organisations))
    if missing:
        organisations |= {i: n for i, n in (await store.get_nodes(missing)).items() if valid_on(n.props, day)}
    ids = sorted(organisations)
    cooperation, memberships = await asyncio.gather(
        store.neighbours(ids, "COOPERATES_WITH", "both", day), store.neighbours(ids, "MEMBER_OF", "out", day)
    )
    edges = {e.key: e for pairs in cooperation.values() for e, _ in pairs}
    member_edges = [e for pairs in memberships.values() for e, _ in pairs]
    return organisations, organisation_graph(organisations, edges.values(), member_edges, day)
