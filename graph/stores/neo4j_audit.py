"""The Neo4j store's audit trail statement, generated from ``graph.model.audit``'s declaration.

``audit.CONDITIONS`` says what each field of an ``AuditQuery`` selects and
``audit.ORDER`` how the trail is ordered; ``audit.select`` applies them in Python
(the embedded store), and this module turns the same declaration into Cypher, so
that the two stores cannot select differently. Every value is a parameter; the
property names come from the declaration only. Entries are stored flat by
``audit.encode_entry``: the declared fields are their property names, and times
are ``audit.timestamp`` texts, which compare as the times do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

from kimnet.graph.model.audit import CONDITIONS, ORDER, AuditQuery, timestamp

__all__ = ["AUDIT_TRAIL", "trail_params"]

#: Each test of ``audit.Condition`` in Cypher, on the entry ``a``.
_TESTS = {
    "is": "a.{field} = ${asked}",
    "names": "${asked} IN a.{field}",
    "from": "a.{field} >= ${asked}",
    "until": "a.{field} <= ${asked}",
}


def _before() -> str:
    """Whether ``a`` sorts before the position ``$before_<field>...``: ``ORDER``'s fields compared in turn."""
    terms = []
    for n, name in enumerate(ORDER):
        same = [f"a.{earlier} = $before_{earlier}" for earlier in ORDER[:n]]
        terms.append("(" + " AND ".join([*same, f"a.{name} < $before_{name}"]) + ")")
    return " OR ".join(terms)


def _trail() -> LiteralString:
    where = [f"(${c.asked} IS NULL OR {_TESTS[c.test].format(field=c.field, asked=c.asked)})" for c in CONDITIONS]
    where.append(f"($before_{ORDER[0]} IS NULL OR {_before()})")
    order = ", ".join(f"a.{name} DESC" for name in ORDER)
    # Made from the declaration alone, at import; no request text reaches it.
    return f"MATCH (a:AuditEntry) WHERE {' AND '.join(where)} RETURN properties(a) AS props ORDER BY {order} LIMIT $limit"


#: The entries an ``AuditQuery`` selects, newest first; its parameters: ``trail_params``.
AUDIT_TRAIL: LiteralString = _trail()


def _param(value: Any) -> Any:
    return timestamp(value) if isinstance(value, dt.datetime) else value


def trail_params(query: AuditQuery) -> dict[str, Any]:
    """The parameters of ``AUDIT_TRAIL`` for ``query`` (a condition not given: null)."""
    params = {c.asked: _param(getattr(query, c.asked)) for c in CONDITIONS}
    before = query.before if query.before is not None else (None,) * len(ORDER)
    params.update({f"before_{name}": _param(value) for name, value in zip(ORDER, before, strict=True)})
    params["limit"] = query.limit
    return params
