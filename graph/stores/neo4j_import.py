"""The Neo4j store's whole-graph import, staged so that no transaction holds the whole graph.

A whole-graph import is too big for one transaction within a small heap (a
state-sized graph needs several GB of transaction state), so it is staged: the
new nodes are written in batches under the label ``Staged`` (not ``Entity``,
so no read sees them), tagged with the import's run id, with their
relationships; then one short transaction checks that every staged node and
relationship is there and swaps the labels (old ``Entity`` nodes become
``Retired``, staged ones ``Entity``); then the retired graph is deleted in
batches. Until the swap, readers see the old graph; after it, the new one (and
a new generation). An import that dies half-way leaves only ``Staged`` or
``Retired`` nodes, which no read matches and the next import deletes first.
"""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from kimnet.graph.model.errors import StoreError
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.stores.neo4j_by_kind import by_label, by_type
from kimnet.graph.stores.neo4j_log import GENERATION_ID, NEXT_GENERATION
from kimnet.graph.stores.neo4j_values import node_params, to_neo4j

__all__ = ["BATCH", "DELETE_LEFTOVERS", "TRANSACTION_ROWS", "Batch", "import_batches", "stage", "swap", "transactions"]

#: Rows per UNWIND statement when importing a whole graph, and per transaction.
BATCH = 5_000
TRANSACTION_ROWS = 20_000

# Leftovers of imports that died (staged) or of the last swap (retired), in small transactions.
DELETE_LEFTOVERS = "MATCH (n) WHERE n:Staged OR n:Retired CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 2000 ROWS"

COUNT_STAGED = (
    "CALL () { MATCH (n:Staged {_import: $run}) RETURN count(n) AS nodes } "
    "CALL () { MATCH (:Staged {_import: $run})-[e]->() RETURN count(e) AS edges } "
    "RETURN nodes, edges"
)

RETIRE = "MATCH (n:Entity) SET n:Retired REMOVE n:Entity"

PROMOTE = "MATCH (n:Staged {_import: $run}) SET n:Entity REMOVE n:Staged, n._import"

STAGE_NODES = by_label("UNWIND $rows AS props CREATE (n:Staged:LABEL) SET n = props, n._import = $run")

STAGE_EDGES = by_type(
    "UNWIND $rows AS r MATCH (a:Staged {id: r.source}), (b:Staged {id: r.target}) "
    "WHERE a._import = $run AND b._import = $run CREATE (a)-[e:TYPE]->(b) SET e = r.props"
)

#: One staging statement and its rows.
Batch = tuple[LiteralString, list[dict[str, Any]]]


def import_batches(data: GraphData) -> list[Batch]:
    """The staging statements for ``data``, nodes first, each with at most BATCH rows."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for node in data.nodes.values():
        by_kind.setdefault(node.kind, []).append(node_params(node))
    by_rel: dict[str, list[dict[str, Any]]] = {}
    for edge in data.edges.values():
        by_rel.setdefault(edge.type, []).append({"source": edge.source, "target": edge.target, "props": to_neo4j(edge.props)})
    batches: list[Batch] = []
    for label, rows in by_kind.items():
        batches += [(STAGE_NODES[label], rows[i : i + BATCH]) for i in range(0, len(rows), BATCH)]
    for type_, rows in by_rel.items():
        batches += [(STAGE_EDGES[type_], rows[i : i + BATCH]) for i in range(0, len(rows), BATCH)]
    return batches


def transactions(batches: list[Batch]) -> list[list[Batch]]:
    """Group batches in order into transactions of at most TRANSACTION_ROWS rows (a small graph: one)."""
    groups: list[list[Batch]] = []
    size = TRANSACTION_ROWS
    for batch in batches:
        if size + len(batch[1]) > TRANSACTION_ROWS:
            groups.append([])
            size = 0
        groups[-1].append(batch)
        size += len(batch[1])
    return groups


async def stage(tx: AsyncManagedTransaction, batches: list[Batch], run: str) -> None:
    """Write ``batches`` as staged nodes and relationships of the import ``run``."""
    for statement, rows in batches:
        await (await tx.run(statement, rows=rows, run=run)).consume()


async def swap(tx: AsyncManagedTransaction, run: str, nodes: int, edges: int) -> None:
    """Put the import ``run`` in place of the graph, if all its ``nodes`` and ``edges`` are staged."""
    record = await (await tx.run(COUNT_STAGED, run=run)).single()
    staged = (record["nodes"], record["edges"]) if record else (0, 0)
    if staged != (nodes, edges):
        raise StoreError(
            f"the import is incomplete ({staged[0]} of {nodes} nodes, {staged[1]} of {edges} relationships staged), "
            "most likely because another import ran at the same time; the old graph is unchanged; load again"
        )
    await (await tx.run(RETIRE)).consume()
    await (await tx.run(PROMOTE, run=run)).consume()
    await (await tx.run(NEXT_GENERATION, id=GENERATION_ID)).consume()
