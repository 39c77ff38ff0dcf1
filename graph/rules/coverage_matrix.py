"""The coverage matrix of a county: every municipality against every need, on one day or two.

A composition of ``coverage``'s rules, for reports and views that show the
whole county at once: the level of each cell is ``coverage.coverage``'s, the
gaps (ranked by population) ``coverage.coverage_gaps``'s and the changes
between two days ``coverage.coverage_changes``'s. Nothing here decides what
covers what.

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
>>> kurs = Offer(Node("Service", "svc:kurs", {"name": "Kurs", "validTo": dt.date(2022, 12, 31)}),
...              needs=("need:sprache",), areas=("mun:olfen",))
>>> catalogue = Catalogue(geo, offers={kurs.id: kurs}, needs={"need:sprache": Node("Need", "need:sprache")})
>>> matrix = coverage_matrix(catalogue, dt.date(2022, 6, 1), compare=dt.date(2023, 1, 1))
>>> matrix.municipalities, matrix.level("mun:olfen", "need:sprache"), matrix.population_in_gaps("need:sprache")
(('mun:senden', 'mun:olfen'), 'municipality', 20600)
>>> matrix.change("mun:olfen", "need:sprache"), matrix.change("mun:senden", "need:sprache")
('opened', 'gap')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal, TypeAlias

from kimnet.graph.rules import coverage as rules
from kimnet.graph.rules.applicability import APPLIES, Applicability
from kimnet.graph.rules.availability import int_prop
from kimnet.graph.rules.catalogue import Catalogue, Level

__all__ = ["Change", "CoverageMatrix", "coverage_matrix"]

#: What happens to a cell between the two days: a gap on both, one that opens or closes,
#: covered from another level, or covered alike.
Change: TypeAlias = Literal["gap", "opened", "closed", "moved", "same"]


@dataclass(frozen=True, slots=True)
class CoverageMatrix:
    """Municipalities (largest population first) × needs (by name), on ``day`` and optionally ``compare``."""

    day: dt.date
    municipalities: tuple[str, ...]
    needs: tuple[str, ...]
    #: (municipality, need) -> the closest level with an offer on ``day``; None is a gap.
    levels: dict[tuple[str, str], Level | None]
    #: The gaps on ``day``, largest population first.
    gaps: tuple[rules.Gap, ...]
    populations: dict[str, int]
    compare: dt.date | None = None
    #: The same on ``compare`` (empty without it).
    levels_compared: dict[tuple[str, str], Level | None] = field(default_factory=dict)
    gaps_compared: tuple[rules.Gap, ...] = ()
    changes: rules.Changes | None = None
    #: Whether each need can arise for the target group the catalogue was narrowed to (all apply without one).
    applicability: dict[str, Applicability] = field(default_factory=dict)

    def applies(self, need: str) -> Applicability:
        """Whether ``need`` can arise for the matrix's target group."""
        return self.applicability.get(need, APPLIES)

    def level(self, municipality: str, need: str, *, compared: bool = False) -> Level | None:
        """The closest level covering ``need`` in ``municipality`` on ``day`` (or on ``compare``)."""
        return (self.levels_compared if compared else self.levels)[(municipality, need)]

    def population_in_gaps(self, need: str, *, compared: bool = False) -> int:
        """Inhabitants (all of them: no figures per group exist) of the municipalities without an offer for ``need``.

        Only gaps in a need that applies to the target group count; possible gaps
        (a conditional need) and needs the group cannot have do not.
        """
        gaps = self.gaps_compared if compared else self.gaps
        return sum(g.population for g in gaps if g.need == need and g.condition is None)

    def change(self, municipality: str, need: str) -> Change:
        """What happens to the cell from ``day`` to ``compare``.

        Raises ValueError when the matrix has no second day.
        """
        if self.compare is None:
            raise ValueError("the matrix has no second day to compare with")
        before, after = self.levels[(municipality, need)], self.levels_compared[(municipality, need)]
        if before is None and after is None:
            return "gap"
        if after is None:
            return "opened"
        if before is None:
            return "closed"
        return "same" if before == after else "moved"


def _levels(catalogue: Catalogue, day: dt.date, municipalities: tuple[str, ...]) -> dict[tuple[str, str], Level | None]:
    return {(m, c.need): c.level for m in municipalities for c in rules.coverage(m, catalogue, day)}


def coverage_matrix(
    catalogue: Catalogue, day: dt.date, compare: dt.date | None = None, later: Catalogue | None = None
) -> CoverageMatrix:
    """Build the matrix of every municipality and need of ``catalogue`` on ``day`` (and ``compare``).

    ``catalogue`` holds the relationships valid on ``day``, ``later`` those valid
    on ``compare`` (default: the same), as ``coverage.coverage_changes`` takes them.
    """
    geography = catalogue.geography
    populations = {m: int_prop(n.props, "population") or 0 for m, n in geography.municipalities.items()}
    municipalities = tuple(sorted(populations, key=lambda m: (-populations[m], geography.municipalities[m].name, m)))
    needs = tuple(sorted(catalogue.needs, key=lambda n: (catalogue.needs[n].name, n)))
    matrix = CoverageMatrix(
        day=day,
        municipalities=municipalities,
        needs=needs,
        levels=_levels(catalogue, day, municipalities),
        gaps=rules.coverage_gaps(catalogue, day),
        populations=populations,
        applicability=rules.need_applicability(catalogue, needs),
    )
    if compare is None:
        return matrix
    return replace(
        matrix,
        compare=compare,
        levels_compared=_levels(later or catalogue, compare, municipalities),
        gaps_compared=rules.coverage_gaps(later or catalogue, compare),
        changes=rules.coverage_changes(catalogue, day, compare, later=later),
    )
