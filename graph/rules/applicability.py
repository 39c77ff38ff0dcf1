"""Which needs can apply to a target group: a need nobody of the group can have is no gap.

A need (Handlungsfeld) says in its properties whom it concerns: ``audience``
(``person``; ``household``: a person has it through a child of the need's ages
in the household; ``organisation``: a need of institutions, never of a case),
the ages of the person it is for (``minAge``/``maxAge``; for a household need,
the child's), and ``notForStatuses``, the residence statuses under which it
cannot arise (naturalisation under a Duldung). The seed cites the law behind
each rule (``applicabilitySource``) or marks it illustrative.

For a target group (age, residence status) a need then *applies*, is
*conditional* (it applies only if something the question did not give holds:
the status is unknown, or the household has a child of the ages) or is *not
applicable*. Without a target group the question is about everyone, and every
need applies.

>>> from kimnet.graph.rules.availability import TargetGroup
>>> from kimnet.graph.model.kinds import Node
>>> naturalisation = Node("Need", "need:einbuergerung", {"name": "Einbürgerung", "notForStatuses": ("duldung", "deutsch")})
>>> applicability(naturalisation, TargetGroup(22, 22, ("duldung",))).status
'not_applicable'
>>> found = applicability(naturalisation, TargetGroup(22, 22, ()))
>>> found.status, found.reason.code, found.reason.statuses
('conditional', 'status_unknown', ('duldung', 'deutsch'))
>>> kita = Node("Need", "need:kita", {"name": "Kita", "audience": "household", "minAge": 1, "maxAge": 5})
>>> applicability(kita, TargetGroup(22, 22, ("duldung",))).reason.code
'household_child'
>>> applicability(kita, TargetGroup(3, 3, ())).status, applicability(kita, None).status
('applies', 'applies')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from kimnet.graph.model.domain import NEED_AUDIENCES
from kimnet.graph.model.kinds import Node
from kimnet.graph.rules.availability import TargetGroup, int_prop

__all__ = ["APPLIES", "AUDIENCES", "Applicability", "ApplicabilityStatus", "NeedReason", "applicability"]

#: Whom a need concerns.
AUDIENCES = NEED_AUDIENCES

#: Whether a need can arise for a target group.
ApplicabilityStatus: TypeAlias = Literal["applies", "conditional", "not_applicable"]

#: Why a need does not simply apply: a status it cannot arise under (or an unknown one), ages
#: outside its range (or unknown), a household need (a child of some age), or an organisation's need.
NeedReasonCode: TypeAlias = Literal[
    "status_excluded", "status_unknown", "age_outside", "age_unknown", "household_child", "organisation_need"
]


@dataclass(frozen=True, slots=True)
class NeedReason:
    """Why a need is conditional or not applicable, as data: a code and what it refers to."""

    code: NeedReasonCode
    #: The residence statuses under which the need cannot arise.
    statuses: tuple[str, ...] = ()
    #: The status the group has (``status_excluded``).
    status: str | None = None
    #: The ages of the person (or, for a household need, the child) the need is for.
    min_age: int | None = None
    max_age: int | None = None
    #: The group's age (``age_outside``).
    age: int | None = None


@dataclass(frozen=True, slots=True)
class Applicability:
    """Whether a need can arise for a target group, why not (None when it applies), and on what it rests."""

    status: ApplicabilityStatus
    reason: NeedReason | None = None
    #: Where the rule comes from (law and source), as the seed gives it.
    source: str | None = None
    #: True when the rule is a plausible fill-in, not a sourced fact.
    illustrative: bool = False

    @property
    def applies(self) -> bool:
        return self.status == "applies"

    @property
    def not_applicable(self) -> bool:
        return self.status == "not_applicable"


#: A need that applies, on no particular rule (a question about everyone).
APPLIES = Applicability("applies")


def _statuses(node: Node) -> tuple[str, ...]:
    value = node.props.get("notForStatuses")
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, tuple) else ()


def _ages(target: TargetGroup) -> tuple[int, int] | None:
    """The target group's age range, if both ends are given."""
    if target.min_age is None or target.max_age is None:
        return None
    return target.min_age, target.max_age


def _within(ages: tuple[int, int], low: int | None, high: int | None) -> bool:
    """Whether the whole age range lies in [low, high] (open ends are open)."""
    return (low is None or ages[0] >= low) and (high is None or ages[1] <= high)


def _outside(ages: tuple[int, int], low: int | None, high: int | None) -> bool:
    """Whether no age of the range lies in [low, high]."""
    return (low is not None and ages[1] < low) or (high is not None and ages[0] > high)


def applicability(need: Node, target: TargetGroup | None) -> Applicability:
    """Tell whether ``need`` can arise for someone of ``target`` (None: the question is about everyone).

    Rules, first match wins: an organisation's need is not applicable to a person;
    a status the need cannot arise under makes it not applicable, an unknown
    status conditional (never not applicable); a person's ages wholly outside
    the need's make it not applicable, unknown ages conditional; a household
    need applies to a child of its ages and is conditional for anyone else (the
    household may have such a child). The answer carries the need's source and
    whether its rule is illustrative.
    """
    found = need.props.get("applicabilitySource")
    source = found if isinstance(found, str) else None
    illustrative = bool(need.props.get("applicabilityIllustrative", False))

    def answer(status: ApplicabilityStatus, reason: NeedReason | None = None) -> Applicability:
        return Applicability(status, reason, source, illustrative)

    if target is None:
        return answer("applies")
    audience = need.props.get("audience") or "person"
    low, high = int_prop(need.props, "minAge"), int_prop(need.props, "maxAge")
    ages = _ages(target)
    if audience == "organisation":
        return answer("not_applicable", NeedReason("organisation_need"))
    excluded = _statuses(need)
    if excluded:
        if target.residence_statuses and set(target.residence_statuses) <= set(excluded):
            return answer("not_applicable", NeedReason("status_excluded", excluded, target.residence_statuses[0]))
        if not target.residence_statuses:
            return answer("conditional", NeedReason("status_unknown", excluded))
    has_ages = low is not None or high is not None
    if audience == "household":
        if ages is not None and has_ages and _within(ages, low, high):
            return answer("applies")
        return answer("conditional", NeedReason("household_child", min_age=low, max_age=high))
    if has_ages:
        if ages is None:
            return answer("conditional", NeedReason("age_unknown", min_age=low, max_age=high))
        if _outside(ages, low, high):
            return answer("not_applicable", NeedReason("age_outside", min_age=low, max_age=high, age=ages[0]))
    return answer("applies")
