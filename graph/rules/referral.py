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
holds on the day and reaches the municipality. ``place`` (``referral_place``)
judges that once for a municipality, a day and needs (the read cache keeps it
with the referral's world), and ``refer`` then judges each offer's target group
for the person, once per distinct group. The words of both are ``referral_terms``. An offer that fails on the place or the day alone is one
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

import functools
from collections.abc import Callable, Sequence

import networkx as nx

from kimnet.graph.rules import conference
from kimnet.graph.rules.availability import TargetGroup
from kimnet.graph.rules.catalogue import Catalogue
from kimnet.graph.rules.conference import Conference, Paths
from kimnet.graph.rules.coverage import Responsibility
from kimnet.graph.rules.network import shortest_paths
from kimnet.graph.rules.referral_place import Place, Placed, place
from kimnet.graph.rules.referral_terms import (
    Case,
    CaseManagerPost,
    Exclusion,
    ExclusionKind,
    Match,
    Reason,
    ReasonCode,
    Referral,
)

# The referral rules' names, wherever they are defined: callers import them from here.
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
