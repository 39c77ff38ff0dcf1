"""Filling the domain logic's plain data from a store, in a fixed number of round trips.

The number of round trips here does not depend on how many offers there are:
each step is one batched primitive over all the ids of the step before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from kimnet.graph.catalogue import Catalogue, Geography, Offer
from kimnet.graph.model import Edge, Node
from kimnet.graph.store import Neighbours, Store
from kimnet.graph.validity import valid_on

__all__ = ["gather_catalogue", "gather_geography"]


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


async def gather_catalogue(store: Store, links_on: dt.date | None, areas: Iterable[str] | None = None) -> Catalogue:
    """Read the offers (all of them, or those available in ``areas``) with their links.

    Relationships are kept when they hold on ``links_on`` (all, if None); the
    offers themselves are kept whatever their dates, for the logic to judge.
    """
    geography = await gather_geography(store)
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
