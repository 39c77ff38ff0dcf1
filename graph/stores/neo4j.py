"""The Neo4j store: the production backend, over the official async driver.

All Cypher lives in this module as constants with ``$parameters``, except the
tree statement of ``read_trees``, which ``neo4j_trees`` builds from a shape.
Cypher cannot take a label or relationship type as a parameter, so the
statements that need one are built here, once, at import, for every kind that
``model.py`` declares; a request can only pick one of them by a name that the
model knows.

Every node carries the label ``Entity`` besides its kind, with a uniqueness
constraint on ``Entity.id``: one index serves every lookup by id. The version
for optimistic concurrency is the property ``_version``.

Writes run in managed transactions (the driver retries transient failures by
running the whole function again), so a list of changes is applied fully or not
at all. Each change locks the node it reads before it decides, so two updates
of the same version cannot both win. A write that changes something also gives
the one ``Generation`` node a new random token, last in its transaction; read
caches in every process compare it (``Store.generation``, ``graph.readcache``).

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

import asyncio
import contextlib
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, LiteralString, cast

import neo4j
from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction, AsyncSession, Query, RoutingControl, unit_of_work
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConnectionAcquisitionTimeoutError,
    ConstraintError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from kimnet.graph.audit import (
    Actor,
    AuditChange,
    AuditEntry,
    AuditQuery,
    change_record,
    decode_entry,
    delete_records,
    deleted_node,
    encode_entry,
    timestamp,
)
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
    steps,
)
from kimnet.graph.errors import DuplicateError, StoreError, StoreTimeoutError, StoreUnavailableError
from kimnet.graph.freshness import Freshness
from kimnet.graph.graphdata import GraphData
from kimnet.graph.model import MODEL, Edge, EdgeKey, Node, Value
from kimnet.graph.proposals import Proposal, ProposalQuery
from kimnet.graph.sidewrite import SideWrite, audit_entry
from kimnet.graph.store import Direction, Neighbours, Progress, Store, WriteResult, Written
from kimnet.graph.stores import neo4j_log, neo4j_side
from kimnet.graph.stores.neo4j_trees import tree_days, tree_statement
from kimnet.graph.stores.steplog import decode_steps
from kimnet.graph.trees import Follow, Reached, Shape
from kimnet.graph.validate import normalise_edge

__all__ = ["Neo4jStore"]

# -- statements -------------------------------------------------------------------

SCHEMA: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",
    # Staged nodes have no Entity label yet; their relationships find them by id through this index.
    "CREATE INDEX staged_id IF NOT EXISTS FOR (n:Staged) ON (n.id)",
    # The audit trail lives beside the graph, under its own label (never Entity).
    "CREATE CONSTRAINT audit_id IF NOT EXISTS FOR (a:AuditEntry) REQUIRE a.id IS UNIQUE",
    "CREATE INDEX audit_at IF NOT EXISTS FOR (a:AuditEntry) ON (a.at)",
    # The store's generation (one node, never Entity): concurrent first writes must MERGE one, not two.
    "CREATE CONSTRAINT generation_id IF NOT EXISTS FOR (g:Generation) REQUIRE g.id IS UNIQUE",
    *neo4j_side.SIDE_SCHEMA,
    *neo4j_log.LOG_SCHEMA,
    "CALL db.awaitIndexes(300)",
)

CREATE_AUDIT = "CREATE (a:AuditEntry) SET a = $props"

# Store.generation: a token on one node, made anew in every write transaction that changes the
# graph and in the import's swap. A random token, not a counter: should the node ever be lost,
# a counter would start again at a value some process has cached.
GENERATION_ID = "graph"

NEXT_GENERATION = "MERGE (g:Generation {id: $id}) SET g.token = randomUUID()"

# The same in a write through kimnet, telling the token it replaced. The first SET takes the node's
# lock, so the token read after it is the one the last committed writer left (read before the
# lock, two concurrent writers could both name one token as theirs to follow, and a cache
# following them would skip one write).
NEXT_GENERATION_AFTER = (
    "MERGE (g:Generation {id: $id}) SET g.locked = true "
    "WITH g, g.token AS before, coalesce(g.seq, 0) + 1 AS seq "
    "SET g.token = randomUUID(), g.seq = seq REMOVE g.locked "
    "RETURN before, g.token AS after, seq"
)

GENERATION = "MATCH (g:Generation {id: $id}) RETURN g.token AS token"

# At start, so that reading it finds the label and properties (Neo4j warns of unknown ones). Writes
# only what is missing: a write at a worker's start would look like a write from outside to the others.
FIRST_GENERATION = (
    "MERGE (g:Generation {id: $id}) ON CREATE SET g.token = randomUUID() WITH g WHERE g.sides IS NULL SET g.sides = 0"
)

AUDIT_TRAIL = (
    "MATCH (a:AuditEntry) "
    "WHERE ($subject IS NULL OR a.subject = $subject) AND ($entity IS NULL OR $entity IN a.entities) "
    "AND ($operation IS NULL OR a.operation = $operation) AND ($since IS NULL OR a.at >= $since) "
    "AND ($until IS NULL OR a.at <= $until) "
    "AND ($before_at IS NULL OR a.at < $before_at OR (a.at = $before_at AND a.id < $before_id)) "
    "RETURN properties(a) AS props ORDER BY a.at DESC, a.id DESC LIMIT $limit"
)

# Reads return ONE row holding a list: the driver spends about 35 µs on every row it
# receives (asyncio reads per message), while a list inside one row decodes in one go.
GET_NODES = "UNWIND $ids AS id MATCH (n:Entity {id: id}) RETURN collect([n.id, properties(n)]) AS rows"

# Setting a property takes the node's write lock; reading after it sees the last committed state.
LOCK_NODE = "MATCH (n:Entity {id: $id}) SET n._lock = true REMOVE n._lock RETURN properties(n) AS props"

UPDATE_NODE = "MATCH (n:Entity {id: $id}) SET n = $props"

# Returns the relationships it removes, so that the audit trail keeps them.
DELETE_NODE = (
    "MATCH (n:Entity {id: $id}) OPTIONAL MATCH (n)-[e]-(:Entity) "
    "WITH n, collect(CASE WHEN e IS NULL THEN null ELSE [type(e), startNode(e).id, endNode(e).id, properties(e)] END) AS removed "
    "DETACH DELETE n RETURN removed"
)

# The newest audit entry naming an entity: asked only when a delete finds the entity gone.
LAST_AUDIT_OF = "MATCH (a:AuditEntry) WHERE $id IN a.entities RETURN properties(a) AS props ORDER BY a.at DESC, a.id DESC LIMIT 1"

# Leftovers of imports that died (staged) or of the last swap (retired), in small transactions.
DELETE_LEFTOVERS = "MATCH (n) WHERE n:Staged OR n:Retired CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 2000 ROWS"

COUNT_STAGED = (
    "CALL () { MATCH (n:Staged {_import: $run}) RETURN count(n) AS nodes } "
    "CALL () { MATCH (:Staged {_import: $run})-[e]->() RETURN count(e) AS edges } "
    "RETURN nodes, edges"
)

RETIRE = "MATCH (n:Entity) SET n:Retired REMOVE n:Entity"

PROMOTE = "MATCH (n:Staged {_import: $run}) SET n:Entity REMOVE n:Staged, n._import"

ALL_NODES = "MATCH (n:Entity) RETURN n.id AS id, properties(n) AS props"

ALL_EDGES = "MATCH (a:Entity)-[e]->(b:Entity) RETURN type(e) AS type, a.id AS source, b.id AS target, properties(e) AS props"

PING = "RETURN 1 AS ok"

ANY_NODE = "MATCH (n:Entity) RETURN n.id AS id LIMIT 1"


def _by_label(template: LiteralString) -> dict[str, LiteralString]:
    return {label: template.replace("LABEL", label) for label in MODEL.nodes}


def _by_type(template: LiteralString) -> dict[str, LiteralString]:
    return {type_: template.replace("TYPE", type_) for type_ in MODEL.rels}


CREATE_NODE = _by_label("CREATE (n:Entity:LABEL) SET n = $props")

STAGE_NODES = _by_label("UNWIND $rows AS props CREATE (n:Staged:LABEL) SET n = props, n._import = $run")

# Entity as well as the kind: staged and retired nodes have the kind label too.
EDGES_OF_TYPE = _by_type("MATCH (a:Entity)-[e:TYPE]->(b:Entity) RETURN collect([a.id, b.id, properties(e)]) AS rows")

NODES_OF_KIND = _by_label("MATCH (n:Entity:LABEL) WITH n ORDER BY n.id RETURN collect([n.id, properties(n)]) AS rows")

GET_EDGE = _by_type("MATCH (:Entity {id: $source})-[e:TYPE]->(:Entity {id: $target}) RETURN properties(e) AS props")

CREATE_EDGE = _by_type("MATCH (a:Entity {id: $source}), (b:Entity {id: $target}) CREATE (a)-[e:TYPE]->(b) SET e = $props")

STAGE_EDGES = _by_type(
    "UNWIND $rows AS r MATCH (a:Staged {id: r.source}), (b:Staged {id: r.target}) "
    "WHERE a._import = $run AND b._import = $run CREATE (a)-[e:TYPE]->(b) SET e = r.props"
)

DELETE_EDGE = _by_type("MATCH (:Entity {id: $source})-[e:TYPE]->(:Entity {id: $target}) DELETE e")

NEIGHBOURS = {
    # Each entry: [asked id, source id, target id, relationship properties, other id, other properties].
    "out": _by_type(
        "UNWIND $ids AS id MATCH (a:Entity {id: id})-[e:TYPE]->(b:Entity) "
        "RETURN collect([id, id, b.id, properties(e), b.id, properties(b)]) AS rows"
    ),
    "in": _by_type(
        "UNWIND $ids AS id MATCH (a:Entity {id: id})<-[e:TYPE]-(b:Entity) "
        "RETURN collect([id, b.id, id, properties(e), b.id, properties(b)]) AS rows"
    ),
    "both": _by_type(
        "UNWIND $ids AS id MATCH (a:Entity {id: id})-[e:TYPE]-(b:Entity) "
        "RETURN collect([id, startNode(e).id, endNode(e).id, properties(e), b.id, properties(b)]) AS rows"
    ),
}


def _reached_below(
    parent: Reached,
    shape: Shape,
    links: list[list[Any]],
    nested_of: dict[Follow, list[tuple[str, Shape]]],
    reached: dict[tuple[int, str], Reached],
) -> None:
    """Fill ``parent``'s links from the rows a tree statement returned for it.

    ``nested_of``: per follow, the kinds below it with follows of their own (worked out
    once per read, not once per row). ``reached``: per place in the shape (a follow
    object: plans make one per place) and node, the node as read there with its tree:
    one statement reads a node reached at one place the same each time (a town's
    providers come once per offer they provide), so it is made once and shared.
    """
    # Runs once per row of an answer (thousands): the loop's lookups are hoisted out of it.
    node_id = parent.node.id
    for follow, rows in zip(shape.follows, links, strict=True):
        found: list[tuple[Edge, Reached]] = []
        parent.links[follow] = found
        rel_type, direction = follow.rel_type, follow.direction
        nested_kinds = nested_of.get(follow)
        if nested_kinds is None:
            nested_kinds = nested_of[follow] = [
                (label, below) for label, below in follow.below if below.follows and label in MODEL.nodes
            ]
        place = id(follow)
        for other, props, eprops, start, nested in rows:
            if direction == "out":
                source, target = node_id, other
            elif direction == "in":
                source, target = other, node_id
            else:
                source, target = start, other if start == node_id else node_id
            child = reached.get((place, other))
            if child is None:
                child = reached[(place, other)] = Reached(_node(other, props), {})
                if nested_kinds:
                    kind = child.node.kind
                    for (label, below), below_links in zip(nested_kinds, nested, strict=True):
                        if below_links is not None and kind == label:
                            _reached_below(child, below, below_links, nested_of, reached)
            # Without its validity (tested in the statement) unless asked for: keep_valid keeps it.
            found.append((Edge(rel_type, source, target, _from_neo4j(eprops) if eprops else {}), child))


#: Connections the driver keeps at most; a transaction holds one while it runs.
POOL_SIZE = 100

#: Failures that mean "Neo4j cannot serve now" once the driver has retried for its retry time:
#: down, restarting (DatabaseUnavailable is transient), or every pooled connection busy.
_UNAVAILABLE = (ServiceUnavailable, SessionExpired, TransientError, ConnectionAcquisitionTimeoutError, OSError)

#: Whole-kind reads (nodes_of_kind, edges) that one process runs at the same time.
BULK_READS = 2

#: Rows per UNWIND statement when importing a whole graph, and per transaction.
BATCH = 5_000
TRANSACTION_ROWS = 20_000

# -- conversions --------------------------------------------------------------------

_INTERNAL = ("id", "_version")


def _to_neo4j(props: Mapping[str, Value]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in props.items()}


_PLAIN = (str, int, float, bool)


def _from_neo4j(raw: Mapping[str, Any]) -> dict[str, Value]:
    # Runs once per node and relationship read (tens of thousands for a whole-network
    # question), so the common cases go first: no properties, and plain scalars.
    if not raw:
        return {}
    props: dict[str, Value] = {}
    for key, value in raw.items():
        if type(value) in _PLAIN:
            if key not in _INTERNAL:
                props[key] = value
        elif isinstance(value, neo4j.time.Date):
            props[key] = value.to_native()
        elif isinstance(value, list):
            props[key] = tuple(value)
        elif key not in _INTERNAL:
            props[key] = value
    return props


def _node_params(node: Node) -> dict[str, Any]:
    return {**_to_neo4j(node.props), "id": node.id, "_version": node.version}


def _node(node_id: str, raw: Mapping[str, Any], label: str | None = None) -> Node:
    if label is None:
        kind = MODEL.kind_of(node_id)
        assert kind is not None, f"stored id {node_id} has no known prefix"
        label = kind.label
    return Node(label, node_id, _from_neo4j(raw), int(raw.get("_version", 1)))


# -- the store -------------------------------------------------------------------


def _safe(uri: str) -> str:
    """The URI without credentials, for messages."""
    scheme, sep, rest = uri.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else uri.rpartition("@")[2]


class Neo4jStore(Store):
    """A graph in a Neo4j database, reached through an async driver."""

    name = "neo4j"
    # Tree statements test validity and order each list themselves (see tree_statement).
    trees_kept = True

    def __init__(self, driver: AsyncDriver, database: str | None = None, timeout: float | None = None) -> None:
        super().__init__()
        self._driver = driver
        self._database = database
        #: Seconds after which Neo4j ends a request's transaction; None: the server's setting.
        self.timeout = timeout
        #: Transactions running now, each holding a pooled connection (for metrics).
        self.in_flight = 0
        self.pool_size = POOL_SIZE
        # Whole-kind reads collect tens of thousands of entries in one row: a few at a time, or
        # thirty-two coverage reports at once exhaust Neo4j's transaction memory (seen at state scale).
        self._bulk = asyncio.Semaphore(BULK_READS)

    @classmethod
    def open(cls, uri: str, user: str, password: str, database: str | None = None, tx_timeout: float | None = None) -> Neo4jStore:
        """Make a store over a new driver without contacting Neo4j.

        The driver connects on first use and reconnects by itself after Neo4j
        restarts; ``ping`` and ``ensure_schema`` tell when it is there. Neo4j ends
        a request's transaction after ``tx_timeout`` seconds, and the driver
        retries a transiently failed one for as long (30 s without).

        Raises:
            StoreUnavailableError: the URI is not one the driver can use.
        """
        try:
            driver = AsyncGraphDatabase.driver(
                uri,
                auth=(user, password),
                connection_acquisition_timeout=10,
                max_connection_pool_size=POOL_SIZE,
                max_transaction_retry_time=tx_timeout if tx_timeout is not None else 30.0,
            )
        except ValueError as exc:
            raise StoreUnavailableError(
                f"{_safe(uri)} is not a Neo4j URI ({exc}); use bolt://host:port or neo4j://host:port"
            ) from None
        return cls(driver, database, tx_timeout)

    @classmethod
    async def connect(
        cls, uri: str, user: str, password: str, database: str | None = None, tx_timeout: float | None = None
    ) -> Neo4jStore:
        """Open a driver, check that Neo4j answers, and create the schema if missing.

        Raises:
            StoreUnavailableError: Neo4j cannot be reached or refuses the credentials.
        """
        store = cls.open(uri, user, password, database, tx_timeout)
        driver = store._driver
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
        """Create constraints, indexes and the generation node where missing (idempotent)."""
        for statement in SCHEMA:
            await self._query(statement, routing=RoutingControl.WRITE)
        await self._query(FIRST_GENERATION, routing=RoutingControl.WRITE, id=GENERATION_ID)

    async def _query(
        self, statement: LiteralString, routing: RoutingControl = RoutingControl.READ, **params: Any
    ) -> list[neo4j.Record]:
        # Reads go to any cluster member (neo4j:// routing); only schema changes need the leader.
        self.in_flight += 1
        try:
            query = Query(statement, timeout=self.timeout)
            result = await self._driver.execute_query(query, params, database_=self._database, routing_=routing)
        except AuthError as exc:
            raise StoreUnavailableError(
                f"Neo4j refused the credentials: {exc.message}; check KIMNET_NEO4J_USER and KIMNET_NEO4J_PASSWORD"
            ) from None
        except ClientError as exc:
            if _timed_out(exc):
                raise self._timeout_error() from None
            raise
        except _UNAVAILABLE as exc:
            raise StoreUnavailableError(f"Neo4j is unavailable ({exc}); retry when it is up") from None
        finally:
            self.in_flight -= 1
        return list(result.records)

    def _timeout_error(self) -> StoreTimeoutError:
        return StoreTimeoutError(
            f"the database ended the transaction after {self.timeout:g} s (KIMNET_NEO4J_TIMEOUT); "
            "ask for less (smaller pages, fewer nested lists) or retry when the database is less busy"
        )

    async def ping(self) -> None:
        await self._query(PING)

    async def close(self) -> None:
        await self._driver.close()

    # -- reads ---------------------------------------------------------------------

    async def _rows(self, statement: LiteralString, **params: Any) -> list[list[Any]]:
        """The list that a one-row statement returns in ``rows``."""
        records = await self._query(statement, **params)
        return cast(list[list[Any]], records[0]["rows"]) if records else []

    async def _get_nodes(self, ids: list[str]) -> dict[str, Node]:
        return {node_id: _node(node_id, props) for node_id, props in await self._rows(GET_NODES, ids=ids)}

    async def _nodes_of_kind(self, label: str) -> list[Node]:
        async with self._bulk:
            rows = await self._rows(NODES_OF_KIND[label])
        return [_node(node_id, props, label) for node_id, props in rows]

    async def _edges(self, rel_type: str) -> list[Edge]:
        async with self._bulk:
            rows = await self._rows(EDGES_OF_TYPE[rel_type])
        return [Edge(rel_type, source, target, _from_neo4j(props)) for source, target, props in rows]

    async def _neighbours(self, ids: list[str], rel_type: str, direction: Direction) -> Neighbours:
        result: Neighbours = {}
        for asked, source, target, eprops, other, props in await self._rows(NEIGHBOURS[direction][rel_type], ids=ids):
            edge = Edge(rel_type, source, target, _from_neo4j(eprops))
            result.setdefault(asked, []).append((edge, _node(other, props)))
        return result

    async def _read_trees(self, ids: list[str], shape: Shape, day: dt.date | None) -> list[Reached]:
        # One round trip for the roots and the whole tree, whatever its depth (the base store
        # takes one per level).
        self.round_trips += 1
        found: dict[str, Reached] = {}
        params: dict[str, Any] = {"ids": ids, **tree_days(shape, day)}
        nested_of: dict[Follow, list[tuple[str, Shape]]] = {}
        reached: dict[tuple[int, str], Reached] = {}
        for record in await self._query(tree_statement(shape), **params):
            root = found[record["id"]] = Reached(_node(record["id"], record["props"]))
            _reached_below(root, shape, record["links"], nested_of, reached)
        return [found[i] for i in ids if i in found]

    async def _generation(self) -> str:
        records = await self._query(GENERATION, id=GENERATION_ID)
        # No node: a database that no kimnet has prepared (ensure_schema) or written to yet.
        return str(records[0]["token"]) if records else ""

    async def commit_mark(self) -> tuple[int, int] | None:
        self.round_trips += 1
        try:
            async with self._session() as session:
                result = await session.run(Query(neo4j_log.WRITES_COUNTED, timeout=self.timeout), id=GENERATION_ID)
                record = await result.single()
                bookmarks = await session.last_bookmarks()
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError):
            return None  # tells nothing; the next check asks again
        ids = [i for i in map(neo4j_log.transaction_id, bookmarks.raw_values) if i is not None]
        return (max(ids), int(record["seq"])) if ids and record is not None else None

    async def writes_since(self, generation: str) -> list[Written]:
        self.round_trips += 1
        records = await self._query(neo4j_log.WRITES_SINCE, generation=generation, limit=neo4j_log.KEEP)
        return [Written(r["before"], r["after"], decode_steps(r["steps"])) for r in records]

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

    def _session(self) -> AsyncSession:
        # Sessions share the bookmarks of execute_query, so in a cluster a read that follows
        # a write waits until the member it reaches has that write (read your own writes).
        return self._driver.session(database=self._database, bookmark_manager=self._driver.execute_query_bookmark_manager)

    async def _run_write(self, work: Any, *args: Any) -> Any:
        try:
            async with self._session() as session:
                return await session.execute_write(work, *args)
        except AuthError as exc:
            raise StoreUnavailableError(f"Neo4j refused the credentials: {exc.message}") from None
        except ConstraintError:
            # Two writers created the same id at once; the constraint let one win.
            raise DuplicateError("an entity with this id was created at the same moment by another request") from None
        except IncompleteCommit:
            raise  # the caller decides: see _write
        except _UNAVAILABLE as exc:
            raise StoreUnavailableError(
                f"Neo4j is unavailable ({exc}); retry when it is up: a write that landed is not applied twice"
            ) from None

    async def _write(self, changes: Sequence[Change], actor: Actor | None, side: SideWrite | None = None) -> WriteResult:
        transition: list[str] = []

        @unit_of_work(timeout=self.timeout)
        async def work(tx: AsyncManagedTransaction) -> WriteResult:
            transition.clear()  # the driver may run it again after a transient failure
            return await _apply_changes(tx, changes, actor, side, transition)

        self.in_flight += 1
        try:
            for attempt in range(2):
                try:
                    results = cast(WriteResult, await self._run_write(work))
                    if transition:
                        self._written(transition[0], transition[1], changes, results)
                    return results
                except IncompleteCommit:
                    # The commit may or may not have landed. Running it again is safe: a write
                    # that landed finds its changes in place and writes (and audits) nothing.
                    if attempt:
                        raise StoreUnavailableError(
                            "Neo4j lost the connection while committing; retry: a write that landed is not applied twice"
                        ) from None
                except ClientError as exc:
                    if _timed_out(exc):
                        raise self._timeout_error() from None
                    raise
            raise AssertionError("unreachable")
        finally:
            self.in_flight -= 1

    async def _audit_trail(self, query: AuditQuery) -> list[AuditEntry]:
        before_at, before_id = (timestamp(query.before[0]), query.before[1]) if query.before else (None, None)
        records = await self._query(
            AUDIT_TRAIL,
            subject=query.subject,
            entity=query.entity,
            operation=query.operation,
            since=timestamp(query.since) if query.since else None,
            until=timestamp(query.until) if query.until else None,
            before_at=before_at,
            before_id=before_id,
            limit=query.limit,
        )
        return [decode_entry(r["props"]) for r in records]

    async def _proposals(self, query: ProposalQuery) -> list[Proposal]:
        return await neo4j_side.proposals(self._query, query)

    async def _freshness(self, ids: list[str] | None) -> dict[str, Freshness]:
        return await neo4j_side.freshness(self._query, ids)

    async def _run_auto(self, statement: LiteralString) -> None:
        """Run a statement in an auto-commit transaction (needed for CALL ... IN TRANSACTIONS)."""
        try:
            async with self._session() as session:
                await (await session.run(statement)).consume()
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise StoreUnavailableError(f"Neo4j is unavailable ({exc}); retry when it is up") from None
        except Neo4jError as exc:
            # Most likely another import clearing the same leftovers at the same time.
            raise StoreError(
                f"the import could not clear the leftovers of earlier imports ({exc.message}); "
                "is another import running? The graph is unchanged; load again"
            ) from None

    async def _replace_all(self, data: GraphData, progress: Progress) -> None:
        run = uuid.uuid4().hex
        batches = _import_batches(data)
        total = sum(len(rows) for _, rows in batches)
        progress(0, total)
        await self._run_auto(DELETE_LEFTOVERS)
        done = 0
        try:
            for chunk in _transactions(batches):
                await self._run_write(_stage, chunk, run)
                done += sum(len(rows) for _, rows in chunk)
                progress(done, total)
            await self._run_write(_swap, run, len(data.nodes), len(data.edges))
        except DuplicateError:
            # Another import swapped in at the same moment: its graph stands, whole; this one is dropped.
            raise StoreError("another import replaced the graph at the same moment; its graph stands; load again") from None
        except ClientError as exc:
            # Another import cleared this one's staged nodes under it: nothing was swapped.
            raise StoreError(
                f"the import was disturbed ({exc.message}), most likely by another import at the same time; "
                "the graph is unchanged; load again"
            ) from None
        # The new graph is in place; the old one is invisible and goes in small transactions.
        # If that fails (another import is clearing too), the next import clears what is left.
        with contextlib.suppress(StoreError):
            await self._run_auto(DELETE_LEFTOVERS)


async def _locked_node(tx: AsyncManagedTransaction, node_id: str) -> Node | None:
    result = await tx.run(LOCK_NODE, id=node_id)
    record = await result.single()
    return _node(node_id, record["props"]) if record else None


async def _edge(tx: AsyncManagedTransaction, key: EdgeKey) -> Edge | None:
    type_, source, target = key
    result = await tx.run(GET_EDGE[type_], source=source, target=target)
    record = await result.single()
    return Edge(type_, source, target, _from_neo4j(record["props"])) if record else None


def _timed_out(exc: ClientError) -> bool:
    # TransactionTimedOut(ClientConfiguration): the server ended it while it ran;
    # LockClientStopped: ... while it waited for a lock.
    code = exc.code or ""
    return "TransactionTimedOut" in code or code.endswith("Transaction.LockClientStopped")


async def _apply_changes(
    tx: AsyncManagedTransaction,
    changes: Sequence[Change],
    actor: Actor | None = None,
    side: SideWrite | None = None,
    transition: list[str] | None = None,
) -> WriteResult:
    """Apply ``changes``; a change that finds its result in place (a replay) writes nothing.

    ``transition``, if given, is set to the generation the write found and the one it made
    (left empty if it changed nothing).

    With ``actor``, the audit entry of what changed is created in the same transaction,
    and with it what ``side`` records beside the graph (``graph.stores.neo4j_side``).
    """
    if side is not None:
        await neo4j_side.lock_proposal(tx, side)
    results: WriteResult = []
    records: list[AuditChange | None] = []
    for change in changes:
        match change:
            case CreateNode():
                result = await tx.run(GET_NODES, ids=[change.node.id])
                record = await result.single()
                rows = record["rows"] if record else []
                before = _node(change.node.id, rows[0][1]) if rows else None
                created = plan_create(change, before)
                if created is not before:
                    await tx.run(CREATE_NODE[created.kind], props=_node_params(created))
                results.append(created)
                records.append(change_record(change, before, created))
            case UpdateNode():
                before = await _locked_node(tx, change.id)
                updated = plan_update(change, before)
                if updated is not before:
                    await tx.run(UPDATE_NODE, id=updated.id, props=_node_params(updated))
                results.append(updated)
                records.append(change_record(change, before, updated))
            case DeleteNode():
                current = await _locked_node(tx, change.id)
                gone = None
                if current is None:
                    last = await (await tx.run(LAST_AUDIT_OF, id=change.id)).single()
                    gone = deleted_node(decode_entry(last["props"]) if last else None, change.id)
                deleted = plan_delete(change, current, gone)
                results.append(deleted)
                if current is not None:
                    row = await (await tx.run(DELETE_NODE, id=deleted.id)).single()
                    ties = [Edge(t, a, b, _from_neo4j(props)) for t, a, b, props in (row["removed"] if row else [])]
                    records += delete_records(change, deleted, ties)
            case Link():
                e = change.edge
                source, target = await _locked_node(tx, e.source), await _locked_node(tx, e.target)
                existing = await _edge(tx, normalise_edge(e).key) if e.type in MODEL.rels else None
                linked = plan_link(change, source, target, existing)
                if linked is not existing:
                    await tx.run(
                        CREATE_EDGE[linked.type], source=linked.source, target=linked.target, props=_to_neo4j(linked.props)
                    )
                results.append(linked)
                records.append(change_record(change, existing, linked))
            case Unlink():
                existing = await _edge(tx, change.key) if change.type in MODEL.rels else None
                removed = plan_unlink(change, existing)
                await tx.run(DELETE_EDGE[removed.type], source=removed.source, target=removed.target)
                results.append(removed)
                records.append(change_record(change, None, removed))
    entry = audit_entry(actor, changes, [r for r in records if r], side)
    if entry is not None:
        await tx.run(CREATE_AUDIT, props=encode_entry(entry))
        await neo4j_side.record_side(tx, entry, side)
    if any(records):
        # Last: every writer locks this one node, and holds it only while committing, not while
        # it waits for the locks of the entities it changes (so no deadlock through it either).
        record = await (await tx.run(NEXT_GENERATION_AFTER, id=GENERATION_ID)).single()
        assert record is not None, "MERGE returns its node"
        found, made = str(record["before"] or ""), str(record["after"])
        await neo4j_log.log_write(tx, found, made, int(record["seq"]), steps(changes, results))
        if transition is not None:
            transition[:] = [found, made]
    elif entry is not None:
        # Beside the graph alone: no new generation, but counted, or other processes take it for a write from outside.
        await (await tx.run(neo4j_log.COUNT_SIDE_WRITE, id=GENERATION_ID)).consume()
    return results


_Batch = tuple[LiteralString, list[dict[str, Any]]]


def _import_batches(data: GraphData) -> list[_Batch]:
    """The staging statements for ``data``, nodes first, each with at most BATCH rows."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for node in data.nodes.values():
        by_kind.setdefault(node.kind, []).append(_node_params(node))
    by_type: dict[str, list[dict[str, Any]]] = {}
    for edge in data.edges.values():
        by_type.setdefault(edge.type, []).append({"source": edge.source, "target": edge.target, "props": _to_neo4j(edge.props)})
    batches: list[_Batch] = []
    for label, rows in by_kind.items():
        batches += [(STAGE_NODES[label], rows[i : i + BATCH]) for i in range(0, len(rows), BATCH)]
    for type_, rows in by_type.items():
        batches += [(STAGE_EDGES[type_], rows[i : i + BATCH]) for i in range(0, len(rows), BATCH)]
    return batches


def _transactions(batches: list[_Batch]) -> list[list[_Batch]]:
    """Group batches in order into transactions of at most TRANSACTION_ROWS rows (a small graph: one)."""
    groups: list[list[_Batch]] = []
    size = TRANSACTION_ROWS
    for batch in batches:
        if size + len(batch[1]) > TRANSACTION_ROWS:
            groups.append([])
            size = 0
        groups[-1].append(batch)
        size += len(batch[1])
    return groups


async def _stage(tx: AsyncManagedTransaction, batches: list[_Batch], run: str) -> None:
    for statement, rows in batches:
        await (await tx.run(statement, rows=rows, run=run)).consume()


async def _swap(tx: AsyncManagedTransaction, run: str, nodes: int, edges: int) -> None:
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
