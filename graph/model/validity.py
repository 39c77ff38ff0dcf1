"""Temporal validity: whether an entity or relationship holds on a given day.

Offers, programmes, memberships and posts carry ``validFrom`` and ``validTo``
(both inclusive, both optional). Memberships and cooperations may carry
``since`` instead of, or besides, ``validFrom``: a tie does not hold before it
began, so the later of the two is its first day. Every query that depends on
them takes an ``asOf`` day; this module is the one place that decides (the
Neo4j store's tree statements say the same in Cypher: ``neo4j_trees._valid``).

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

from kimnet.graph.model.kinds import Value

__all__ = ["valid_on"]


def valid_on(props: Mapping[str, Value], day: dt.date) -> bool:
    """Tell whether something with these properties holds on ``day``."""
    start, since, end = props.get("validFrom"), props.get("since"), props.get("validTo")
    if isinstance(start, dt.date) and day < start:
        return False
    if isinstance(since, dt.date) and day < since:
        return False
    return not (isinstance(end, dt.date) and day > end)
