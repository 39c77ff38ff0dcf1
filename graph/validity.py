"""Temporal validity: whether an entity or relationship holds on a given day.

Offers, programmes, memberships and posts carry ``validFrom`` and ``validTo``
(both inclusive, both optional). Every query that depends on them takes an
``asOf`` day; this module is the one place that decides.

>>> import datetime as dt
>>> valid_on({"validTo": dt.date(2022, 12, 31)}, dt.date(2022, 12, 31))
True
>>> valid_on({"validTo": dt.date(2022, 12, 31)}, dt.date(2023, 1, 1))
False
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from kimnet.graph.model import Value

__all__ = ["valid_on"]


def valid_on(props: Mapping[str, Value], day: dt.date) -> bool:
    """Tell whether something with these properties holds on ``day``."""
    start, end = props.get("validFrom"), props.get("validTo")
    if isinstance(start, dt.date) and day < start:
        return False
    return not (isinstance(end, dt.date) and day > end)
