"""The Neo4j store's audit trail statement, generated from ``graph.model.audit.TRAIL``.

``audit.TRAIL`` declares what an ``AuditQuery`` selects and in which order;
``audit.select`` applies it in Python (the embedded store) and this statement is
made from it (``neo4j_selection``), so that the two stores cannot select
differently. Entries are stored flat by ``audit.encode_entry``: the declared
fields are their property names.
"""

from __future__ import annotations

from typing import Any, LiteralString

from kimnet.graph.model.audit import TRAIL, AuditQuery
from kimnet.graph.stores.neo4j_selection import order_by, selection_params, where

__all__ = ["AUDIT_SCHEMA", "AUDIT_TRAIL", "trail_params"]

#: The audit trail lives beside the graph, under its own label (never Entity).
AUDIT_SCHEMA: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT audit_id IF NOT EXISTS FOR (a:AuditEntry) REQUIRE a.id IS UNIQUE",
    "CREATE INDEX audit_at IF NOT EXISTS FOR (a:AuditEntry) ON (a.at)",
)

#: The entries an ``AuditQuery`` selects, newest first; its parameters: ``trail_params``.
AUDIT_TRAIL: LiteralString = (
    f"MATCH (a:AuditEntry) WHERE {where('a', TRAIL)} RETURN properties(a) AS props ORDER BY {order_by('a', TRAIL)} LIMIT $limit"
)


def trail_params(query: AuditQuery) -> dict[str, Any]:
    """The parameters of ``AUDIT_TRAIL`` for ``query``."""
    return selection_params(query, TRAIL)
