"""The words of a referral: the case, the reasons an offer fits or does not, matches, exclusions, the answer.

Shared by the place's judgement (``referral_place``) and the person's
(``referral``); data only, no rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, TypeAlias

from kimnet.graph.model.kinds import Node
from kimnet.graph.rules.catalogue import Level, Offer
from kimnet.graph.rules.conference import Conference
from kimnet.graph.rules.coverage import Responsibility

__all__ = [
    "Case",
    "CaseManagerPost",
    "Exclusion",
    "ExclusionKind",
    "Match",
    "Reason",
    "ReasonCode",
    "Referral",
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
