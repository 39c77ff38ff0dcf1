"""Referral of one case: eligible offers, exclusions, responsibilities, case managers, a case conference.

Given a case (municipality, day, and optionally age, residence status, needs,
languages), ``refer`` says for each need which offers the person is eligible
for, ranked, and which are excluded with every reason; which statutory bodies
are responsible in the municipality per legal domain (``coverage.responsibilities``);
which case-manager posts cover it; and the smallest set of organisations that
covers every need and legal domain at one conference, preferring those that
already cooperate with the case manager's employer (``conference``). The case
is used for the request only.

Most of what a referral judges does not depend on the person: whether an offer
holds on the day and reaches the municipality. ``place`` judges that once for a
municipality, a day and needs (the read cache keeps it with the referral's
world), and ``refer`` then judges each offer's target group for the person, once
per distinct group. An offer that fails on the place or the day alone is one
``Exclusion`` object for everyone asking there.

>>> import datetime as dt
>>> import networkx as nx
>>> from kimnet.graph.rules.catalogue import Catalogue, Geography, Offer
>>> from kimnet.graph.model.kinds import Node
>>> geo = Geography({"mun:olfen": Node("Municipality", "mun:olfen", {"name": "Olfen"})}, {})
>>> def offer(i, **props):
...     node = Node("Service", i, {"name": i, **props})
...     return Offer(node, ("org:" + i[4:],), ("need:ausbildung",), ("ld:sgb3",), ("mun:olfen",))
>>> catalogue = Catalogue(geo, {o.id: o for o in (offer("svc:bvb", minAge=16, maxAge=25), offer("svc:eq", maxAge=21))})
>>> case = Case("mun:olfen", dt.date(2021, 6, 1), age=22, needs=("need:ausbildung",))
>>> result = refer(case, catalogue, [], nx.Graph())
>>> [(m.offer.id, [r.code for r in m.reasons]) for m in result.per_need["need:ausbildung"]]
[('svc:bvb', ['available', 'age_within'])]
>>> [(e.offer.id, [(r.code, r.age, r.max_age) for r in e.reasons]) for e in result.excluded]
[('svc:eq', [('age_above', 22, 21)])]
>>> result.conference.organisations, result.conference.uncovered
(('org:bvb',), ())
>>> case
Case(<not shown>)
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

import networkx as nx

from kimnet.graph.model.errors import NotFoundError
from kimnet.graph.model.kinds import Node, Value
from kimnet.graph.rules import conference, coverage
from kimnet.graph.rules.availability import TargetGroup, closest_area, int_prop
from kimnet.graph.rules.catalogue import LEVELS, Catalogue, Geography, Level, Offer
from kimnet.graph.rules.conference import Conference, Paths
from kimnet.graph.rules.coverage import Responsibility
from kimnet.graph.rules.network import shortest_paths

__all__ = [
    "Case",
    "CaseManagerPost",
    "Conference",
    "Exclusion",
    "ExclusionKind",
    "Match",
    "Paths",
    "Place",
    "Placed",
    "Reason",
    "ReasonCode",
    "Referral",
    "Responsibility",
    "place",
    "refer",
]

#: Why an offer may be excluded.
ExclusionKind: TypeAlias = Literal["age", "residence_status", "area", "validity"]

#: What a reason says. Matches: available (where, how close), age_within, status_eligible,
#: languages; and, where the case did not say, age_unknown and status_unknown (eligible only
#: if the age or status fits). Exclusions: not_valid, not_available, age_below, age_above,
#: status_not_eligible.
ReasonCode: TypeAlias = Literal[
    "available",
    "not_available",
    "age_within",
    "age_below",
    "age_above",
    "age_unknown",
    "status_eligible",
    "status_not_eligible",
    "status_unknown",
    "languages",
    "not_valid",
]

_KINDS: dict[ReasonCode, ExclusionKind] = {
    "not_valid": "validity",
    "not_available": "area",
    "age_below": "age",
    "age_above": "age",
    "status_not_eligible": "residence_status",
}


@dataclass(frozen=True, slots=True, repr=False)
class Case:
    """One person's situation, for one request: never stored, never logged."""

    municipality: str
    as_of: dt.date
    age: int | None = None
    residence_status: str | None = None
    needs: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    def __repr__(self) -> str:
        # A repr ends up in logs and tracebacks; a case must not.
        return "Case(<not shown>)"


@dataclass(frozen=True, slots=True)
class CaseManagerPost:
    """A case-manager post with its employer, supervising organisation and the municipalities it covers."""

    node: Node
    employer: str | None
    supervisor: str | None
    covers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an offer fits or does not, as data: a code and the values it refers to (clients word it).

    ``conditional``: the case did not give what this rests on (age, status), so
    the offer fits only if that holds. ``illustrative``: it rests on a plausible
    fill-in of the data (an offer's age limits, the region a post serves), not a
    sourced fact.
    """

    code: ReasonCode
    area: str | None = None
    area_name: str | None = None
    level: Level | None = None
    age: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    status: str | None = None
    statuses: tuple[str, ...] = ()
    day: dt.date | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    languages: tuple[str, ...] = ()
    conditional: bool = False
    illustrative: bool = False

    @property
    def kind(self) -> ExclusionKind | None:
        """Which rule an exclusion's reason breaks; None for a match's reason."""
        return _KINDS.get(self.code)


@dataclass(frozen=True, slots=True)
class Match:
    """An offer the person is eligible for, for one need, at its closest level, with the reasons."""

    offer: Offer
    need: str
    level: Level
    language_match: bool
    reasons: tuple[Reason, ...]

    @property
    def conditional(self) -> bool:
        """Eligible only if what the case did not give fits (see the conditional reasons)."""
        return any(r.conditional for r in self.reasons)

    @property
    def illustrative(self) -> bool:
        """Some reason rests on a plausible fill-in of the data."""
        return any(r.illustrative for r in self.reasons)


@dataclass(frozen=True, slots=True)
class Exclusion:
    """An offer for one of the case's needs that does not fit, with every failing reason."""

    offer: Offer
    need: str
    reasons: tuple[Reason, ...]

    @property
    def illustrative(self) -> bool:
        """Some failing reason rests on a plausible fill-in of the data."""
        return any(r.illustrative for r in self.reasons)


@dataclass(frozen=True, slots=True, repr=False)
class Referral:
    """The whole answer for one case; its reasons repeat the case's age and status, so its repr hides them."""

    case: Case
    per_need: dict[str, tuple[Match, ...]]
    excluded: tuple[Exclusion, ...]
    responsibilities: tuple[Responsibility, ...]
    case_managers: tuple[CaseManagerPost, ...]
    conference: Conference

    def __repr__(self) -> str:
        return "Referral(<not shown>)"


def _name(geography: Geography, area: str) -> str:
    node = geography.municipalities.get(area) or geography.regions.get(area)
    return node.name if node else area


def _day(props: Mapping[str, Value], name: str) -> dt.date | None:
    value = props.get(name)
    return value if isinstance(value, dt.date) else None


@dataclass(frozen=True, slots=True)
class Placed:
    """An offer for a need, judged for a municipality and a day: what holds of it whoever the person is."""

    offer: Offer
    need: str
    #: The reasons of the day and the place that it fails: not valid on the day, not available in the municipality.
    failed: tuple[Reason, ...]
    #: Where it reaches the municipality, and how close (None: it does not).
    available: tuple[Reason, Level] | None
    #: Where it ranks among the need's offers available there, whoever asks: its level's place in ``LEVELS``,
    #: and its place in the order of level, capacity (largest first, unknown last), name and id.
    rank: tuple[int, int]
    #: Its place in ``Place.groups``: whom it admits, and whether those limits are a fill-in.
    group: int
    #: The languages it is given in.
    languages: tuple[str, ...]
    #: ``failed`` as an exclusion, for every case whose own reasons exclude nothing more (None: it fails nothing).
    excluded: Exclusion | None


@dataclass(frozen=True, slots=True)
class Place:
    """The offers of a referral's needs judged for a municipality on a day, per need in id order (``place``).

    The same for every person asking there: a referral then judges only age,
    residence status and languages, once per target group.
    """

    municipality: str
    day: dt.date
    per_need: dict[str, tuple[Placed, ...]]
    #: The distinct (target group, whether its limits are a fill-in) of the offers.
    groups: tuple[tuple[TargetGroup, bool], ...]
    #: Who is responsible there per legal domain (``coverage.responsibilities``).
    responsibilities: tuple[Responsibility, ...]


def place(catalogue: Catalogue, municipality: str, day: dt.date, needs: Iterable[str]) -> Place:
    """Judge the non-statutory offers of ``catalogue`` serving each of ``needs`` for ``municipality`` on ``day``,
    and tell who is responsible there.

    Raises NotFoundError when the municipality is not in the catalogue (the message leaves the case out).
    """
    geography = catalogue.geography
    if municipality not in geography.municipalities:
        raise NotFoundError("the case's municipality is not in the catalogue's geography; pass a Municipality id of the county")
    areas = geography.areas_of(municipality)
    # Which areas an offer serves may be a fill-in (the region of a coaching post).
    unavailable = {
        made_up: Reason("not_available", area=municipality, area_name=_name(geography, municipality), illustrative=made_up)
        for made_up in (False, True)
    }
    groups: dict[tuple[TargetGroup, bool], int] = {}
    per_need: dict[str, tuple[Placed, ...]] = {}
    for need in dict.fromkeys(needs):
        judged = []
        offers = (o for o in catalogue.offers.values() if need in o.needs_served and not o.statutory)
        for offer in sorted(offers, key=lambda o: o.id):
            props, made_up = offer.node.props, offer.illustrative
            failed: list[Reason] = []
            if not offer.valid_on(day):
                valid_from, valid_to = _day(props, "validFrom"), _day(props, "validTo")
                failed.append(Reason("not_valid", day=day, valid_from=valid_from, valid_to=valid_to, illustrative=made_up))
            area = closest_area(offer, areas)
            available = None
            if area is None:
                failed.append(unavailable[bool(offer.illustrative_areas)])
            else:
                level, illustrative = areas[area], area in offer.illustrative_areas
                reason = Reason("available", area=area, area_name=_name(geography, area), level=level, illustrative=illustrative)
                available = (reason, level)
            judged.append((offer, tuple(failed), available))
        ranks = {offer.id: i for i, (offer, _, available) in enumerate(sorted(judged, key=_static_rank))}
        placed = []
        for offer, failed_there, available in judged:
            group = groups.setdefault((offer.target_group, offer.illustrative), len(groups))
            offered = offer.node.props.get("languages")
            languages = tuple(lang for lang in offered if isinstance(lang, str)) if isinstance(offered, tuple) else ()
            rank = (LEVELS.index(available[1]) if available else len(LEVELS), ranks[offer.id])
            excluded = Exclusion(offer, need, failed_there) if failed_there else None
            placed.append(Placed(offer, need, failed_there, available, rank, group, languages, excluded))
        per_need[need] = tuple(placed)
    responsible = coverage.responsibilities(municipality, catalogue, day)
    return Place(municipality, day, per_need, tuple(groups), responsible)


#: The codes of a person's reasons that exclude an offer.
_FAILING: frozenset[ReasonCode] = frozenset({"age_below", "age_above", "status_not_eligible"})


class _Person:
    """One case's age and status judged for the target groups of a place, each group when first asked.

    Most of a place's offers are excluded there whoever asks: of those, only whether
    the person fails too is asked, which makes no reason unless the person does.
    Each reason is made once and shared (they are frozen) by every group it is true of.
    """

    def __init__(self, case: Case, groups: Sequence[tuple[TargetGroup, bool]]) -> None:
        self.case, self._groups = case, groups
        self._fails: list[tuple[Reason, ...] | None] = [None] * len(groups)
        self._holds: list[tuple[Reason, ...] | None] = [None] * len(groups)
        self._ages: dict[tuple[ReasonCode, int | None, int | None, bool], Reason] = {}
        self._statuses: dict[tuple[ReasonCode, tuple[str, ...], bool], Reason] = {}

    def fails(self, group: int) -> tuple[Reason, ...]:
        """The reasons the person fails of the place's ``group`` (its index in ``Place.groups``)."""
        found = self._fails[group]
        if found is None:
            found = self._fails[group] = self._reasons(group, failing=True)
        return found

    def holds(self, group: int) -> tuple[Reason, ...]:
        """The reasons that hold of the person in the place's ``group``.

        An age or status the case does not give excludes nothing, but the match then
        says that it holds only if they fit the offer's limits.
        """
        found = self._holds[group]
        if found is None:
            found = self._holds[group] = self._reasons(group, failing=False)
        return found

    def _reasons(self, index: int, failing: bool) -> tuple[Reason, ...]:
        group, made_up = self._groups[index]
        age_code, status_code = self._codes(group)
        found: list[Reason] = []
        if age_code is not None and (age_code in _FAILING) == failing:
            found.append(self._age_reason(age_code, group, made_up))
        if status_code is not None and (status_code in _FAILING) == failing:
            found.append(self._status_reason(status_code, group, made_up))
        return tuple(found)

    def _codes(self, group: TargetGroup) -> tuple[ReasonCode | None, ReasonCode | None]:
        """What the person's age and status say of ``group``'s limits (None: it has none)."""
        age_code: ReasonCode | None = None
        age = self.case.age
        if group.min_age is not None or group.max_age is not None:
            if age is None:
                age_code = "age_unknown"
            elif group.min_age is not None and age < group.min_age:
                age_code = "age_below"
            elif group.max_age is not None and age > group.max_age:
                age_code = "age_above"
            else:
                age_code = "age_within"
        status_code: ReasonCode | None = None
        if group.residence_statuses:
            status = self.case.residence_status
            if status is None:
                status_code = "status_unknown"
            elif status in group.residence_statuses:
                status_code = "status_eligible"
            else:
                status_code = "status_not_eligible"
        return age_code, status_code

    def _age_reason(self, code: ReasonCode, group: TargetGroup, made_up: bool) -> Reason:
        key = (code, group.min_age, group.max_age, made_up)
        found = self._ages.get(key)
        if found is None:
            age = self.case.age
            found = self._ages[key] = Reason(
                code, age=age, min_age=group.min_age, max_age=group.max_age, conditional=age is None, illustrative=made_up
            )
        return found

    def _status_reason(self, code: ReasonCode, group: TargetGroup, made_up: bool) -> Reason:
        key = (code, group.residence_statuses, made_up)
        found = self._statuses.get(key)
        if found is None:
            status = self.case.residence_status  # None: status_unknown, which holds only if it is one of them
            found = self._statuses[key] = Reason(
                code, status=status, statuses=group.residence_statuses, conditional=status is None, illustrative=made_up
            )
        return found


def _judged(case: Case, placed: Place, needs: Sequence[str]) -> tuple[dict[str, tuple[Match, ...]], list[Exclusion]]:
    """The matches per need, ranked, and the exclusions, of the offers ``placed`` for the case's person.

    Matches rank by level, then language match, then capacity (largest first,
    unknown last), name and id: the person's language match between the parts
    of the place's rank (``Placed.rank``).
    """
    person = _Person(case, placed.groups)
    fails, holds = person.fails, person.holds
    per_need: dict[str, tuple[Match, ...]] = {}
    excluded: list[Exclusion] = []
    spoken = case.languages
    for need in needs:
        ranked: list[tuple[tuple[int, bool, int], Match]] = []
        for offer in placed.per_need[need]:
            failed = fails(offer.group)
            if failed:
                excluded.append(Exclusion(offer.offer, need, offer.failed + failed))
            elif offer.excluded is not None:
                excluded.append(offer.excluded)  # the same for everyone here: shared
            else:
                assert offer.available is not None  # it fails nothing: it is available
                available, level = offer.available
                common = tuple(lang for lang in spoken if lang in offer.languages)
                reasons = (available, *holds(offer.group))
                if common:
                    reasons = (*reasons, Reason("languages", languages=common))
                level_rank, rank = offer.rank
                ranked.append(((level_rank, not common, rank), Match(offer.offer, need, level, bool(common), reasons)))
        ranked.sort(key=_first)
        per_need[need] = tuple(match for _, match in ranked)
    return per_need, excluded


def _first(pair: tuple[tuple[int, bool, int], Match]) -> tuple[int, bool, int]:
    return pair[0]


def _static_rank(judged: tuple[Offer, tuple[Reason, ...], tuple[Reason, Level] | None]) -> tuple[int, bool, int, str, str]:
    """An offer's rank among a need's offers in a place, whoever asks (see ``_judged``); the unavailable last."""
    offer, _, available = judged
    capacity = int_prop(offer.node.props, "capacity")
    level = LEVELS.index(available[1]) if available is not None else len(LEVELS)
    return (level, capacity is None, -(capacity or 0), offer.node.name, offer.id)


def refer(
    case: Case,
    catalogue: Catalogue,
    case_managers: Sequence[CaseManagerPost],
    cooperation: nx.Graph[str],
    paths_from: Callable[[str], Paths] | None = None,
    placed: Place | None = None,
) -> Referral:
    """Answer a referral question for one case.

    Takes the case, the catalogue of the case's county, the case-manager posts
    valid on ``case.as_of`` and the organisation graph (``network.organisation_graph``);
    ``paths_from`` gives ``network.shortest_paths`` of that graph from an
    organisation (a caller that keeps them passes its own; by default they are
    worked out), and ``placed`` the catalogue's offers judged for the case's
    municipality, day and needs (``place``; a caller that keeps it for every
    case there passes it, by default it is made).
    For each need (in the case's order) the non-statutory offers addressing it
    are eligible when valid on the day, available to the municipality, and
    admitting the age and residence status (an unknown age or status excludes
    nothing, but the match then carries a conditional reason: eligible only if
    it fits). Matches are ranked by level, then language match, then capacity
    (largest first, unknown last), name and id. The conference covers the needs
    that an eligible offer or a responsibility addresses, the legal domains of
    each need's top match, and the domains of responsibilities addressing a
    need; among the smallest covers it prefers most organisations that are the
    anchor or adjacent to it, then the least unreachable and the shortest total
    weighted path from it, then ids. The anchor is the employer of the first
    covering post (by id) that has one.

    Raises:
        NotFoundError: the case's municipality is not in the catalogue (the message leaves the case out).
        ValueError: ``placed`` was made for another municipality or day, or without one of the case's needs.
    """
    needs = tuple(dict.fromkeys(case.needs))
    if placed is None:
        placed = place(catalogue, case.municipality, case.as_of, needs)
    elif (placed.municipality, placed.day) != (case.municipality, case.as_of) or any(n not in placed.per_need for n in needs):
        raise ValueError("refer: the offers were placed for another municipality, day or needs than the case's")
    per_need, excluded = _judged(case, placed, needs)
    responsibilities = placed.responsibilities
    posts = tuple(sorted((p for p in case_managers if case.municipality in p.covers), key=lambda p: p.node.id))
    anchor = next((p.employer for p in posts if p.employer is not None), None)
    if paths_from is None:
        paths_from = functools.partial(shortest_paths, cooperation)
    chosen = conference.choose(per_need, responsibilities, anchor, cooperation, paths_from)
    return Referral(case, per_need, tuple(excluded), responsibilities, posts, chosen)
