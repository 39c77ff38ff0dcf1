"""The embedded store: the graph in memory as plain maps, durable on disk.

This is kimnet's default, so that ``kimnet serve`` needs nothing but Python.
Reads are dictionary lookups: nodes by id and by kind, relationships by type
and, per node, by their other ends (``graph.stores.adjacency``, which says why
they are no networkx graph). A write is dispatched and planned as on every
store (``graph.stores.dispatch``, ``graph.model.changes``), applied in memory
with an undo list, then written to the journal and fsynced; only then is it
acknowledged. If the journal write fails, the undo list puts memory back as it
was.

One process owns a data folder at a time (an advisory lock on ``lock``): the
embedded store is single-process by design; run Neo4j to scale out.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import gc
import logging
import os
from collections import defaultdict
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from kimnet.graph.model.audit import Actor, AuditEntry, AuditQuery, select
from kimnet.graph.model.changes import Change
from kimnet.graph.model.codec import decode_edge, decode_node, encode_edge, encode_node
from kimnet.graph.model.errors import DuplicateError, NotFoundError, StaleVersionError, StoreError, StoreInUseError
from kimnet.graph.model.freshness import Freshness, absorb
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, EdgeKey, Node
from kimnet.graph.model.ordering import node_key
from kimnet.graph.model.proposals import EVENT, Proposal, ProposalQuery, decode_proposal, select_proposals
from kimnet.graph.model.sidewrite import SideWrite, audit_entry
from kimnet.graph.stores import collector
from kimnet.graph.stores.adjacency import Adjacency
from kimnet.graph.stores.auditlog import AuditLog
from kimnet.graph.stores.dispatch import apply_changes
from kimnet.graph.stores.journal import JOURNAL, SNAPSHOT, Journal
from kimnet.graph.stores.store import Direction, Neighbours, Progress, Store, WriteResult

__all__ = ["EmbeddedStore"]

log = logging.getLogger(__name__)

#: Journal lines after which the next write folds the journal into a new snapshot.
COMPACT_AFTER = 10_000

_Op = dict[str, Any]

_PROPOSAL_EVENTS = frozenset(EVENT.values())

T = TypeVar("T")


async def _to_the_end(work: Awaitable[T]) -> T:
    """Await ``work`` (a thread's) to its end even if the caller is cancelled, then let the cancellation go on.

    The write lock held around it must not be let go while the thread still walks
    the store's maps or writes its files: a write let in meanwhile would change what
    it walks, or be lost from the journal that the snapshot replaces.
    """
    running = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        await running
        raise


class EmbeddedStore(Store):
    """A graph in maps in memory, with a snapshot and journal in ``folder``."""

    name = "embedded"

    def __init__(self, folder: Path, journal: Journal, lock_fd: int, compact_after: int = COMPACT_AFTER) -> None:
        super().__init__()
        self.compact_after = compact_after
        self.folder = folder
        self._journal = journal
        self._lock_fd = lock_fd
        # The graph: nodes by id, in the order they came (a snapshot keeps it), and their relationships.
        self._nodes: dict[str, Node] = {}
        self._adjacency = Adjacency()
        # Indexes kept with every change, so that the primitives that read a whole kind
        # or relationship type do not scan a state-sized graph: kind -> id -> node, type -> key -> edge.
        self._kinds: dict[str, dict[str, Node]] = {}
        self._types: dict[str, dict[EdgeKey, Edge]] = {}
        self._sorted: dict[str, list[Node]] = {}  # nodes_of_kind's answer per kind, until that kind changes
        self._write_lock = asyncio.Lock()
        self._compaction: asyncio.Task[None] | None = None
        self._audit = AuditLog(folder)
        self._audit_entries: list[AuditEntry] = []
        # Changes with every change of memory (Store.generation); read caches are keyed by it.
        self._generation_number = 0
        # Proposals and freshness live in the audit trail (their records carry their states);
        # these are what it says, kept up to date with every entry.
        self._proposal_states: dict[str, Proposal] = {}
        self._fresh: dict[str, Freshness] = {}

    @classmethod
    def open(cls, folder: str | Path, *, compact_after: int = COMPACT_AFTER) -> EmbeddedStore:
        """Open (or create) the store in ``folder`` and read it back into memory.

        ``compact_after`` journal lines, the next write folds them into a new snapshot.

        Raises:
            StoreError: another process has the folder open, or it cannot be created.
            StoreCorruptedError: a file is damaged (the message names it).
        """
        path = Path(folder)
        try:
            path.mkdir(parents=True, exist_ok=True)
            lock_fd = os.open(path / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(f"cannot use {path} as data folder: {exc.strerror}") from None
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock_fd)
            raise StoreInUseError(f"another kimnet process is using {path}; stop it or choose another --data-dir") from None
        journal = Journal(path)
        store = cls(path, journal, lock_fd, compact_after)
        try:
            with collector.paused():
                snapshot, transactions = journal.read()
                if snapshot is not None:
                    store._fill(snapshot)
                del snapshot  # its maps are copied into the store's: free them before the replay
                for ops in transactions:
                    for op in ops:
                        store._apply(op)
                store._audit_entries = store._audit.read(journal.seq)
                for entry in store._audit_entries:
                    store._absorb(entry)
                # The graph lives as long as the process: exempt it from the cyclic garbage collector,
                # whose full passes over a state-sized graph (millions of objects) take a tenth of a second each.
                gc.freeze()
        except BaseException:
            store._release()
            raise
        return store

    @staticmethod
    def holds_store(folder: str | Path) -> bool:
        """Tell whether ``folder`` holds a store with data: a snapshot, or a journal with a write in it.

        A folder that ``open`` made and nothing was written to holds none: that is what a mistyped
        data folder leaves behind.
        """
        path = Path(folder)
        for name in (SNAPSHOT, JOURNAL):
            with contextlib.suppress(OSError):
                if (path / name).stat().st_size > 0:
                    return True
        return False

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        if self._compaction is not None:
            await self._compaction  # a snapshot half-written at exit would be wasted work
        self._release()

    def _release(self) -> None:
        self._journal.close()
        self._audit.close()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # closing drops the flock
            self._lock_fd = -1

    # -- reads -----------------------------------------------------------------

    async def _get_nodes(self, ids: list[str]) -> dict[str, Node]:
        nodes = self._nodes
        return {i: nodes[i] for i in ids if i in nodes}

    async def _nodes_of_kind(self, label: str) -> list[Node]:
        if label not in self._sorted:
            self._sorted[label] = sorted(self._kinds.get(label, {}).values(), key=node_key)
        return list(self._sorted[label])

    async def _edges(self, rel_type: str) -> list[Edge]:
        return list(self._types.get(rel_type, {}).values())

    def _index_node(self, node: Node, present: bool) -> None:
        found = self._kinds.setdefault(node.kind, {})
        if present:
            found[node.id] = node
        else:
            found.pop(node.id, None)
        self._sorted.pop(node.kind, None)

    def _index_edge(self, edge: Edge, present: bool) -> None:
        found = self._types.setdefault(edge.type, {})
        if present:
            found[edge.key] = edge
        else:
            found.pop(edge.key, None)

    async def _neighbours(self, ids: list[str], rel_type: str, direction: Direction) -> Neighbours:
        nodes, adjacency = self._nodes, self._adjacency
        result: Neighbours = {}
        for node_id in ids:
            found: list[tuple[Edge, Node]] = []
            if node_id in nodes:
                if direction in ("out", "both"):
                    found += adjacency.follow(node_id, rel_type, "out", nodes)
                if direction in ("in", "both"):
                    found += adjacency.follow(node_id, rel_type, "in", nodes)
            result[node_id] = found
        return result

    async def _generation(self) -> str:
        return str(self._generation_number)

    async def _is_empty(self) -> bool:
        return not self._nodes

    async def _snapshot(self) -> GraphData:
        # A copy of a state's graph takes 280 to 450 ms here: in a thread, so that requests go on
        # meanwhile, and under the write lock, so that no write changes the maps it walks.
        async with self._write_lock:
            return await _to_the_end(asyncio.to_thread(self._copy))

    def _copy(self) -> GraphData:
        """The whole graph as plain data; only while no write can run (the write lock is held)."""
        # In the order networkx gave them, as snapshots written before: nodes as they came,
        # then each node's relationships out in theirs.
        data = GraphData(dict(self._nodes))
        for node_id in self._nodes:
            for edge in self._adjacency.edges_from(node_id):
                data.edges[edge.key] = edge
        return data

    def edge(self, key: EdgeKey) -> Edge | None:
        return self._adjacency.get(key)

    # -- writes ----------------------------------------------------------------

    async def _write(self, changes: Sequence[Change], actor: Actor | None, side: SideWrite | None = None) -> WriteResult:
        async with self._write_lock:
            if side is not None and side.proposal is not None:
                self._check_revision(side.proposal.id, side.expected_revision)
            applied: list[_Op] = []
            undo: list[_Op] = []
            entry: AuditEntry | None = None
            audited: int | None = None
            try:
                results, records = await apply_changes(_MemoryOps(self, applied, undo), changes)
                if not applied and side is None:
                    return results  # every change was in place already (a replay): nothing to write or audit
                before = self._generation_number
                if applied:
                    # Memory has changed; if the journal fails below, the undo changes it back, and a
                    # spare new generation only costs a cache a rebuild.
                    self._generation_number += 1
                entry = audit_entry(actor, changes, records, side)
                # Synchronous on purpose: while the event loop waits for fsync, no reader can see
                # a change that is in memory but not yet durable (and might still be undone).
                if entry is not None:
                    # The entry goes first; a start after a crash before the journal line drops it.
                    # An entry of a side write alone has no journal line: its own fsync acknowledges it.
                    audited = self._audit.append(entry, self._journal.seq + (1 if applied else 0))
                if applied:
                    self._journal.append(applied)
            except BaseException as exc:
                for op in reversed(undo):
                    self._apply(op)
                if audited is not None:
                    self._audit.undo(audited)
                if isinstance(exc, OSError):
                    raise StoreError(f"the data folder {self.folder} could not be written ({exc}); nothing was written") from None
                raise
            if entry is not None:
                self._audit_entries.append(entry)
                self._absorb(entry)
            if applied:
                # A cache follows the write before it returns (in the lock: writes are followed in order).
                await self._written(str(before), str(self._generation_number), changes, results)
            if self._journal.lines >= self.compact_after and self._compaction is None:
                # The write is durable already; folding the journal is housekeeping that
                # must neither delay nor fail it, so it runs on its own.
                self._compaction = asyncio.create_task(self._compact())
            return results

    def _last_entry_of(self, key: str) -> AuditEntry | None:
        """The newest audit entry that names ``key`` (only a delete of a missing entity asks)."""
        return next((e for e in reversed(self._audit_entries) if key in e.entities), None)

    async def _audit_trail(self, query: AuditQuery) -> list[AuditEntry]:
        return select(self._audit_entries, query)

    # -- proposals and freshness: what the audit trail says ---------------------

    def _absorb(self, entry: AuditEntry) -> None:
        for record in entry.changes:
            if record.action in _PROPOSAL_EVENTS and record.after is not None:
                self._proposal_states[record.target] = decode_proposal(record.after)
        absorb(self._fresh, [entry])

    def _check_revision(self, proposal_id: str, expected: int | None) -> None:
        current = self._proposal_states.get(proposal_id)
        if expected is None and current is not None:
            raise DuplicateError(f"{proposal_id} exists already")
        if expected is not None and current is None:
            raise NotFoundError(f"no proposal has the id {proposal_id}")
        if current is not None and current.revision != expected:
            raise StaleVersionError(f"{proposal_id} was decided or changed meanwhile; read it again")

    async def _proposals(self, query: ProposalQuery) -> list[Proposal]:
        return select_proposals(self._proposal_states.values(), query)

    async def _freshness(self, ids: list[str] | None) -> dict[str, Freshness]:
        if ids is None:
            return dict(self._fresh)
        return {i: self._fresh[i] for i in ids if i in self._fresh}

    def _apply(self, op: _Op) -> _Op:
        """Apply one op to memory; return the op that undoes it."""
        kind = op["op"]
        if kind == "put_node":
            node = decode_node(op["node"])
            before = self._nodes.get(node.id)
            self._nodes[node.id] = node  # an update keeps the node's place
            self._index_node(node, True)
            return {"op": "put_node", "node": encode_node(before)} if before else {"op": "del_node", "node": op["node"]}
        if kind == "del_node":
            gone = self._nodes.pop(op["node"]["id"])
            # A write deletes a node's relationships before it (``_MemoryOps.delete_node``), so none
            # is left here; any that were would go with it, as they did from the networkx graph.
            for edge in [*self._adjacency.edges_from(gone.id), *self._adjacency.edges_into(gone.id)]:
                if self._adjacency.get(edge.key) is not None:  # a loop is found both ways
                    self._adjacency.remove(edge.key)
                    self._index_edge(edge, False)
            self._index_node(gone, False)
            return {"op": "put_node", "node": op["node"]}
        if kind == "put_edge":
            edge = decode_edge(op["edge"])
            self._adjacency.add(edge)
            self._index_edge(edge, True)
            return {"op": "del_edge", "edge": op["edge"]}
        if kind == "del_edge":
            edge = decode_edge(op["edge"])
            self._adjacency.remove(edge.key)
            self._index_edge(edge, False)
            return {"op": "put_edge", "edge": op["edge"]}
        raise StoreError(f"unknown journal op {kind!r}")

    async def _replace_all(self, data: GraphData, progress: Progress) -> None:
        total = len(data.nodes) + len(data.edges)
        async with self._write_lock:
            progress(0, total)
            # The snapshot goes to disk first: if that fails, memory still matches the files.
            await asyncio.to_thread(self._journal.write_snapshot, data)
            self._generation_number += 1  # no reader runs before the fill below is done: it is synchronous
            with collector.paused():
                self._fill(data)
            progress(total, total)

    async def _compact(self) -> None:
        """Fold the journal into a new snapshot.

        Holds the write lock until the snapshot is on disk, even if cancelled: a write
        slipping in between the snapshot's data and the journal's truncation would be
        lost. A failure is logged and leaves snapshot and journal as they were.
        """
        try:
            async with self._write_lock:
                # Copied in the thread too: on the event loop, the copy held up every request.
                await _to_the_end(asyncio.to_thread(lambda: self._journal.write_snapshot(self._copy())))
            # What the copy and its encoding took (some 100 MB at state scale) back to the system.
            await asyncio.to_thread(collector.give_back)
        except OSError as exc:
            log.error("could not fold the journal of %s into a snapshot (%s); it stays in the journal", self.folder, exc)
        finally:
            self._compaction = None

    def _fill(self, data: GraphData) -> None:
        """Replace the graph with ``data`` and rebuild the indexes: what applying a put op per node and edge would leave."""
        adjacency = Adjacency()
        for edge in data.edges.values():
            adjacency.add(edge)
        kinds: defaultdict[str, dict[str, Node]] = defaultdict(dict)
        for node_id, node in data.nodes.items():
            kinds[node.kind][node_id] = node
        types: defaultdict[str, dict[EdgeKey, Edge]] = defaultdict(dict)
        for key, edge in data.edges.items():
            types[key[0]][key] = edge  # the map's key is the edge's key: not made again
        self._nodes, self._adjacency = dict(data.nodes), adjacency
        self._kinds, self._types, self._sorted = dict(kinds), dict(types), {}


class _MemoryOps:
    """``dispatch.WriteOps`` on the embedded store's memory: each write is a journal op, applied at once.

    ``applied`` collects the ops for the journal, ``undo`` the ops that put memory back.
    Nothing here awaits anything that suspends, so a write runs from its first change to
    its fsync without the event loop running a reader in between (see ``_write``).
    """

    def __init__(self, store: EmbeddedStore, applied: list[_Op], undo: list[_Op]) -> None:
        self._store, self._applied, self._undo = store, applied, undo

    def _do(self, op: _Op) -> None:
        self._undo.append(self._store._apply(op))
        self._applied.append(op)

    async def node(self, node_id: str, *, lock: bool) -> Node | None:
        # The write lock holds every node: one write at a time.
        return self._store._nodes.get(node_id)

    async def edge(self, key: EdgeKey) -> Edge | None:
        return self._store.edge(key)

    async def last_entry_of(self, key: str) -> AuditEntry | None:
        return self._store._last_entry_of(key)

    async def create_node(self, node: Node) -> None:
        self._do({"op": "put_node", "node": encode_node(node)})

    async def update_node(self, node: Node) -> None:
        self._do({"op": "put_node", "node": encode_node(node)})

    async def delete_node(self, node: Node) -> list[Edge]:
        adjacency = self._store._adjacency
        incident = [*adjacency.edges_from(node.id), *adjacency.edges_into(node.id)]  # in this order in the audit trail
        for edge in incident:
            self._do({"op": "del_edge", "edge": encode_edge(edge)})
        self._do({"op": "del_node", "node": encode_node(node)})
        return incident

    async def create_edge(self, edge: Edge) -> None:
        self._do({"op": "put_edge", "edge": encode_edge(edge)})

    async def delete_edge(self, edge: Edge) -> None:
        self._do({"op": "del_edge", "edge": encode_edge(edge)})
