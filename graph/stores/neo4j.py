"""The Neo4j store: the production backend, over the official async driver.

All Cypher lives in this module as constants with ``$parameters``. Cypher cannot
take a label or relationship type as a parameter, so the statements that need
one are built here, once, at import, for every kind that ``model.py`` declares;
a request can only pick one of them by a name that the model knows.

Every node carries the label ``Entity`` besides its kind, with a uniqueness
constraint on ``Entity.id``: one index serves every lookup by id. The version
for optimistic concurrency is the property ``_version``.

Writes run in managed transactions (the driver retries transient failures by
running the whole function again), so a list of changes is applied fully or not
at all. Each change locks the node it reads before it decides, so two updates
of the same version cannot both win.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, LiteralString, cast

import neo4j
from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction, RoutingControl
from neo4j.exceptions import AuthError, ConstraintError, ServiceUnavailable, SessionExpired

from kimnet.graph.changes import (
    Change,
    CreateNode,
    DeleteNode,
    Link,
    Unlink,
    UpdateNode,
    plan_create,
    plan_delete,
    plan_link,
    plan_unlink,
    plan_update,
)
from kimnet.graph.errors import DuplicateError, StoreUnavailableError
from kimnet.graph.graphdata import GraphData
from kimnet.graph.model import MODEL, Edge, EdgeKey, Node, Value
from kimnet.graph.store import Direction, Neighbours, Store, WriteResult
from kimnet.graph.validate import normalise_edge

__all__ = ["Neo4jStore"]

# -- statements -------------------------------------------------------------------

SCHEMA: tuple[LiteralString, ...] = ("CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",)

GET_NODES = "UNWIND $ids AS id MATCH (n:Entity {id: id}) RETURN n.id AS id, properties(n) AS props"

# Setting a property takes the node's write lock; reading after it sees the last committed state.
LOCK_NODE = "MATCH (n:Entity {id: $id}) SET n._lock = true REMOVE n._lock RETURN properties(n) AS props"

UPDATE_NODE = "MATCH (n:Entity {id: $id}) SET n = $props"

DELETE_NODE = "MATCH (n:Entity {id: $id}) DETACH DELETE n"

DELETE_ALL = "MATCH (n:Entity) DETACH DELETE n"

ALL_NODES = "MATCH (n:Entity) RETURN n.id AS id, properties(n) AS props"

ALL_EDGES = "MATCH (a:Entity)-[e]->(b:Entity) RETURN type(e) AS type, a.id AS source, b.id AS target, properties(e) AS props"

PING = "RETURN 1 AS ok"

ANY_NODE = "MATCH (n:Entity) RETURN n.id AS id LIMIT 1"


def _by_label(template: LiteralString) -> dict[str, LiteralString]:
    return {label: template.replace("LABEL", label) for label in MODEL.nodes}


def _by_type(template: LiteralString) -> dict[str, LiteralString]:
    return {type_: template.replace("TYPE", type_) for type_ in MODEL.rels}


CREATE_NODE = _by_label("CREATE (n:Entity:LABEL) SET n = $props")

CREATE_NODES = _by_label("UNWIND $rows AS props CREATE (n:Entity:LABEL) SET n = props")

NODES_OF_KIND = _by_label("MATCH (n:LABEL) RETURN n.id AS id, properties(n) AS props ORDER BY n.id")

GET_EDGE = _by_type("MATCH (:Entity {id: $source})-[e:TYPE]->(:Entity {id: $target}) RETURN properties(e) AS props")

CREATE_EDGE = _by_type("MATCH (a:Entity {id: $source}), (b:Entity {id: $target}) CREATE (a)-[e:TYPE]->(b) SET e = $props")

CREATE_EDGES = _by_type(
    "UNWIND $rows AS r MATCH (a:Entity {id: r.source}), (b:Entity {id: r.target}) CREATE (a)-[e:TYPE]->(b) SET e = r.props"
)

DELETE_EDGE = _by_type("MATCH (:Entity {id: $source})-[e:TYPE]->(:Entity {id: $target}) DELETE e")

NEIGHBOURS = {
    "out": _by_type(
        "UNWIND $ids AS id MATCH (a:Entity {id: id})-[e:TYPE]->(b:Entity) "
        "RETURN id, id AS source, b.id AS target, properties(e) AS eprops, b.id AS other, properties(b) AS props"
    ),
    "in": _by_type(
        "UNWIND $ids AS id MATCH (a:Entity {id: id})<-[e:TYPE]-(b:Entity) "
        "RETURN id, b.id AS source, id AS target, properties(e) AS eprops, b.id AS other, properties(b) AS props"
    ),
    "both": _by_type(
        "UNWIND $ids AS id MATCH (a:Entity {id: id})-[e:TYPE]-(b:Entity) "
        "RETURN id, startNode(e).id AS source, endNode(e).id AS target, properties(e) AS eprops, b.id AS other, "
        "properties(b) AS props"
    ),
}

#: Rows per UNWIND statement when importing a whole graph.
BATCH = 5_000

# -- conversions --------------------------------------------------------------------

_INTERNAL = ("id", "_version")


def _to_neo4j(props: Mapping[str, Value]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in props.items()}


def _from_neo4j(raw: Mapping[str, Any]) -> dict[str, Value]:
    props: dict[str, Value] = {}
    for key, value in raw.items():
        if key in _INTERNAL:
            continue
        if isinstance(value, neo4j.time.Date):
            value = value.to_native()
        elif isinstance(value, list):
            value = tuple(value)
        props[key] = value
    return props


def _node_params(node: Node) -> dict[str, Any]:
    return {**_to_neo4j(node.props), "id": node.id, "_version": node.version}


def _node(node_id: str, raw: Mapping[str, Any]) -> Node:
    kind = MODEL.kind_of(node_id)
    assert kind is not None, f"stored id {node_id} has no known prefix"
    return Node(kind.label, node_id, _from_neo4j(raw), int(raw.get("_version", 1)))


# -- the store -------------------------------------------------------------------


def _safe(uri: str) -> str:
    """The URI without credentials, for messages."""
    scheme, sep, rest = uri.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else uri.rpartition("@")[2]


class Neo4jStore(Store):
    """A graph in a Neo4j database, reached through an async driver."""

    name = "neo4j"

    def __init__(self, driver: AsyncDriver, database: str | None = None) -> None:
        super().__init__()
        self._driver = driver
        self._database = database

    @classmethod
    async def connect(cls, uri: str, user: str, password: str, database: str | None = None) -> Neo4jStore:
        """Open a driver, check that Neo4j answers, and create the schema if missing.

        Raises:
            StoreUnavailableError: Neo4j cannot be reached or refuses the credentials.
        """
        driver = AsyncGraphDatabase.driver(uri, auth=(user, password), connection_acquisition_timeout=10)
        store = cls(driver, database)
        try:
            # Fails at once when Neo4j is down; queries would retry for half a minute first.
            await driver.verify_connectivity()
        except AuthError as exc:
            await driver.close()
            raise StoreUnavailableError(
                f"Neo4j refused the credentials: {exc.message}; check KIMNET_NEO4J_USER and KIMNET_NEO4J_PASSWORD"
            ) from None
        except (ServiceUnavailable, SessionExpired, OSError, ValueError) as exc:
            await driver.close()
            raise StoreUnavailableError(
                f"Neo4j at {_safe(uri)} is unavailable ({exc}); start it, e.g. scripts/neo4j start"
            ) from None
        try:
            await store.ensure_schema()
        except BaseException:
            await driver.close()
            raise
        return store

    async def ensure_schema(self) -> None:
        """Create constraints and indexes that are missing (idempotent)."""
        for statement in SCHEMA:
            await self._query(statement, routing=RoutingControl.WRITE)

    async def _query(
        self, statement: LiteralString, routing: RoutingControl = RoutingControl.READ, **params: Any
    ) -> list[neo4j.Record]:
        # Reads go to any cluster member (neo4j:// routing); only schema changes need the leader.
        try:
            result = await self._driver.execute_query(statement, params, database_=self._database, routing_=routing)
        except AuthError as exc:
            raise StoreUnavailableError(
                f"Neo4j refused the credentials: {exc.message}; check KIMNET_NEO4J_USER and KIMNET_NEO4J_PASSWORD"
            ) from None
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise StoreUnavailableError(f"Neo4j is unavailable ({exc}); retry when it is up") from None
        return list(result.records)

    async def ping(self) -> None:
        await self._query(PING)

    async def close(self) -> None:
        await self._driver.close()

    # -- reads ---------------------------------------------------------------------

    async def _get_nodes(self, ids: list[str]) -> dict[str, Node]:
        return {r["id"]: _node(r["id"], r["props"]) for r in await self._query(GET_NODES, ids=ids)}

    async def _nodes_of_kind(self, label: str) -> list[Node]:
        return [_node(r["id"], r["props"]) for r in await self._query(NODES_OF_KIND[label])]

    async def _neighbours(self, ids: list[str], rel_type: str, direction: Direction) -> Neighbours:
        result: Neighbours = {}
        for r in await self._query(NEIGHBOURS[direction][rel_type], ids=ids):
            edge = Edge(rel_type, r["source"], r["target"], _from_neo4j(r["eprops"]))
            result.setdefault(r["id"], []).append((edge, _node(r["other"], r["props"])))
        return result

    async def _is_empty(self) -> bool:
        return not await self._query(ANY_NODE)

    async def _snapshot(self) -> GraphData:
        data = GraphData()
        for r in await self._query(ALL_NODES):
            data.nodes[r["id"]] = _node(r["id"], r["props"])
        for r in await self._query(ALL_EDGES):
            edge = Edge(r["type"], r["source"], r["target"], _from_neo4j(r["props"]))
            data.edges[edge.key] = edge
        return data

    # -- writes ----------------------------------------------------------------------

    async def _run_write(self, work: Any, *args: Any) -> Any:
        try:
            async with self._driver.session(database=self._database) as session:
                return await session.execute_write(work, *args)
        except AuthError as exc:
            raise StoreUnavailableError(f"Neo4j refused the credentials: {exc.message}") from None
        except ConstraintError:
            # Two writers created the same id at once; the constraint let one win.
            raise DuplicateError("an entity with this id was created at the same moment by another request") from None
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise StoreUnavailableError(f"Neo4j is unavailable ({exc}); nothing was written; retry when it is up") from None

    async def _write(self, changes: Sequence[Change]) -> WriteResult:
        return cast(WriteResult, await self._run_write(_apply_changes, changes))

    async def _replace_all(self, data: GraphData) -> None:
        await self._run_write(_import_graph, data)


async def _locked_node(tx: AsyncManagedTransaction, node_id: str) -> Node | None:
    result = await tx.run(LOCK_NODE, id=node_id)
    record = await result.single()
    return _node(node_id, record["props"]) if record else None


async def _edge(tx: AsyncManagedTransaction, key: EdgeKey) -> Edge | None:
    type_, source, target = key
    result = await tx.run(GET_EDGE[type_], source=source, target=target)
    record = await result.single()
    return Edge(type_, source, target, _from_neo4j(record["props"])) if record else None


async def _apply_changes(tx: AsyncManagedTransaction, changes: Sequence[Change]) -> WriteResult:
    results: WriteResult = []
    for change in changes:
        match change:
            case CreateNode():
                result = await tx.run(GET_NODES, ids=[change.node.id])
                record = await result.single()
                created = plan_create(change, _node(change.node.id, record["props"]) if record else None)
                await tx.run(CREATE_NODE[created.kind], props=_node_params(created))
                results.append(created)
            case UpdateNode():
                updated = plan_update(change, await _locked_node(tx, change.id))
                await tx.run(UPDATE_NODE, id=updated.id, props=_node_params(updated))
                results.append(updated)
            case DeleteNode():
                deleted = plan_delete(change, await _locked_node(tx, change.id))
                await tx.run(DELETE_NODE, id=deleted.id)
                results.append(deleted)
            case Link():
                e = change.edge
                source, target = await _locked_node(tx, e.source), await _locked_node(tx, e.target)
                existing = await _edge(tx, normalise_edge(e).key) if e.type in MODEL.rels else None
                linked = plan_link(change, source, target, existing)
                await tx.run(CREATE_EDGE[linked.type], source=linked.source, target=linked.target, props=_to_neo4j(linked.props))
                results.append(linked)
            case Unlink():
                existing = await _edge(tx, change.key) if change.type in MODEL.rels else None
                removed = plan_unlink(change, existing)
                await tx.run(DELETE_EDGE[removed.type], source=removed.source, target=removed.target)
                results.append(removed)
    return results


async def _import_graph(tx: AsyncManagedTransaction, data: GraphData) -> None:
    await (await tx.run(DELETE_ALL)).consume()
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for node in data.nodes.values():
        by_kind.setdefault(node.kind, []).append(_node_params(node))
    for label, rows in by_kind.items():
        for start in range(0, len(rows), BATCH):
            await (await tx.run(CREATE_NODES[label], rows=rows[start : start + BATCH])).consume()
    by_type: dict[str, list[dict[str, Any]]] = {}
    for edge in data.edges.values():
        by_type.setdefault(edge.type, []).append({"source": edge.source, "target": edge.target, "props": _to_neo4j(edge.props)})
    for type_, rows in by_type.items():
        for start in range(0, len(rows), BATCH):
            await (await tx.run(CREATE_EDGES[type_], rows=rows[start : start + BATCH])).consume()
