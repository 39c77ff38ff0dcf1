"""Referral of one case: eligible offers, exclusions, responsibilities, case managers, a case conference.

Given a case (municipality, day, and optionally age, residence status, needs,
languages), ``refer`` says for each need which offers the person is eligible
for, ranked, and which are excluded with every reason; which statutory bodies
are responsible in the municipality per legal domain (``coverage.responsibilities``);
which case-manager posts cover it; and the smallest set of organisations that
covers every need and legal domain at one conference, preferring those that
already cooperate with the case manager's employer. The case is used for the
request only.

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
import itertools
import math
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

import networkx as nx

from kimnet.graph.model.errors import NotFoundError
from kimnet.graph.model.kinds import Node, Value
from kimnet.graph.rules import coverage
from kimnet.graph.rules.availability import TargetGroup, closest_area, int_prop
from kimnet.graph.rules.catalogue import LEVELS, Catalogue, Geography, Level, Offer
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
    "Reason",
    "ReasonCode",
    "Referral",
    "Responsibility",
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

#: The weighted shortest paths from one organisation: (path weight, path) per organisation reached
#: (``network.shortest_paths``).
Paths: TypeAlias = Mapping[str, tuple[float, tuple[str, ...]]]

#: The exact set-cover search gives up for greedy beyond this many combinations.
EXACT_COVER_LIMIT = 200_000


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


@dataclass(frozen=True, slots=True)
class Conference:
    """A proposed case conference: the organisations, what each covers, what nobody covers, and ties."""

    organisations: tuple[str, ...]
    covers: dict[str, tuple[str, ...]]
    uncovered: tuple[str, ...]
    anchor: str | None
    paths: dict[str, tuple[str, ...]]


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


class _Judge:
    """Judges offers for one case (``refer``), making each reason that repeats from offer to offer once.

    A referral judges hundreds of offers of a county, most of them not available
    in the case's municipality, for the same few reasons; reasons are frozen, so
    one object serves every offer it is true of.
    """

    def __init__(self, case: Case, areas: Mapping[str, Level], geography: Geography) -> None:
        self.case, self.areas, self.geography = case, areas, geography
        # Which areas an offer serves may be a fill-in (the region of a coaching post).
        self._unavailable = {
            made_up: Reason(
                "not_available", area=case.municipality, area_name=_name(geography, case.municipality), illustrative=made_up
            )
            for made_up in (False, True)
        }
        self._ages: dict[tuple[ReasonCode, int | None, int | None, bool], Reason] = {}
        self._statuses: dict[tuple[ReasonCode, tuple[str, ...], bool], Reason] = {}

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

    def assess(self, offer: Offer, need: str) -> Match | Exclusion:
        """Judge ``offer`` for ``need``: the match with its reasons, or the exclusion with every failing reason.

        An age or status the case does not give excludes nothing, but the match then
        says that it holds only if they fit the offer's limits.
        """
        case, areas = self.case, self.areas
        reasons: list[Reason] = []
        failed: list[Reason] = []
        props, made_up = offer.node.props, offer.illustrative
        if not offer.valid_on(case.as_of):
            failed.append(
                Reason(
                    "not_valid",
                    day=case.as_of,
                    valid_from=_day(props, "validFrom"),
                    valid_to=_day(props, "validTo"),
                    illustrative=made_up,
                )
            )
        area = closest_area(offer, areas)
        if area is None:
            failed.append(self._unavailable[bool(offer.illustrative_areas)])
        else:
            reasons.append(
                Reason(
                    "available",
                    area=area,
                    area_name=_name(self.geography, area),
                    level=areas[area],
                    illustrative=area in offer.illustrative_areas,
                )
            )
        group, age = TargetGroup.of(offer), case.age
        if group.min_age is not None or group.max_age is not None:
            if age is None:
                reasons.append(self._age_reason("age_unknown", group, made_up))
            elif group.min_age is not None and age < group.min_age:
                failed.append(self._age_reason("age_below", group, made_up))
            elif group.max_age is not None and age > group.max_age:
                failed.append(self._age_reason("age_above", group, made_up))
            else:
                reasons.append(self._age_reason("age_within", group, made_up))
        if group.residence_statuses:
            status = case.residence_status
            if status is None:
                reasons.append(self._status_reason("status_unknown", group, made_up))
            elif status in group.residence_statuses:
                reasons.append(self._status_reason("status_eligible", group, made_up))
            else:
                failed.append(self._status_reason("status_not_eligible", group, made_up))
        if failed or area is None:
            return Exclusion(offer, need, tuple(failed))
        offered = props.get("languages")
        common = tuple(lang for lang in case.languages if isinstance(offered, tuple) and lang in offered)
        if common:
            reasons.append(Reason("languages", languages=common))
        return Match(offer, need, areas[area], bool(common), tuple(reasons))


def _rank_key(match: Match) -> tuple[int, bool, bool, int, str, str]:
    capacity = int_prop(match.offer.node.props, "capacity")
    return (
        LEVELS.index(match.level),
        not match.language_match,
        capacity is None,
        -(capacity or 0),
        match.offer.node.name,
        match.offer.id,
    )


def _smallest_cover(
    targets: Sequence[str], covers: Mapping[str, set[str]], prefer: Callable[[tuple[str, ...]], tuple[object, ...]]
) -> tuple[str, ...]:
    """Return a smallest set of organisations covering ``targets``, the ``prefer``-least among equals.

    Exact over growing sizes while the combinations stay within EXACT_COVER_LIMIT,
    greedy (most still-uncovered first, then ``prefer``) beyond.
    """
    bit = {target: 1 << i for i, target in enumerate(targets)}
    mask = {org: sum(bit[t] for t in covered if t in bit) for org, covered in covers.items()}
    candidates = sorted(org for org, m in mask.items() if m)
    full, budget = (1 << len(targets)) - 1, EXACT_COVER_LIMIT
    for size in range(1, len(candidates) + 1):
        budget -= math.comb(len(candidates), size)
        if budget < 0:
            break
        found = [combo for combo in itertools.combinations(candidates, size) if _union(mask, combo) == full]
        if found:
            return min(found, key=prefer)
    chosen: list[str] = []
    while (left := full & ~_union(mask, chosen)) != 0:
        chosen.append(min(candidates, key=lambda org: (-(mask[org] & left).bit_count(), prefer((org,)))))
    return tuple(sorted(chosen))


def _union(mask: Mapping[str, int], orgs: Iterable[str]) -> int:
    return functools.reduce(operator.or_, (mask[org] for org in orgs), 0)


def _conference(
    per_need: Mapping[str, tuple[Match, ...]],
    responsibilities: Sequence[Responsibility],
    anchor: str | None,
    cooperation: nx.Graph[str],
    paths_from: Callable[[str], Paths],
) -> Conference:
    """Choose the organisations for one case conference (see ``refer``)."""
    covers: dict[str, set[str]] = defaultdict(set)
    needs: set[str] = set()
    domains: set[str] = set()
    for need, matches in per_need.items():
        for match in matches:
            needs.add(need)
            for org in match.offer.providers:
                covers[org].update((need, *match.offer.legal_domains))
        if matches:
            domains.update(matches[0].offer.legal_domains)
    # A need that only a statutory body addresses (a family's matter for the youth
    # office) still needs someone at the table, so responsibilities count as cover too.
    for responsibility in responsibilities:
        for offer in responsibility.offers:
            addressed = [n for n in offer.needs if n in per_need]
            needs.update(addressed)
            if addressed:
                domains.add(responsibility.legal_domain)
            for org in offer.providers:
                covers[org].update((*addressed, responsibility.legal_domain))
    universe = [n for n in per_need if n in needs] + sorted(domains)
    coverable = {t for ts in covers.values() for t in ts}
    targets = [t for t in universe if t in coverable]
    reach = paths_from(anchor) if anchor is not None else {}

    def prefer(orgs: tuple[str, ...]) -> tuple[object, ...]:
        direct = sum(org == anchor or (anchor is not None and cooperation.has_edge(anchor, org)) for org in orgs)
        unreachable = sum(org not in reach for org in orgs)
        return (-direct, unreachable, sum(reach[o][0] for o in orgs if o in reach), orgs)

    chosen = _smallest_cover(targets, covers, prefer) if targets else ()
    return Conference(
        organisations=chosen,
        covers={org: tuple(t for t in targets if t in covers[org]) for org in chosen},
        uncovered=tuple(t for t in [*per_need, *sorted(domains)] if t not in coverable),
        anchor=anchor,
        paths={org: reach[org][1] for org in chosen if org in reach},
    )


def refer(
    case: Case,
    catalogue: Catalogue,
    case_managers: Sequence[CaseManagerPost],
    cooperation: nx.Graph[str],
    paths_from: Callable[[str], Paths] | None = None,
) -> Referral:
    """Answer a referral question for one case.

    Takes the case, the catalogue of the case's county, the case-manager posts
    valid on ``case.as_of`` and the organisation graph (``network.organisation_graph``);
    ``paths_from`` gives ``network.shortest_paths`` of that graph from an
    organisation (a caller that keeps them passes its own; by default they are
    worked out).
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
    covering post (by id) that has one. Raises NotFoundError when the case's
    municipality is not in the catalogue (the message leaves the case out).
    """
    geography = catalogue.geography
    if case.municipality not in geography.municipalities:
        raise NotFoundError("the case's municipality is not in the catalogue's geography; pass a Municipality id of the county")
    areas = geography.areas_of(case.municipality)
    needs = tuple(dict.fromkeys(case.needs))
    per_need: dict[str, tuple[Match, ...]] = {}
    excluded: list[Exclusion] = []
    judge = _Judge(case, areas, geography)
    for need in needs:
        matches = []
        offers = (o for o in catalogue.offers.values() if need in o.needs_served and not o.statutory)
        for offer in sorted(offers, key=lambda o: o.id):
            outcome = judge.assess(offer, need)
            if isinstance(outcome, Match):
                matches.append(outcome)
            else:
                excluded.append(outcome)
        per_need[need] = tuple(sorted(matches, key=_rank_key))
    responsibilities = coverage.responsibilities(case.municipality, catalogue, case.as_of)
    posts = tuple(sorted((p for p in case_managers if case.municipality in p.covers), key=lambda p: p.node.id))
    anchor = next((p.employer for p in posts if p.employer is not None), None)
    if paths_from is None:
        paths_from = functools.partial(shortest_paths, cooperation)
    conference = _conference(per_need, responsibilities, anchor, cooperation, paths_from)
    return Referral(case, per_need, tuple(excluded), responsibilities, posts, conference)
