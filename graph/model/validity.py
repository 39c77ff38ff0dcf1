"""Temporal validity: whether an entity or relationship holds on a given day.

Offers, programmes, memberships and posts carry ``validFrom`` and ``validTo``
(both inclusive, both optional). Memberships and cooperations may carry
``since`` instead of, or besides, ``validFrom``: a tie does not hold before it
began, so the later of the two is its first day. Every query that depends on
them takes an ``asOf`` day.

The rule is declared once, as data (``BOUNDS``): which properties bound a node or
relationship in time, and whether each names its first or its last day. A
bound that is missing, or is not a date, bounds nothing. ``valid_on`` applies
it in Python; the Neo4j store generates its Cypher from the same declaration
(``graph.stores.neo4j_trees.valid_where``), and tests/graph/test_validity_pushdown.py
runs that Cypher against ``valid_on`` on every bound and boundary day.

>>> import datetime as dt
>>> valid_on({"validTo": dt.date(2022, 12, 31)}, dt.date(2022, 12, 31))
True
>>> valid_on({"validTo": dt.date(2022, 12, 31)}, dt.date(2023, 1, 1))
False
>>> valid_on({"since": dt.date(2021, 6, 1)}, dt.date(2021, 5, 31)), valid_on({"since": dt.date(2021, 6, 1)}, dt.date(2021, 6, 1))
(False, True)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from kimnet.graph.model.kinds import Value

__all__ = ["BOUNDS", "Bound", "valid_on"]


@dataclass(frozen=True, slots=True)
class Bound:
    """A property that bounds when something holds: the day it names is its ``first`` or its ``last`` day (inclusive)."""

    prop: str
    end: Literal["first", "last"]


#: Every bound in time; something holds on a day that none of them excludes.
BOUNDS: tuple[Bound, ...] = (Bound("validFrom", "first"), Bound("since", "first"), Bound("validTo", "last"))

# valid_on runs once per node and relationship of a whole-network question: the
# declaration is split by end once here, not looked at per call.
_FIRST_DAYS = tuple(b.prop for b in BOUNDS if b.end == "first")
_LAST_DAYS = tuple(b.prop for b in BOUNDS if b.end == "last")


def valid_on(props: Mapping[str, Value], day: dt.date) -> bool:
    """Tell whether something with these properties holds on ``day`` (as ``BOUNDS`` says)."""
    get = props.get
    for name in _FIRST_DAYS:
        first = get(name)
        if isinstance(first, dt.date) and day < first:
            return False
    for name in _LAST_DAYS:
        last = get(name)
        if isinstance(last, dt.date) and day > last:
            return False
    return True
