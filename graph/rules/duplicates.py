"""Duplicate structures: one need, one place, one kind of person, several unrelated providers.

The source material names the worry ("Schaffung von Doppelstrukturen"). A
duplicate structure is a set of offers in one municipality for one need that
all admit *one and the same person*: some age and some residence status that
every offer of the set admits (an open age bound admits every age, an empty
list of residence statuses every status). Only valid, non-statutory offers
that serve the need (coordination such as case management serves none
itself) and reach the municipality take part. A set is reported when it is
maximal (no offer that admits the same person is left out) and no single
organisation provides all of its offers: offers of one provider, or jointly
run with one common partner, are that partner's portfolio, not a duplicate.

So an offer open to everyone does not chain a toddlers' group and a
counselling service for adults into one "duplicate": no person is both.

Bounded by design. Sets of offers that pairwise admit a common person are
the cliques of a graph whose maximal cliques can be exponentially many (the
former definition; it took 23 GB at state scale). A common person instead is
a point: for each residence status named by one of the offers (or, if none
names any, for anyone), the offers admitting it are age intervals, and the
maximal sets of intervals sharing a point are found by one sweep over the
sorted bounds (at most one set per interval). Per municipality and need with
``n`` candidate offers and ``s`` residence statuses named, that is
``O(s · n log n)`` time and at most ``s · n`` sets before the ones contained
in another are dropped; the answer is made one municipality at a time
(``duplicates_in``).

>>> import datetime as dt
>>> from kimnet.graph.rules.catalogue import Catalogue, Geography, Offer
>>> from kimnet.graph.model.kinds import Node
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
import heapq
from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

from kimnet.graph.rules.availability import TargetGroup, int_prop, offers_by_area
from kimnet.graph.rules.catalogue import Catalogue, Offer, known_ids
from kimnet.graph.rules.deadline import checkpoint

__all__ = ["Duplicate", "age_cliques", "duplicates", "duplicates_by_municipality", "duplicates_in", "person_groups"]

#: An age bound above every real one: an open upper bound.
_OPEN = 1_000


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Offers for one need in one municipality that all admit one kind of person, from unrelated providers."""

    municipality: str
    need: str
    offers: tuple[Offer, ...]
    providers: tuple[str, ...]
    #: Programmes funding every one of the offers: parallel posts of one programme may be intended.
    shared_programmes: tuple[str, ...]


def age_cliques(intervals: Sequence[tuple[int, int, str]]) -> list[frozenset[str]]:
    """The maximal sets of closed intervals ``(low, high, id)`` that share a point, by one sweep.

    At most one set per interval: a set is maximal at a start point exactly
    when one of the intervals then open ends before the next start.

    >>> sorted(sorted(c) for c in age_cliques([(0, 3, "a"), (0, 99, "b"), (27, 99, "c"), (5, 9, "d")]))
    [['a', 'b'], ['b', 'c'], ['b', 'd']]
    """
    ordered = sorted(intervals)
    starts = sorted({low for low, _, _ in ordered})
    found: list[frozenset[str]] = []
    open_: list[tuple[int, str]] = []  # (high, id), a heap by high
    position = 0
    for i, point in enumerate(starts):
        while position < len(ordered) and ordered[position][0] == point:
            _, high, ident = ordered[position]
            heapq.heappush(open_, (high, ident))
            position += 1
        while open_ and open_[0][0] < point:
            heapq.heappop(open_)
        following = starts[i + 1] if i + 1 < len(starts) else None
        if open_ and (following is None or open_[0][0] < following):
            found.append(frozenset(ident for _, ident in open_))
    return found


def person_groups(targets: Mapping[str, TargetGroup]) -> list[frozenset[str]]:
    """The maximal sets of ids whose target groups all admit one person (an age and a residence status).

    >>> groups = person_groups({"a": TargetGroup(max_age=17), "b": TargetGroup(residence_statuses=("duldung",)),
    ...                         "c": TargetGroup(min_age=18, residence_statuses=("gestattung",))})
    >>> sorted(sorted(g) for g in groups)
    [['a', 'b'], ['c']]
    """
    statuses = sorted({s for t in targets.values() for s in t.residence_statuses})
    candidates: set[frozenset[str]] = set()
    # A person whose status no offer names is admitted only by the offers open to every status,
    # which also admit every named status: that set is contained in the others unless none is named.
    passes: list[str | None] = list(statuses) or [None]
    for status in passes:
        intervals = [
            (t.min_age or 0, _OPEN if t.max_age is None else t.max_age, ident)
            for ident, t in targets.items()
            if not t.residence_statuses or status in t.residence_statuses
        ]
        candidates.update(age_cliques([iv for iv in intervals if iv[0] <= iv[1]]))
    return _maximal(candidates)


def _maximal(sets: Collection[frozenset[str]]) -> list[frozenset[str]]:
    """The sets not contained in another, largest first; a containing set must hold the contained one's least id."""
    kept: list[frozenset[str]] = []
    holding: dict[str, list[frozenset[str]]] = defaultdict(list)
    for found in sorted(sets, key=lambda s: (-len(s), sorted(s))):
        if any(found <= other for other in holding.get(min(found), ())):
            continue
        kept.append(found)
        for ident in found:
            holding[ident].append(found)
    return kept


def duplicates_in(
    catalogue: Catalogue, municipality: str, wanted: Collection[str], by_area: Mapping[str, Sequence[Offer]]
) -> list[Duplicate]:
    """The duplicate structures of one municipality for the ``wanted`` needs, ordered by need, then offer ids.

    ``by_area`` indexes the valid, non-statutory offers by area (``offers_by_area``).
    """
    reached = {o.id: o for area in catalogue.geography.areas_of(municipality) for o in by_area.get(area, ())}
    by_need: dict[str, dict[str, Offer]] = defaultdict(dict)
    for offer in reached.values():
        if offer.providers:  # an offer nobody provides duplicates no one
            for need in offer.needs_served:
                if need in wanted:
                    by_need[need][offer.id] = offer
    found: list[Duplicate] = []
    for need, candidates in sorted(by_need.items()):
        if len(candidates) < 2:
            continue
        groups = person_groups({i: TargetGroup.of(o) for i, o in candidates.items()})
        for group in sorted(sorted(g) for g in groups if len(g) > 1):
            offers = tuple(candidates[i] for i in group)
            if set.intersection(*(set(o.providers) for o in offers)):
                continue  # one organisation provides them all
            providers = sorted({p for o in offers for p in o.providers})
            shared = set.intersection(*(set(o.programmes) for o in offers))
            found.append(Duplicate(municipality, need, offers, tuple(providers), tuple(sorted(shared))))
    return found


def duplicates_by_municipality(
    catalogue: Catalogue, as_of: dt.date, municipalities: Collection[str] | None = None, needs: Collection[str] | None = None
) -> Iterator[list[Duplicate]]:
    """Yield the duplicate structures one municipality at a time, largest population first (see ``duplicates``).

    Raises NotFoundError (when first advanced) for an unknown municipality or need id.
    """
    wanted = set(known_ids(needs, catalogue.needs, "need"))
    places = known_ids(municipalities, catalogue.geography.municipalities, "municipality")
    index = offers_by_area(o for o in catalogue.offers.values() if not o.statutory and o.valid_on(as_of))
    known = catalogue.geography.municipalities

    def population(municipality: str) -> int:
        return int_prop(known[municipality].props, "population") or 0

    for municipality in sorted(places, key=lambda m: (-population(m), m)):
        checkpoint()
        yield duplicates_in(catalogue, municipality, wanted, index)


def duplicates(
    catalogue: Catalogue,
    as_of: dt.date,
    municipalities: Collection[str] | None = None,
    needs: Collection[str] | None = None,
    first: int | None = None,
) -> tuple[Duplicate, ...]:
    """Return the duplicate structures on ``as_of`` (see the module), largest population first.

    Statutory responsibilities are left out: a duty is not a duplicate of an offer.
    With ``first``, only so many, and no municipality is looked at once they are found.
    Raises NotFoundError for an unknown municipality or need id.
    """
    if first == 0:  # nothing to look at, but the ids are still checked
        known_ids(needs, catalogue.needs, "need")
        known_ids(municipalities, catalogue.geography.municipalities, "municipality")
        return ()
    found: list[Duplicate] = []
    for more in duplicates_by_municipality(catalogue, as_of, municipalities, needs):
        found += more
        if first is not None and len(found) >= first:
            break  # before the next municipality is looked at (and its deadline checkpoint reached)
    return tuple(found if first is None else found[:first])
