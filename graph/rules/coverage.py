"""Coverage of needs and programmes per municipality: gaps, their changes, and duplicates.

A municipality is covered for a need on a day when some offer (statutory or
not) that addresses the need, is valid that day and is available to the
municipality exists; otherwise the pair is a *gap*. Gaps are weighted by the
municipality's whole population (the graph has no figures per target group).
For a target group, a need the group cannot have (``graph.rules.applicability``) is
never a gap, and a gap in a need that applies only under a condition carries
it. The same holds for the parts of a programme, an
offer covering a part when it is FUNDED_BY it. A *duplicate* is one need in one
place served for overlapping target groups by several providers. The
statutory bodies responsible in a municipality, per legal domain, come from the
same offers (``responsibilities``).

>>> import datetime as dt
>>> from kimnet.graph.rules.catalogue import Catalogue, Geography, Offer
>>> from kimnet.graph.model.kinds import Node
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
(Gap(municipality='mun:senden', population=20600, need='need:sprache', programme=None, condition=None),)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from kimnet.graph.model.validity import valid_on
from kimnet.graph.rules.applicability import APPLIES, Applicability, NeedReason, applicability
from kimnet.graph.rules.availability import int_prop, offers_by_area, reachable
from kimnet.graph.rules.catalogue import LEVELS, Catalogue, Level, Offer, known_ids

__all__ = [
    "Changes",
    "Gap",
    "LevelChange",
    "NeedCoverage",
    "Responsibility",
    "coverage",
    "coverage_changes",
    "coverage_gaps",
    "need_applicability",
    "programme_gaps",
    "responsibilities",
]


@dataclass(frozen=True, slots=True)
class NeedCoverage:
    """How one need is covered in a municipality: the closest level (None is a gap) and the offers."""

    need: str
    level: Level | None
    #: Valid offers addressing the need, with their closest level, by level then name.
    offers: tuple[tuple[Offer, Level], ...]
    #: Whether the need can arise for the catalogue's target group; a missing offer is a gap only if so.
    applicability: Applicability = APPLIES

    @property
    def gap(self) -> bool:
        """No offer, and the need is not one the target group cannot have."""
        return self.level is None and not self.applicability.not_applicable


@dataclass(frozen=True, slots=True)
class Responsibility:
    """The statutory offers of one legal domain that reach a municipality, who provides them, the closest level."""

    legal_domain: str
    offers: tuple[Offer, ...]
    organisations: tuple[str, ...]
    level: Level


@dataclass(frozen=True, slots=True)
class Gap:
    """A municipality without any valid offer for a need, or for a programme part (exactly one is set).

    ``condition`` is set when the need applies to the target group only if it
    holds (a status not given, a child in the household): a possible gap.
    ``population`` is the municipality's whole population.
    """

    municipality: str
    population: int
    need: str | None = None
    programme: str | None = None
    condition: NeedReason | None = None


@dataclass(frozen=True, slots=True)
class LevelChange:
    """A need that is still covered in a municipality, but from closer or farther away than before."""

    municipality: str
    population: int
    need: str
    before: Level
    after: Level


@dataclass(frozen=True, slots=True)
class Changes:
    """What changes in coverage between two days.

    ``opened``: gaps at the end but not at the start; ``closed``: the reverse;
    ``moved``: needs covered on both days but at another level (an offer in the
    town ended, a county-wide one remains); ``ended``/``started``: the offers
    valid on one day and not on the other.
    """

    opened: tuple[Gap, ...]
    closed: tuple[Gap, ...]
    moved: tuple[LevelChange, ...] = ()
    ended: tuple[Offer, ...] = ()
    started: tuple[Offer, ...] = ()


def _population(catalogue: Catalogue, municipality: str) -> int:
    return int_prop(catalogue.geography.municipalities[municipality].props, "population") or 0


def need_applicability(catalogue: Catalogue, needs: Sequence[str]) -> dict[str, Applicability]:
    """Whether each need can arise for the catalogue's target group (all apply without one)."""
    return {need: applicability(catalogue.needs[need], catalogue.target) for need in needs}


def _applicable(catalogue: Catalogue, needs: Sequence[str]) -> dict[str, Applicability]:
    """The needs of ``needs`` that the target group can have, with how."""
    return {n: a for n, a in need_applicability(catalogue, needs).items() if not a.not_applicable}


def coverage(municipality: str, catalogue: Catalogue, as_of: dt.date) -> tuple[NeedCoverage, ...]:
    """Tell, for every need of the catalogue (by id), how it is covered in ``municipality`` on ``as_of``.

    Raises NotFoundError when ``municipality`` is not in the catalogue's geography.
    """
    known_ids([municipality], catalogue.geography.municipalities, "municipality")
    index = offers_by_area(o for o in catalogue.offers.values() if o.valid_on(as_of))
    found = reachable(catalogue.geography.areas_of(municipality), index)
    result = []
    for need, applies in need_applicability(catalogue, sorted(catalogue.needs)).items():
        offers = tuple(pair for pair in found if need in pair[0].needs_served)
        result.append(NeedCoverage(need, offers[0][1] if offers else None, offers, applies))
    return tuple(result)


def responsibilities(municipality: str, catalogue: Catalogue, as_of: dt.date) -> tuple[Responsibility, ...]:
    """Tell, per legal domain (by id), which statutory offers and bodies are responsible in ``municipality``.

    Takes the valid statutory offers available to the municipality at any level.
    Within a domain a closer body supersedes a farther one: an offer is dropped
    when a statutory offer of the same domain at a closer level addresses every
    need it addresses (Dülmen's own youth office, not the county's, serves
    Dülmen), while a county office for other needs stays. Raises NotFoundError
    when ``municipality`` is not in the catalogue's geography.
    """
    known_ids([municipality], catalogue.geography.municipalities, "municipality")
    index = offers_by_area(o for o in catalogue.offers.values() if o.statutory and o.valid_on(as_of))
    by_domain: dict[str, list[tuple[Offer, Level]]] = defaultdict(list)
    for offer, level in reachable(catalogue.geography.areas_of(municipality), index):
        for domain in offer.legal_domains:
            by_domain[domain].append((offer, level))
    result = []
    for domain, pairs in sorted(by_domain.items()):
        kept = [
            (offer, level)
            for offer, level in pairs
            if not any(LEVELS.index(lv) < LEVELS.index(level) and set(offer.needs) <= set(o.needs) for o, lv in pairs)
        ]
        organisations = sorted({org for offer, _ in kept for org in offer.providers})
        result.append(Responsibility(domain, tuple(o for o, _ in kept), tuple(organisations), kept[0][1]))
    return tuple(result)


def _rank(gaps: list[Gap]) -> tuple[Gap, ...]:
    return tuple(sorted(gaps, key=lambda g: (-g.population, g.municipality, g.need or "", g.programme or "")))


def _areas_by_municipality(catalogue: Catalogue, municipalities: Collection[str] | None) -> dict[str, frozenset[str]]:
    """Each municipality's own id and the regions it lies in; computed once per municipality."""
    wanted = known_ids(municipalities, catalogue.geography.municipalities, "municipality")
    return {m: frozenset(catalogue.geography.areas_of(m)) for m in wanted}


def _covered_areas(
    catalogue: Catalogue,
    as_of: dt.date,
    things: Sequence[str],
    of: Callable[[Offer], tuple[str, ...]] = lambda o: o.needs_served,
) -> dict[str, set[str]]:
    """Map each thing to the areas in which some offer valid on ``as_of`` serves it, in one pass over the offers.

    Things are needs by default; ``of`` says what else an offer serves (its programmes).
    """
    covered: dict[str, set[str]] = {thing: set() for thing in things}
    for offer in catalogue.offers.values():
        if offer.valid_on(as_of):
            for thing in of(offer):
                if thing in covered:
                    covered[thing].update(offer.areas)
    return covered


def _gaps(
    catalogue: Catalogue,
    areas: Mapping[str, frozenset[str]],
    covered: Mapping[str, set[str]],
    *,
    programme: bool,
    conditions: Mapping[str, NeedReason | None] | None = None,
) -> tuple[Gap, ...]:
    """Pair every municipality with every thing whose covered areas miss all of the municipality's areas.

    This is ``availability.closest_area``'s rule (an offer reaches a municipality
    through one of its areas) applied to all offers of a thing at once. A need's
    gap carries its condition from ``conditions``.
    """
    gaps = []
    for municipality, own in areas.items():
        population = _population(catalogue, municipality)
        for thing, where in covered.items():
            if where.isdisjoint(own):
                if programme:
                    gaps.append(Gap(municipality, population, None, thing))
                else:
                    condition = conditions.get(thing) if conditions is not None else None
                    gaps.append(Gap(municipality, population, thing, condition=condition))
    return _rank(gaps)


def coverage_gaps(
    catalogue: Catalogue, as_of: dt.date, needs: Collection[str] | None = None, municipalities: Collection[str] | None = None
) -> tuple[Gap, ...]:
    """Return the (municipality, need) pairs with no valid offer available on ``as_of``.

    ``needs`` and ``municipalities`` narrow the question (default: all of the
    catalogue). Needs the catalogue's target group cannot have are left out;
    a gap in a conditional one carries the condition. Gaps come ranked by
    population (largest first), then municipality id, then need id. Raises
    NotFoundError for an unknown id.
    """
    applies = _applicable(catalogue, known_ids(needs, catalogue.needs, "need"))
    return _gaps(
        catalogue,
        _areas_by_municipality(catalogue, municipalities),
        _covered_areas(catalogue, as_of, list(applies)),
        programme=False,
        conditions={n: a.reason for n, a in applies.items()},
    )


def _parts(catalogue: Catalogue, programme: str, as_of: dt.date) -> list[str]:
    """The parts of ``programme`` valid on ``as_of`` (itself if it has none); none once it has ended."""
    programmes = catalogue.programmes
    known_ids([programme], programmes, "programme")
    if not valid_on(programmes[programme].props, as_of):
        return []
    parts = sorted(p for p, parents in catalogue.programme_parents.items() if programme in parents and p in programmes)
    return [p for p in parts or [programme] if valid_on(programmes[p].props, as_of)]


def _live(catalogue: Catalogue, programme: str, as_of: dt.date) -> bool:
    """Whether a programme and every programme it is part of are valid on ``as_of``."""
    seen: set[str] = set()
    todo = [programme]
    while todo:
        current = todo.pop()
        if current in seen or current not in catalogue.programmes:
            continue
        seen.add(current)
        if not valid_on(catalogue.programmes[current].props, as_of):
            return False
        todo += catalogue.programme_parents.get(current, ())
    return True


def _programme_gaps(
    catalogue: Catalogue, parts: Sequence[str], as_of: dt.date, areas: Mapping[str, frozenset[str]]
) -> tuple[Gap, ...]:
    """Gaps of ``parts`` on ``as_of``: a part that has ended (or whose programme has) is offered nowhere."""
    covered = _covered_areas(catalogue, as_of, parts, lambda o: o.programmes)
    for part in parts:
        if not _live(catalogue, part, as_of):
            covered[part] = set()
    return _gaps(catalogue, areas, covered, programme=True)


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
    parts = _parts(catalogue, programme, as_of)
    return _programme_gaps(catalogue, parts, as_of, _areas_by_municipality(catalogue, municipalities))


def coverage_changes(
    catalogue: Catalogue,
    start: dt.date,
    end: dt.date,
    needs: Collection[str] | None = None,
    municipalities: Collection[str] | None = None,
    programme: str | None = None,
    later: Catalogue | None = None,
) -> Changes:
    """Compare the gaps on ``start`` and on ``end``: which opened and which closed in between.

    By default the gaps are (municipality, need) pairs, and ``moved`` lists needs
    covered on both days from another level. With ``programme``, they are
    (municipality, part) pairs for the parts that existed on ``start``: when a
    programme ends, every place where one of its parts was offered opens a gap.
    ``catalogue`` holds the relationships valid on ``start``; ``later``, if given,
    those valid on ``end`` (default: the same). Filters and ranking as in
    ``coverage_gaps``; raises NotFoundError for an unknown id.
    """
    after_catalogue = later or catalogue
    areas = _areas_by_municipality(catalogue, municipalities)
    offers = sorted({**dict(catalogue.offers.items()), **dict(after_catalogue.offers.items())}.values(), key=lambda o: o.id)
    ended = tuple(o for o in offers if o.valid_on(start) and not o.valid_on(end))
    started = tuple(o for o in offers if o.valid_on(end) and not o.valid_on(start))
    if programme is not None:
        parts = _parts(catalogue, programme, start)
        before = _programme_gaps(catalogue, parts, start, areas)
        after = _programme_gaps(after_catalogue, parts, end, areas)
        in_programme = {*parts, programme}
        return Changes(
            opened=tuple(g for g in after if g not in set(before)),
            closed=tuple(g for g in before if g not in set(after)),
            ended=tuple(o for o in ended if in_programme & set(o.programmes)),
            started=tuple(o for o in started if in_programme & set(o.programmes)),
        )
    applies = _applicable(catalogue, known_ids(needs, catalogue.needs, "need"))
    wanted = list(applies)
    was = _levels(catalogue, start, wanted, municipalities)
    now = _levels(after_catalogue, end, wanted, municipalities)

    def gap(municipality: str, need: str) -> Gap:
        return Gap(municipality, _population(catalogue, municipality), need, condition=applies[need].reason)

    moved = [
        LevelChange(m, _population(catalogue, m), need, earlier, later_level)
        for (m, need), earlier in was.items()
        if earlier is not None and (later_level := now[(m, need)]) is not None and later_level != earlier
    ]
    return Changes(
        opened=_rank([gap(m, need) for (m, need), level in now.items() if level is None and was[(m, need)] is not None]),
        closed=_rank([gap(m, need) for (m, need), level in was.items() if level is None and now[(m, need)] is not None]),
        moved=tuple(sorted(moved, key=lambda c: (-c.population, c.municipality, c.need))),
        ended=ended,
        started=started,
    )


def _levels(
    catalogue: Catalogue, day: dt.date, needs: Sequence[str], municipalities: Collection[str] | None
) -> dict[tuple[str, str], Level | None]:
    """The closest level at which each need is covered in each municipality on ``day``."""
    index = offers_by_area(o for o in catalogue.offers.values() if o.valid_on(day))
    levels: dict[tuple[str, str], Level | None] = {}
    for municipality in known_ids(municipalities, catalogue.geography.municipalities, "municipality"):
        found = reachable(catalogue.geography.areas_of(municipality), index)
        for need in needs:
            levels[(municipality, need)] = next((level for offer, level in found if need in offer.needs_served), None)
    return levels
