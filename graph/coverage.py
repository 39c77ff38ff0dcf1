"""Coverage of needs and programmes per municipality: gaps, their changes, and duplicates.

A municipality is covered for a need on a day when some offer (statutory or
not) that addresses the need, is valid that day and is available to the
municipality exists; otherwise the pair is a *gap*. Gaps are weighted by the
municipality's population. The same holds for the parts of a programme, an
offer covering a part when it is FUNDED_BY it. A *duplicate* is one need in one
place served for overlapping target groups by several providers.

>>> import datetime as dt
>>> from kimnet.graph.catalogue import Catalogue, Geography, Offer
>>> from kimnet.graph.model import Node
>>> geo = Geography(
...     municipalities={
...         "mun:olfen": Node("Municipality", "mun:olfen", {"name": "Olfen", "population": 12900}),
...         "mun:senden": Node("Municipality", "mun:senden", {"name": "Senden", "population": 20600}),
...     },
...     regions={},
... )
>>> kurs = Offer(Node("Service", "svc:kurs", {"name": "Kurs"}), needs=("need:sprache",), areas=("mun:olfen",))
>>> catalogue = Catalogue(geo, offers={kurs.id: kurs}, needs={"need:sprache": Node("Need", "need:sprache")})
>>> [(c.need, c.level) for c in coverage("mun:olfen", catalogue, dt.date(2021, 6, 1))]
[('need:sprache', 'municipality')]
>>> coverage_gaps(catalogue, dt.date(2021, 6, 1))
(Gap(municipality='mun:senden', population=20600, need='need:sprache', programme=None),)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
from kimnet.graph.availability import TargetGroup, int_prop, offers_by_area, reachable
from kimnet.graph.catalogue import Catalogue, Level, Offer
from kimnet.graph.errors import NotFoundError
from kimnet.graph.validity import valid_on

__all__ = [
    "Changes",
    "Duplicate",
    "Gap",
    "NeedCoverage",
    "coverage",
    "coverage_changes",
    "coverage_gaps",
    "duplicates",
    "programme_gaps",
]


@dataclass(frozen=True, slots=True)
class NeedCoverage:
    """How one need is covered in a municipality: the closest level (None is a gap) and the offers."""

    need: str
    level: Level | None
    #: Valid offers addressing the need, with their closest level, by level then name.
    offers: tuple[tuple[Offer, Level], ...]


@dataclass(frozen=True, slots=True)
class Gap:
    """A municipality without any valid offer for a need, or for a programme part (exactly one is set)."""

    municipality: str
    population: int
    need: str | None = None
    programme: str | None = None


@dataclass(frozen=True, slots=True)
class Changes:
    """Gaps that exist at the end but not at the start (opened), and the reverse (closed)."""

    opened: tuple[Gap, ...]
    closed: tuple[Gap, ...]


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Offers for one need in one municipality whose target groups overlap, from several providers."""

    municipality: str
    need: str
    offers: tuple[Offer, ...]
    providers: tuple[str, ...]
    #: Programmes funding every one of the offers: parallel posts of one programme may be intended.
    shared_programmes: tuple[str, ...]


def _known(ids: Collection[str] | None, known: Mapping[str, object], what: str) -> list[str]:
    """Return ``ids`` (all of ``known`` if None) sorted, after checking each is known."""
    if ids is None:
        return sorted(known)
    unknown = sorted(set(ids) - set(known))
    if unknown:
        raise NotFoundError(f"unknown {what} id(s) {', '.join(unknown)}; use ids from the catalogue's {what}s")
    return sorted(set(ids))


def _population(catalogue: Catalogue, municipality: str) -> int:
    return int_prop(catalogue.geography.municipalities[municipality].props, "population") or 0


def coverage(municipality: str, catalogue: Catalogue, as_of: dt.date) -> tuple[NeedCoverage, ...]:
    """Tell, for every need of the catalogue (by id), how it is covered in ``municipality`` on ``as_of``.

    Raises NotFoundError when ``municipality`` is not in the catalogue's geography.
    """
    _known([municipality], catalogue.geography.municipalities, "municipality")
    index = offers_by_area(o for o in catalogue.offers.values() if o.valid_on(as_of))
    found = reachable(catalogue.geography.areas_of(municipality), index)
    result = []
    for need in sorted(catalogue.needs):
        offers = tuple(pair for pair in found if need in pair[0].needs)
        result.append(NeedCoverage(need, offers[0][1] if offers else None, offers))
    return tuple(result)


def _rank(gaps: list[Gap]) -> tuple[Gap, ...]:
    return tuple(sorted(gaps, key=lambda g: (-g.population, g.municipality, g.need or "", g.programme or "")))


def _areas_by_municipality(catalogue: Catalogue, municipalities: Collection[str] | None) -> dict[str, frozenset[str]]:
    """Each municipality's own id and the regions it lies in; computed once per municipality."""
    wanted = _known(municipalities, catalogue.geography.municipalities, "municipality")
    return {m: frozenset(catalogue.geography.areas_of(m)) for m in wanted}


def _need_areas(catalogue: Catalogue, as_of: dt.date, needs: Sequence[str]) -> dict[str, set[str]]:
    """Map each need to the areas in which some valid offer addresses it (one pass over the offers)."""
    covered: dict[str, set[str]] = {need: set() for need in needs}
    for offer in catalogue.offers.values():
        if offer.valid_on(as_of):
            for need in offer.needs:
                if need in covered:
                    covered[need].update(offer.areas)
    return covered


def _gaps(
    catalogue: Catalogue, areas: Mapping[str, frozenset[str]], covered: Mapping[str, set[str]], *, programme: bool
) -> tuple[Gap, ...]:
    """Pair every municipality with every thing whose covered areas miss all of the municipality's areas."""
    gaps = []
    for municipality, own in areas.items():
        population = _population(catalogue, municipality)
        for thing, where in covered.items():
            if where.isdisjoint(own):
                gaps.append(Gap(municipality, population, None, thing) if programme else Gap(municipality, population, thing))
    return _rank(gaps)


def coverage_gaps(
    catalogue: Catalogue, as_of: dt.date, needs: Collection[str] | None = None, municipalities: Collection[str] | None = None
) -> tuple[Gap, ...]:
    """Return the (municipality, need) pairs with no valid offer available on ``as_of``.

    ``needs`` and ``municipalities`` narrow the question (default: all of the
    catalogue). Gaps come ranked by population (largest first), then
    municipality id, then need id. Raises NotFoundError for an unknown id.
    """
    wanted = _known(needs, catalogue.needs, "need")
    return _gaps(
        catalogue, _areas_by_municipality(catalogue, municipalities), _need_areas(catalogue, as_of, wanted), programme=False
    )


def programme_gaps(
    catalogue: Catalogue, programme: str, as_of: dt.date, municipalities: Collection[str] | None = None
) -> tuple[Gap, ...]:
    """Return the (municipality, programme part) pairs with no valid offer funded by the part.

    The parts are the programmes directly PART_OF ``programme``; a programme
    without parts stands for itself. Only parts valid on ``as_of`` count, and
    none while ``programme`` itself is not valid: a programme that has ended
    leaves no gaps. Ranked like ``coverage_gaps``. Raises NotFoundError for an
    unknown id.
    """
    programmes = catalogue.programmes
    _known([programme], programmes, "programme")
    parts = sorted(p for p, parents in catalogue.programme_parents.items() if programme in parents and p in programmes)
    live = [p for p in parts or [programme] if valid_on(programmes[p].props, as_of)]
    if not valid_on(programmes[programme].props, as_of):
        live = []
    covered: dict[str, set[str]] = {part: set() for part in live}
    for offer in catalogue.offers.values():
        if offer.valid_on(as_of):
            for part in offer.programmes:
                if part in covered:
                    covered[part].update(offer.areas)
    return _gaps(catalogue, _areas_by_municipality(catalogue, municipalities), covered, programme=True)


def coverage_changes(
    catalogue: Catalogue,
    start: dt.date,
    end: dt.date,
    needs: Collection[str] | None = None,
    municipalities: Collection[str] | None = None,
) -> Changes:
    """Compare the need gaps on ``start`` and on ``end``: which opened and which closed in between.

    Filters and ranking as in ``coverage_gaps``; raises NotFoundError for an unknown id.
    """
    wanted = _known(needs, catalogue.needs, "need")
    areas = _areas_by_municipality(catalogue, municipalities)
    before = _gaps(catalogue, areas, _need_areas(catalogue, start, wanted), programme=False)
    after = _gaps(catalogue, areas, _need_areas(catalogue, end, wanted), programme=False)
    before_set, after_set = set(before), set(after)
    return Changes(opened=tuple(g for g in after if g not in before_set), closed=tuple(g for g in before if g not in after_set))


def _clusters(offers: Sequence[Offer], groups: Mapping[str, TargetGroup]) -> list[list[Offer]]:
    """Group offers joined by chains of "target groups overlap and providers differ".

    Connected components rather than maximal cliques: a chain 16–20, 19–25,
    24–30 is one cluster, so each offer is reported once per need and place.
    """
    graph: nx.Graph[str] = nx.Graph()
    for i, a in enumerate(offers):
        for b in offers[i + 1 :]:
            if a.providers and b.providers and set(a.providers) != set(b.providers) and groups[a.id].overlaps(groups[b.id]):
                graph.add_edge(a.id, b.id)
    by_id = {o.id: o for o in offers}
    return [sorted((by_id[i] for i in c), key=lambda o: o.id) for c in nx.connected_components(graph)]


def duplicates(
    catalogue: Catalogue, as_of: dt.date, municipalities: Collection[str] | None = None, needs: Collection[str] | None = None
) -> tuple[Duplicate, ...]:
    """Return clusters of valid non-statutory offers for the same need, place and target group.

    For each municipality and need, the offers available there (any level) are
    clustered as in ``_clusters``: two offers are joined when their target
    groups overlap (age ranges intersect, open bounds being open; residence
    statuses intersect, an empty list admitting all) and their provider sets
    differ, so offers by one provider alone never make a duplicate. Ordered by
    population (largest first), then municipality, need and offer ids.
    Raises NotFoundError for an unknown id.
    """
    wanted = set(_known(needs, catalogue.needs, "need"))
    offers = [o for o in catalogue.offers.values() if not o.statutory and o.valid_on(as_of)]
    groups = {o.id: TargetGroup.of(o) for o in offers}
    index = offers_by_area(offers)
    found: list[Duplicate] = []
    for municipality in _known(municipalities, catalogue.geography.municipalities, "municipality"):
        by_need: dict[str, list[Offer]] = defaultdict(list)
        for offer, _ in reachable(catalogue.geography.areas_of(municipality), index):
            for need in offer.needs:
                if need in wanted:
                    by_need[need].append(offer)
        for need, candidates in by_need.items():
            for cluster in _clusters(candidates, groups):
                providers = sorted({p for o in cluster for p in o.providers})
                shared = set.intersection(*(set(o.programmes) for o in cluster))
                found.append(Duplicate(municipality, need, tuple(cluster), tuple(providers), tuple(sorted(shared))))
    return tuple(
        sorted(found, key=lambda d: (-_population(catalogue, d.municipality), d.municipality, d.need, [o.id for o in d.offers]))
    )
