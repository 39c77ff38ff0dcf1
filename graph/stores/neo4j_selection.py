"""``WHERE`` and ``ORDER BY`` for a ``graph.model.selection.Selection``, and their parameters.

The Python side of a selection is ``selection.select``; this is the same declaration
in Cypher, so the audit trail and the proposals queue select alike in both stores.
Every value is a parameter (named after the query's field; the position's parts
``$past_<field>``); property names come from the declaration only. Times are
passed as ``audit.timestamp`` texts, as the records store them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kimnet.graph.model.audit import timestamp
from kimnet.graph.model.selection import Query, Selection

__all__ = ["order_by", "selection_params", "where"]

#: Each test of ``selection.Condition`` in Cypher.
_TESTS = {
    "is": "{var}.{field} = ${asked}",
    "names": "${asked} IN {var}.{field}",
    "overlaps": "any(item IN {var}.{field} WHERE item IN ${asked})",
    "among": "{var}.{field} IN ${asked}",
    "from": "{var}.{field} >= ${asked}",
    "until": "{var}.{field} <= ${asked}",
}


def _past(var: str, selection: Selection) -> str:
    """Whether ``var`` lies past the position ``$past_<field>...`` in the order: its fields compared in turn."""
    beyond = "<" if selection.descending else ">"
    terms = []
    for n, name in enumerate(selection.order):
        same = [f"{var}.{earlier} = $past_{earlier}" for earlier in selection.order[:n]]
        terms.append("(" + " AND ".join([*same, f"{var}.{name} {beyond} $past_{name}"]) + ")")
    return " OR ".join(terms)


def where(var: str, selection: Selection) -> str:
    """The ``WHERE`` condition that keeps the records ``selection.select`` keeps (a condition not asked: null).

    >>> from kimnet.graph.model.selection import Condition
    >>> where("r", Selection((Condition("tag", "tags", "names"),), ("n", "id"), False, "after"))
    '($tag IS NULL OR $tag IN r.tags) AND ($past_n IS NULL OR (r.n > $past_n) OR (r.n = $past_n AND r.id > $past_id))'
    """
    parts = [
        f"(${c.asked} IS NULL OR {_TESTS[c.test].format(var=var, field=c.field, asked=c.asked)})" for c in selection.conditions
    ]
    parts.append(f"($past_{selection.order[0]} IS NULL OR {_past(var, selection)})")
    return " AND ".join(parts)


def order_by(var: str, selection: Selection) -> str:
    """The ``ORDER BY`` list of ``selection``'s order."""
    return ", ".join(f"{var}.{name}{' DESC' if selection.descending else ''}" for name in selection.order)


def _param(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timestamp(value)
    return list(value) if isinstance(value, tuple) else value


def selection_params(query: Query, selection: Selection) -> dict[str, Any]:
    """The parameters of ``where(..., selection)`` and ``LIMIT $limit`` for ``query``."""
    params = {c.asked: _param(getattr(query, c.asked)) for c in selection.conditions}
    past = getattr(query, selection.past)
    params.update(
        {f"past_{name}": _param(v) for name, v in zip(selection.order, past or (None,) * len(selection.order), strict=True)}
    )
    params["limit"] = query.limit
    return params
