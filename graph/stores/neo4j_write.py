"""The Neo4j store's writes: one list of changes in one managed transaction, with its audit entry.

The changes are dispatched once for every store (``graph.stores.dispatch``); here
are the primitives that dispatch calls, in Cypher. Each change locks the node it
reads before it decides, so two updates of the same version cannot both win. A
write that changes something also gives the one ``Generation`` node a new random
token, last in its transaction, and logs its steps (``neo4j_log``).
"""

from __future__ import annotations

from collections.abc import Sequence

from neo4j import AsyncManagedTransaction

from kimnet.graph.model.audit import Actor, AuditEntry, AuditQuery, decode_entry, encode_entry
from kimnet.graph.model.changes import Change, steps
from kimnet.graph.model.kinds import Edge, EdgeKey, Node
from kimnet.graph.model.sidewrite import SideWrite, audit_entry
from kimnet.graph.stores import neo4j_log, neo4j_side
from kimnet.graph.stores.dispatch import apply_changes
from kimnet.graph.stores.neo4j_audit import AUDIT_TRAIL, trail_params
from kimnet.graph.stores.neo4j_by_kind import by_label, by_type
from kimnet.graph.stores.neo4j_read import GET_NODES
from kimnet.graph.stores.neo4j_values import from_neo4j, node_of, node_params, to_neo4j
from kimnet.graph.stores.store import WriteResult

__all__ = ["LOCK_NODE", "apply_in"]

CREATE_AUDIT = "CREATE (a:AuditEntry) SET a = $props"

# Setting a property takes the node's write lock; reading after it sees the last committed state.
LOCK_NODE = "MATCH (n:Entity {id: $id}) SET n._lock = true REMOVE n._lock RETURN properties(n) AS props"

UPDATE_NODE = "MATCH (n:Entity {id: $id}) SET n = $props"

# Returns the relationships it removes, so that the audit trail keeps them.
DELETE_NODE = (
    "MATCH (n:Entity {id: $id}) OPTIONAL MATCH (n)-[e]-(:Entity) "
    "WITH n, collect(CASE WHEN e IS NULL THEN null ELSE [type(e), startNode(e).id, endNode(e).id, properties(e)] END) AS removed "
    "DETACH DELETE n RETURN removed"
)

CREATE_NODE = by_label("CREATE (n:Entity:LABEL) SET n = $props")

GET_EDGE = by_type("MATCH (:Entity {id: $source})-[e:TYPE]->(:Entity {id: $target}) RETURN properties(e) AS props")

CREATE_EDGE = by_type("MATCH (a:Entity {id: $source}), (b:Entity {id: $target}) CREATE (a)-[e:TYPE]->(b) SET e = $props")

DELETE_EDGE = by_type("MATCH (:Entity {id: $source})-[e:TYPE]->(:Entity {id: $target}) DELETE e")


class _TransactionOps:
    """``dispatch.WriteOps`` in one managed transaction."""

    def __init__(self, tx: AsyncManagedTransaction) -> None:
        self._tx = tx

    async def node(self, node_id: str, *, lock: bool) -> Node | None:
        if lock:
            record = await (await self._tx.run(LOCK_NODE, id=node_id)).single()
            return node_of(node_id, record["props"]) if record else None
        record = await (await self._tx.run(GET_NODES, ids=[node_id])).single()
        rows = record["rows"] if record else []
        return node_of(node_id, rows[0][1]) if rows else None

    async def edge(self, key: EdgeKey) -> Edge | None:
        type_, source, target = key
        record = await (await self._tx.run(GET_EDGE[type_], source=source, target=target)).single()
        return Edge(type_, source, target, from_neo4j(record["props"])) if record else None

    async def last_entry_of(self, key: str) -> AuditEntry | None:
        record = await (await self._tx.run(AUDIT_TRAIL, trail_params(AuditQuery(entity=key, limit=1)))).single()
        return decode_entry(record["props"]) if record else None

    async def create_node(self, node: Node) -> None:
        await self._tx.run(CREATE_NODE[node.kind], props=node_params(node))

    async def update_node(self, node: Node) -> None:
        await self._tx.run(UPDATE_NODE, id=node.id, props=node_params(node))

    async def delete_node(self, node: Node) -> list[Edge]:
        record = await (await self._tx.run(DELETE_NODE, id=node.id)).single()
        return [Edge(t, a, b, from_neo4j(props)) for t, a, b, props in (record["removed"] if record else [])]

    async def create_edge(self, edge: Edge) -> None:
        await self._tx.run(CREATE_EDGE[edge.type], source=edge.source, target=edge.target, props=to_neo4j(edge.props))

    async def delete_edge(self, edge: Edge) -> None:
        await self._tx.run(DELETE_EDGE[edge.type], source=edge.source, target=edge.target)


async def apply_in(
    tx: AsyncManagedTransaction,
    changes: Sequence[Change],
    actor: Actor | None = None,
    side: SideWrite | None = None,
    transition: list[str] | None = None,
) -> WriteResult:
    """Apply ``changes`` in ``tx``; a change that finds its result in place (a replay) writes nothing.

    ``transition``, if given, is set to the generation the write found and the one it made
    (left empty if it changed nothing).

    With ``actor``, the audit entry of what changed is created in the same transaction,
    and with it what ``side`` records beside the graph (``graph.stores.neo4j_side``).
    """
    if side is not None:
        await neo4j_side.lock_proposal(tx, side)
    results, records = await apply_changes(_TransactionOps(tx), changes)
    entry = audit_entry(actor, changes, records, side)
    if entry is not None:
        await tx.run(CREATE_AUDIT, props=encode_entry(entry))
        await neo4j_side.record_side(tx, entry, side)
    if records:
        # Last: every writer locks this one node, and holds it only while committing, not while
        # it waits for the locks of the entities it changes (so no deadlock through it either).
        record = await (await tx.run(neo4j_log.NEXT_GENERATION_AFTER, id=neo4j_log.GENERATION_ID)).single()
        assert record is not None, "MERGE returns its node"
        found, made = str(record["before"] or ""), str(record["after"])
        await neo4j_log.log_write(tx, found, made, int(record["seq"]), steps(changes, results))
        if transition is not None:
            transition[:] = [found, made]
    elif entry is not None:
        # Beside the graph alone: no new generation, but counted, or other processes take it for a write from outside.
        await (await tx.run(neo4j_log.COUNT_SIDE_WRITE, id=neo4j_log.GENERATION_ID)).consume()
    return results
