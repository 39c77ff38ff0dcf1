"""Writes made without kimnet on Neo4j: the trigger that logs them, and the read of what they touched.

Where the server has APOC Core with ``apoc.trigger.enabled=true``, ``install_trigger``
installs ``OUTSIDE_TRIGGER`` (on the system database, as an admin). It runs inside every
transaction not marked with kimnet's metadata (``neo4j_log.TX_METADATA``) and logs the
ids of the entities that transaction touched as a ``GenerationStep`` of its own
(``touched``, no ``steps``), with a new generation (``graph.stores.neo4j_log``). A
reader follows such a step by reading those entities as they are now
(``touched_now``) and putting them in place of what it held (``steplog.resync``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import neo4j
from neo4j.exceptions import Neo4jError

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.stores.neo4j_log import GENERATION_ID, KEEP
from kimnet.graph.stores.neo4j_values import from_neo4j, node_of

__all__ = [
    "ACTIVE_TRIGGERS",
    "DATABASE_NAME",
    "OUTSIDE_TRIGGER",
    "TOUCHED",
    "TRIGGER_NAME",
    "install_trigger",
    "touched_now",
]

log = logging.getLogger(__name__)

#: A statement run with its parameters, answering records (the store's ``_query`` or ``_system``).
Run = Callable[..., Awaitable[list[neo4j.Record]]]

TRIGGER_NAME = "kimnet_outside_writes"

# APOC trigger statement (phase "before": inside the writer's transaction, so its step commits with
# it or not at all). $id and $keep are the trigger's params: GENERATION_ID and KEEP.
#
# The touched entities: nodes created, changed (properties, labels) or deleted, and both ends of
# relationships created, changed or deleted; of those, the ones that are or were an Entity. A
# property or label of a node deleted in the transaction cannot be read (Neo4j would fail the
# writer's transaction): nodes are taken by element id (safe on deleted ones too), the deleted
# are set apart, and only the others are looked at. A deleted node's id comes from its removed
# properties, and a deleted node's labels are among the removed ones ($removedLabels.Entity).
# Linear in the transaction's size (APOC's set operations, seeks by element id): an ETL's bulk
# transaction must not pay for the trigger quadratically.
#
# kimnet's own transactions are passed by at once (no row), and so, after the one row that an
# aggregate over none makes, by the WHERE. A transaction that touched no Entity is counted beside
# the steps (as kimnet counts its writes beside the graph: the commit check finds it explained),
# without a new generation.
OUTSIDE_TRIGGER = """
UNWIND CASE WHEN coalesce($metaData.app, '') = 'kimnet' THEN [] ELSE [1] END AS outside
WITH [n IN $deletedNodes | elementId(n)] AS gone,
     [n IN coalesce($removedLabels.Entity, []) | elementId(n)] AS unlabelled,
     apoc.map.fromPairs([p IN coalesce($removedNodeProperties.id, []) | [elementId(p.node), p.old]]) AS oldIds,
     [n IN $createdNodes | elementId(n)]
     + reduce(a = [], k IN keys($assignedNodeProperties) | a + [p IN $assignedNodeProperties[k] | elementId(p.node)])
     + reduce(a = [], k IN keys($removedNodeProperties) | a + [p IN $removedNodeProperties[k] | elementId(p.node)])
     + reduce(a = [], k IN keys($assignedLabels) | a + [n IN $assignedLabels[k] | elementId(n)])
     + reduce(a = [], k IN keys($removedLabels) | a + [n IN $removedLabels[k] | elementId(n)])
     + [r IN $createdRelationships + $deletedRelationships | elementId(startNode(r))]
     + [r IN $createdRelationships + $deletedRelationships | elementId(endNode(r))]
     + reduce(a = [], k IN keys($assignedRelationshipProperties) |
         a + [p IN $assignedRelationshipProperties[k] | elementId(startNode(p.relationship))]
           + [p IN $assignedRelationshipProperties[k] | elementId(endNode(p.relationship))])
     + reduce(a = [], k IN keys($removedRelationshipProperties) |
         a + [p IN $removedRelationshipProperties[k] | elementId(startNode(p.relationship))]
           + [p IN $removedRelationshipProperties[k] | elementId(endNode(p.relationship))])
     AS candidates
WITH apoc.coll.subtract(candidates, gone) AS alive,
     apoc.coll.subtract(unlabelled, gone) AS stripped,
     [e IN apoc.coll.intersection(gone, unlabelled) + apoc.coll.subtract(keys(oldIds), gone) | oldIds[e]]
     + [p IN coalesce($assignedNodeProperties.id, []) | p.old] AS goneIds
OPTIONAL MATCH (n) WHERE elementId(n) IN alive AND (n:Entity OR elementId(n) IN stripped)
WITH goneIds, collect(n.id) AS live
UNWIND goneIds + live + [null] AS id
WITH collect(DISTINCT id) AS touched
WHERE coalesce($metaData.app, '') <> 'kimnet'
MERGE (g:Generation {id: $id}) SET g.locked = true
WITH g, touched, g.token AS before, coalesce(g.seq, 0) + 1 AS seq, randomUUID() AS after
FOREACH (_ IN CASE WHEN size(touched) = 0 THEN [1] ELSE [] END | SET g.sides = coalesce(g.sides, 0) + 1)
FOREACH (_ IN CASE WHEN size(touched) > 0 THEN [1] ELSE [] END |
  SET g.token = after, g.seq = seq
  CREATE (:GenerationStep {before: before, after: after, seq: seq, touched: touched}))
REMOVE g.locked
WITH seq, touched WHERE size(touched) > 0
OPTIONAL MATCH (old:GenerationStep) WHERE old.seq <= seq - $keep
DELETE old
"""

# On the system database. Installed anew only when missing or different (each install makes every
# server reload its triggers).
INSTALLED_TRIGGERS = "CALL apoc.trigger.show($database) YIELD name, query, params RETURN name, query, params"
INSTALL_TRIGGER = (
    "CALL apoc.trigger.install($database, $name, $statement, {phase: 'before'}, {params: $params}) YIELD name RETURN name"
)
# On the database: the triggers that run (an installed one runs after APOC's next refresh).
ACTIVE_TRIGGERS = "CALL apoc.trigger.list() YIELD name, paused RETURN name, paused"

DATABASE_NAME = "CALL db.info() YIELD name RETURN name"

# The entities a step from outside touched, as they are now: one row of [id, properties, outgoing,
# incoming]; an id that is no Entity now is missing from it.
TOUCHED = (
    "UNWIND $ids AS id MATCH (n:Entity {id: id}) "
    "RETURN collect([id, properties(n), "
    "[(n)-[e]->(b:Entity) | [type(e), b.id, properties(e)]], "
    "[(n)<-[e]-(a:Entity) | [type(e), a.id, properties(e)]]]) AS rows"
)


async def install_trigger(query: Run, system: Run, database: str | None) -> bool:
    """Install the trigger where missing or different, if the server lets us; whether it is installed.

    It needs APOC with ``apoc.trigger.enabled=true`` and a user allowed to install
    triggers (an admin). Without it, kimnet notices writes made without it by the
    commit check alone and reads the whole graph for them (``graph.read.readcache``).
    """
    params = {"id": GENERATION_ID, "keep": KEEP}
    try:
        name = database or str((await query(DATABASE_NAME))[0]["name"])
        installed = await system(INSTALLED_TRIGGERS, database=name)
        if not any((r["name"], r["query"], r["params"]) == (TRIGGER_NAME, OUTSIDE_TRIGGER, params) for r in installed):
            await system(INSTALL_TRIGGER, database=name, name=TRIGGER_NAME, statement=OUTSIDE_TRIGGER, params=params)
    except Neo4jError as exc:
        log.info("writes made without kimnet are noticed by the commit check alone (no trigger: %s)", exc.message)
        return False
    return True


async def touched_now(rows: Callable[..., Awaitable[list[list[Any]]]], ids: list[str]) -> dict[str, tuple[Node, list[Edge]]]:
    """The nodes of ``ids`` that are entities now, each with all its relationships (of the model's types)."""
    found: dict[str, tuple[Node, list[Edge]]] = {}
    for node_id, props, outgoing, incoming in await rows(TOUCHED, ids=ids):
        if MODEL.kind_of(node_id) is None:
            continue
        edges = [
            Edge(t, s, e, from_neo4j(p))
            for t, s, e, p in [*((t, node_id, b, p) for t, b, p in outgoing), *((t, a, node_id, p) for t, a, p in incoming)]
            if t in MODEL.rels and MODEL.kind_of(s) is not None and MODEL.kind_of(e) is not None
        ]
        found[node_id] = (node_of(node_id, props), edges)
    return found
