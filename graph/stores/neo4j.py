"""The Neo4j store: the production backend, over the official async driver.

This module holds the store's connection to Neo4j (the driver, sessions, errors)
and its schema; the Cypher it runs lives beside it, one module per idea, each
statement a constant with ``$parameters`` or built from the model or a
declared rule: ``neo4j_read`` (reads), ``neo4j_trees`` (the tree statement),
``neo4j_write`` (writes), ``neo4j_import`` (whole-graph imports),
``neo4j_audit`` (the audit trail), ``neo4j_side`` (proposals, freshness),
``neo4j_log`` (the generation and the log of writes).

Every node carries the label ``Entity`` besides its kind, with a uniqueness
constraint on ``Entity.id``: one index serves every lookup by id. The version
for optimistic concurrency is the property ``_version``.

Writes run in managed transactions (the driver retries transient failures by
running the whole function again), so a list of changes is applied fully or not
at all. Read caches in every process compare the generation a write makes
(``Store.generation``, ``graph.read.readcache``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable, Collection, Iterator, Sequence
from sys import intern
from typing import Any, LiteralString, TypeVar, cast

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

from kimnet.graph.model.audit import Actor, AuditEntry, AuditQuery, decode_entry
from kimnet.graph.model.changes import Change
from kimnet.graph.model.errors import DuplicateError, StoreError, StoreTimeoutError, StoreUnavailableError
from kimnet.graph.model.freshness import Freshness
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.model.proposals import Proposal, ProposalQuery
from kimnet.graph.model.sidewrite import SideWrite
from kimnet.graph.stores import neo4j_log, neo4j_outside, neo4j_side
from kimnet.graph.stores.ioloop import IoLoop
from kimnet.graph.stores.neo4j_audit import AUDIT_SCHEMA, AUDIT_TRAIL, trail_params
from kimnet.graph.stores.neo4j_chain import chain_statement
from kimnet.graph.stores.neo4j_import import DELETE_LEFTOVERS, import_batches, stage, swap, transactions
from kimnet.graph.stores.neo4j_log import FIRST_GENERATION, GENERATION, GENERATION_ID
from kimnet.graph.stores.neo4j_read import (
    ALL_EDGES,
    ALL_NODES,
    ANY_NODE,
    EDGES_OF_TYPE,
    GET_NODES,
    NEIGHBOURS,
    NODES_OF_KIND,
    PAGE,
    PING,
    reached_below,
)
from kimnet.graph.stores.neo4j_trees import tree_days, tree_statement
from kimnet.graph.stores.neo4j_values import from_neo4j, node_of
from kimnet.graph.stores.neo4j_write import apply_in
from kimnet.graph.stores.steplog import decode_steps, resync
from kimnet.graph.stores.store import Chain, Direction, Neighbours, Progress, Store, WriteResult, Written
from kimnet.graph.stores.trees import Follow, Reached, Shape

__all__ = ["Neo4jStore"]

SCHEMA: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",
    # Staged nodes have no Entity label yet; their relationships find them by id through this index.
    "CREATE INDEX staged_id IF NOT EXISTS FOR (n:Staged) ON (n.id)",
    *AUDIT_SCHEMA,
    *neo4j_side.SIDE_SCHEMA,
    *neo4j_log.LOG_SCHEMA,
    "CALL db.awaitIndexes(300)",
)

#: Connections the driver keeps at most; a transaction holds one while it runs.
POOL_SIZE = 100

#: Failures that mean "Neo4j cannot serve now" once the driver has retried for its retry time:
#: down, restarting (DatabaseUnavailable is transient), or every pooled connection busy.
_UNAVAILABLE = (ServiceUnavailable, SessionExpired, TransientError, ConnectionAcquisitionTimeoutError, OSError)

#: Whole-kind reads (nodes_of_kind, edges) that one process runs at the same time.
BULK_READS = 2

#: Entities touched from outside that a reader follows by reading them; beyond, it reads the whole graph.
RESYNC_LIMIT = 2_000

log = logging.getLogger(__name__)

T = TypeVar("T")


def _safe(uri: str) -> str:
    """The URI without credentials, for messages."""
    scheme, sep, rest = uri.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else uri.rpartition("@")[2]


class Neo4jStore(Store):
    """A graph in a Neo4j database, reached through an async driver."""

    name = "neo4j"

    def __init__(self, driver: AsyncDriver, database: str | None = None, timeout: float | None = None) -> None:
        super().__init__()
        self._driver = driver
        # Every use of the driver runs on this loop (``graph.stores.ioloop``: why), made here and used there only.
        self._io = IoLoop("kimnet-neo4j-io")
        self._database = database
        #: Seconds after which Neo4j ends a request's transaction; None: the server's setting.
        self.timeout = timeout
        #: Transactions running now, each holding a pooled connection (for metrics).
        self.in_flight = 0
        self.pool_size = POOL_SIZE
        # Whole-kind reads collect tens of thousands of entries in one row: a few at a time, or
        # thirty-two coverage reports at once exhaust Neo4j's transaction memory (seen at state scale).
        self._bulk = asyncio.Semaphore(BULK_READS)
        #: Whether writes made without kimnet are logged by the database's trigger (``ensure_schema``).
        self.outside_logged = False

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
        try:
            # Fails at once when Neo4j is down; queries would retry for half a minute first.
            await store._io.run(store._driver.verify_connectivity)
        except AuthError as exc:
            await store.close()
            raise StoreUnavailableError(
                f"Neo4j refused the credentials: {exc.message}; check KIMNET_NEO4J_USER and KIMNET_NEO4J_PASSWORD"
            ) from None
        except (ServiceUnavailable, SessionExpired, OSError, ValueError) as exc:
            await store.close()
            raise StoreUnavailableError(
                f"Neo4j at {_safe(uri)} is unavailable ({exc}); start it, e.g. scripts/neo4j start"
            ) from None
        try:
            await store.ensure_schema()
        except BaseException:
            await store.close()
            raise
        return store

    async def ensure_schema(self) -> None:
        """Create constraints, indexes, the generation node and the trigger for writes from outside where missing (idempotent)."""
        for statement in SCHEMA:
            await self._query(statement, routing=RoutingControl.WRITE)
        await self._query(FIRST_GENERATION, routing=RoutingControl.WRITE, id=GENERATION_ID)
        self.outside_logged = await neo4j_outside.install_trigger(self._query, self._system, self._database)

    async def _system(self, cypher: LiteralString, **params: Any) -> list[neo4j.Record]:
        """Run ``cypher`` on the system database (where APOC keeps its triggers)."""
        query = Query(cypher, timeout=self.timeout, metadata=neo4j_log.TX_METADATA)
        # Without the bookmarks of the graph's queries: a system bookmark among them would make the commit
        # check's bookmark name two databases, which ``neo4j_log.transaction_id`` rightly refuses to read.
        result = await self._io.run(
            lambda: self._driver.execute_query(
                query, params, database_="system", routing_=RoutingControl.WRITE, bookmark_manager_=None
            )
        )
        return list(result.records)

    async def _query(
        self, statement: LiteralString, routing: RoutingControl = RoutingControl.READ, **params: Any
    ) -> list[neo4j.Record]:
        # Reads go to any cluster member (neo4j:// routing); only schema changes need the leader.
        with self._answering():
            query = Query(statement, timeout=self.timeout, metadata=neo4j_log.TX_METADATA)
            result = await self._io.run(
                lambda: self._driver.execute_query(query, params, database_=self._database, routing_=routing)
            )
        return list(result.records)

    @contextlib.contextmanager
    def _answering(self) -> Iterator[None]:
        """Count a transaction in flight, and say what its failure means (credentials, a timeout, Neo4j away)."""
        self.in_flight += 1
        try:
            yield
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

    def _timeout_error(self) -> StoreTimeoutError:
        return StoreTimeoutError(
            f"the database ended the transaction after {self.timeout:g} s (KIMNET_NEO4J_TIMEOUT); "
            "ask for less (smaller pages, fewer nested lists) or retry when the database is less busy"
        )

    async def ping(self) -> None:
        await self._query(PING)

    async def close(self) -> None:
        if self._io.closed:
            return  # closed before
        try:
            await self._io.run(self._driver.close)
        finally:
            self._io.close()

    # -- reads ---------------------------------------------------------------------

    async def _rows(self, statement: LiteralString, **params: Any) -> list[list[Any]]:
        """The list that a one-row statement returns in ``rows``."""
        records = await self._query(statement, **params)
        return cast(list[list[Any]], records[0]["rows"]) if records else []

    async def _get_nodes(self, ids: list[str]) -> dict[str, Node]:
        return {node_id: node_of(node_id, props) for node_id, props in await self._rows(GET_NODES, ids=ids)}

    async def _pages(self, statement: LiteralString, make: Callable[[list[list[Any]]], list[T]]) -> list[T]:
        """What a paged statement (``neo4j_read.PAGE``) returns in ``rows``, each page ``make``d as it arrives."""

        @unit_of_work(timeout=self.timeout, metadata=neo4j_log.TX_METADATA)
        async def work(tx: AsyncManagedTransaction) -> list[T]:
            found: list[T] = []  # anew if the driver runs it again after a transient failure
            result = await tx.run(statement, page=PAGE)
            async for record in result:
                found += make(record["rows"])
            return found

        async def read(session: AsyncSession) -> list[T]:
            async with self._bulk:
                return await session.execute_read(work)

        with self._answering():
            return await self._in_session(read)

    async def _nodes_of_kind(self, label: str) -> list[Node]:
        # Whole kinds are kept (the read cache's index): equal values and ids become one object each
        # (the ids interned, so that the ends of the relationships read beside them share them).
        same: dict[Any, Any] = {}
        return await self._pages(
            NODES_OF_KIND[label], lambda rows: [node_of(intern(node_id), props, label, same) for node_id, props in rows]
        )

    async def _edges(self, rel_type: str) -> list[Edge]:
        same: dict[Any, Any] = {}
        return await self._pages(
            EDGES_OF_TYPE[rel_type],
            lambda rows: [
                Edge(rel_type, intern(source), intern(target), from_neo4j(props, same)) for source, target, props in rows
            ],
        )

    async def _neighbours(self, ids: list[str], rel_type: str, direction: Direction) -> Neighbours:
        result: Neighbours = {}
        for asked, source, target, eprops, other, props in await self._rows(NEIGHBOURS[direction][rel_type], ids=ids):
            edge = Edge(rel_type, source, target, from_neo4j(eprops))
            result.setdefault(asked, []).append((edge, node_of(other, props)))
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
            root = found[record["id"]] = Reached(node_of(record["id"], record["props"]))
            reached_below(root, shape, record["links"], nested_of, reached)
        return [found[i] for i in ids if i in found]

    async def _follow_chain(self, ids: list[str], kinds: Collection[str], steps: Chain, as_of: dt.date | None) -> list[Node]:
        self.round_trips += 1  # one for the named nodes and every step (the base store takes one per hop)
        return [node_of(i, props) for i, props in await self._rows(chain_statement(kinds, steps), ids=ids, day=as_of)]

    async def _generation(self) -> str:
        records = await self._query(GENERATION, id=GENERATION_ID)
        # No node: a database that no kimnet has prepared (ensure_schema) or written to yet.
        return str(records[0]["token"]) if records else ""

    async def commit_mark(self) -> tuple[int, int] | None:
        try:
            found, trips = await self._in_session(lambda session: neo4j_log.read_mark(session, self.timeout))
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError):
            self.round_trips += 1
            return None  # tells nothing; the next check asks again
        self.round_trips += trips  # counted here, on the caller's loop, as every round trip is
        return found

    async def writes_since(self, generation: str) -> list[Written]:
        self.round_trips += 1
        records = [r["step"] for r in await self._query(neo4j_log.WRITES_SINCE, generation=generation, limit=neo4j_log.KEEP)]
        touched = {i for r in records if "steps" not in r for i in r.get("touched", ())}
        if len(touched) > RESYNC_LIMIT:
            return []  # a bulk write from outside: a read of the whole graph costs less
        # One read for every step from outside, as the entities are now: each step puts them in place
        # of what the reader held, and a later step (kimnet's or not) puts what it did after that.
        now = await neo4j_outside.touched_now(self._rows, sorted(touched)) if touched else {}
        return [
            Written(r["before"], r["after"], decode_steps(r["steps"]) if "steps" in r else resync(r.get("touched", ()), now))
            for r in records
        ]

    async def _is_empty(self) -> bool:
        return not await self._query(ANY_NODE)

    async def _snapshot(self) -> GraphData:
        data = GraphData()
        for r in await self._query(ALL_NODES):
            data.nodes[r["id"]] = node_of(r["id"], r["props"])
        for r in await self._query(ALL_EDGES):
            edge = Edge(r["type"], r["source"], r["target"], from_neo4j(r["props"]))
            data.edges[edge.key] = edge
        return data

    # -- writes ----------------------------------------------------------------------

    def _session(self) -> AsyncSession:
        # Sessions share the bookmarks of execute_query, so in a cluster a read that follows
        # a write waits until the member it reaches has that write (read your own writes).
        return self._driver.session(database=self._database, bookmark_manager=self._driver.execute_query_bookmark_manager)

    async def _in_session(self, use: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """``use`` a session of the driver, on the driver's own loop (``graph.stores.ioloop``)."""

        async def run() -> T:
            async with self._session() as session:
                return await use(session)

        return await self._io.run(run)

    async def _run_write(self, work: Any, *args: Any) -> Any:
        # Marked as kimnet's, with the work's own timeout: the trigger for writes from outside passes it by.
        marked = unit_of_work(metadata=neo4j_log.TX_METADATA, timeout=getattr(work, "timeout", None))(work)
        try:
            return await self._in_session(lambda session: session.execute_write(marked, *args))
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
            return await apply_in(tx, changes, actor, side, transition)

        self.in_flight += 1
        try:
            for attempt in range(2):
                try:
                    results = cast(WriteResult, await self._run_write(work))
                    if transition:
                        await self._written(transition[0], transition[1], changes, results)
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
        records = await self._query(AUDIT_TRAIL, **trail_params(query))
        return [decode_entry(r["props"]) for r in records]

    async def _proposals(self, query: ProposalQuery) -> list[Proposal]:
        return await neo4j_side.proposals(self._query, query)

    async def _freshness(self, ids: list[str] | None) -> dict[str, Freshness]:
        return await neo4j_side.freshness(self._query, ids)

    async def _run_auto(self, statement: LiteralString) -> None:
        """Run a statement in an auto-commit transaction (needed for CALL ... IN TRANSACTIONS)."""

        async def run(session: AsyncSession) -> None:
            await (await session.run(Query(statement, metadata=neo4j_log.TX_METADATA))).consume()

        try:
            await self._in_session(run)
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
        batches = import_batches(data)
        total = sum(len(rows) for _, rows in batches)
        progress(0, total)
        await self._run_auto(DELETE_LEFTOVERS)
        done = 0
        try:
            for chunk in transactions(batches):
                await self._run_write(stage, chunk, run)
                done += sum(len(rows) for _, rows in chunk)
                progress(done, total)
            await self._run_write(swap, run, len(data.nodes), len(data.edges))
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


def _timed_out(exc: ClientError) -> bool:
    """Whether the server ended the transaction at its timeout (so nothing of it was committed).

    >>> from neo4j.exceptions import Neo4jError as E
    >>> hook, ended = "Neo.ClientError.Transaction.TransactionHookFailed", "{t=... has not completed within the timeout ...}"
    >>> _timed_out(E._hydrate_neo4j(code=hook, message=ended)), _timed_out(E._hydrate_neo4j(code=hook, message="{t=/ by 0}"))
    (True, False)
    """
    # TransactionTimedOut: while it ran; LockClientStopped: waiting for a lock; TransactionHookFailed: in APOC's
    # trigger at its commit (in CI after Neo4j restarted: answered INTERNAL where a retriable timeout was due).
    code = exc.code or ""
    if code.endswith("Transaction.TransactionHookFailed"):
        return "within the timeout" in (exc.message or "")
    return "TransactionTimedOut" in code or code.endswith("Transaction.LockClientStopped")
