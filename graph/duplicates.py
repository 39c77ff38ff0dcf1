"""Duplicate structures: one need, one place, overlapping target groups, several providers.

The source material names the worry ("Schaffung von Doppelstrukturen"). Two
offers duplicate each other in a municipality when both are valid, reach it,
serve the same need (coordination such as case management serves none itself),
admit a common target group (age ranges intersect, residence statuses
intersect, an empty list admitting all) and come from providers that have
nothing in common. A reported duplicate is a *maximal* set of offers that
pairwise duplicate each other: an offer open to everyone does not chain a
toddlers' group and a counselling service for adults into one "duplicate".

>>> import datetime as dt
>>> from kimnet.graph.catalogue import Catalogue, Geography, Offer
>>> from kimnet.graph.model import Node
>>> geo = Geography({"mun:olfen": Node("Municipality", "mun:olfen", {"name": "Olfen", "population": 12900})}, {})
>>> def offer(i, org, **props):
...     return Offer(Node("Service", i, {"name": i, **props}), (org,), ("need:sprache",), areas=("mun:olfen",))
>>> offers = [offer("svc:a", "org:x", minAge=0, maxAge=3), offer("svc:b", "org:y"), offer("svc:c", "org:z", minAge=27)]
>>> catalogue = Catalogue(geo, {o.id: o for o in offers}, needs={"need:sprache": Node("Need", "need:sprache")})
>>> [[o.id for o in d.offers] for d in duplicates(catalogue, dt.date(2021, 6, 1))]
[['svc:a', 'svc:b'], ['svc:b', 'svc:c']]
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import networkx as nx

from kimnet.graph.availability import TargetGroup, int_prop, offers_by_area, reachable
from kimnet.graph.catalogue import Catalogue, Offer
from kimnet.graph.errors import NotFoundError

__all__ = ["Duplicate", "duplicates"]


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Offers for one need in one municipality that pairwise duplicate each other."""

    municipality: str
    need: str
    offers: tuple[Offer, ...]
    providers: tuple[str, ...]
    #: Programmes funding every one of the offers: parallel posts of one programme may be intended.
    shared_programmes: tuple[str, ...]


def _known(ids: Collection[str] | None, known: Collection[str], what: str) -> list[str]:
    if ids is None:
        return sorted(known)
    unknown = sorted(set(ids) - set(known))
    if unknown:
        raise NotFoundError(f"unknown {what} id(s) {', '.join(unknown)}")
    return sorted(set(ids))


def _groups(offers: Sequence[Offer]) -> list[list[Offer]]:
    """The maximal sets (cliques) of offers that pairwise overlap in target group with disjoint providers."""
    graph: nx.Graph[str] = nx.Graph()
    targets = {o.id: TargetGroup.of(o) for o in offers}
    for i, a in enumerate(offers):
        for b in offers[i + 1 :]:
            if a.providers and b.providers and set(a.providers).isdisjoint(b.providers) and targets[a.id].overlaps(targets[b.id]):
                graph.add_edge(a.id, b.id)
    by_id = {o.id: o for o in offers}
    cliques = sorted(sorted(clique) for clique in nx.find_cliques(graph))
    return [[by_id[i] for i in clique] for clique in cliques]


def duplicates(
    catalogue: Catalogue, as_of: dt.date, municipalities: Collection[str] | None = None, needs: Collection[str] | None = None
) -> tuple[Duplicate, ...]:
    """Return the duplicate structures on ``as_of`` (see the module), largest population first.

    Statutory responsibilities are left out: a duty is not a duplicate of an offer.
    Raises NotFoundError for an unknown municipality or need id.
    """
    wanted = set(_known(needs, catalogue.needs, "need"))
    offers = [o for o in catalogue.offers.values() if not o.statutory and o.valid_on(as_of)]
    index = offers_by_area(offers)
    found: list[Duplicate] = []
    for municipality in _known(municipalities, catalogue.geography.municipalities, "municipality"):
        by_need: dict[str, list[Offer]] = defaultdict(list)
        for offer, _ in reachable(catalogue.geography.areas_of(municipality), index):
            for need in offer.needs_served:
                if need in wanted:
                    by_need[need].append(offer)
        for need, candidates in sorted(by_need.items()):
            for group in _groups(candidates):
                providers = sorted({p for o in group for p in o.providers})
                shared = set.intersection(*(set(o.programmes) for o in group))
                found.append(Duplicate(municipality, need, tuple(group), tuple(providers), tuple(sorted(shared))))

    def population(d: Duplicate) -> int:
        return int_prop(catalogue.geography.municipalities[d.municipality].props, "population") or 0

    return tuple(sorted(found, key=lambda d: (-population(d), d.municipality, d.need, [o.id for o in d.offers])))
