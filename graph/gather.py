"""Filling the domain logic's plain data from a store, in a fixed number of round trips.

The number of round trips here does not depend on how many offers there are:
each step is one batched primitive over all the ids of the step before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import networkx as nx

from kimnet.graph.catalogue import Catalogue, Geography, Offer
from kimnet.graph.errors import NotFoundError
from kimnet.graph.model import Edge, Node
from kimnet.graph.network import organisation_graph
from kimnet.graph.referral import CaseManagerPost
from kimnet.graph.store import Neighbours, Store
from kimnet.graph.validity import valid_on

__all__ = ["gather_case_managers", "gather_catalogue", "gather_county_catalogue", "gather_geography", "gather_network"]


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


async def gather_catalogue(
    store: Store, links_on: dt.date | None, areas: Iterable[str] | None = None, geography: Geography | None = None
) -> Catalogue:
    """Read the offers (all of them, or those available in ``areas``) with their links.

    Relationships are kept when they hold on ``links_on`` (all, if None); the
    offers themselves are kept whatever their dates, for the logic to judge.
    Pass ``geography`` if you have read it already.
    """
    geography = geography or await gather_geography(store)
    if areas is None:
        services = await store.nodes_of_kind("Service")
    else:
        found = await store.neighbours(list(areas), "AVAILABLE_IN", "in")
        by_id = {n.id: n for pairs in found.values() for e, n in pairs if links_on is None or valid_on(e.props, links_on)}
        services = [by_id[i] for i in sorted(by_id)]
    ids = [s.id for s in services]
    providers: Neighbours = await store.neighbours(ids, "PROVIDES", "in")
    needs = await store.neighbours(ids, "ADDRESSES", "out")
    domains = await store.neighbours(ids, "UNDER", "out")
    available = await store.neighbours(ids, "AVAILABLE_IN", "out")
    funded = await store.neighbours(ids, "FUNDED_BY", "out")

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
    catalogue.needs = {n.id: n for n in await store.nodes_of_kind("Need")}
    catalogue.legal_domains = {n.id: n for n in await store.nodes_of_kind("LegalDomain")}
    catalogue.programmes = {n.id: n for n in await store.nodes_of_kind("Programme")}
    parents = await store.neighbours(list(catalogue.programmes), "PART_OF", "out")
    catalogue.programme_parents = {p: _ids(found, links_on) for p, found in parents.items() if found}
    return catalogue


async def gather_county_catalogue(store: Store, municipality: str, links_on: dt.date | None) -> Catalogue:
    """Read the offers available anywhere in the county of ``municipality`` (a referral's world).

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
    return await gather_catalogue(store, links_on, sorted(areas), geography)


async def gather_case_managers(store: Store, municipality: str, day: dt.date) -> list[CaseManagerPost]:
    """Read the case-manager posts that cover ``municipality`` on ``day``, with employer and supervisor."""
    posts = [n for _, n in (await store.neighbours([municipality], "COVERS", "in", day))[municipality]]
    ids = [p.id for p in posts]
    employers = await store.neighbours(ids, "EMPLOYED_BY", "out", day)
    supervisors = await store.neighbours(ids, "SUPERVISED_BY", "out", day)
    covers = await store.neighbours(ids, "COVERS", "out", day)
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
