"""The embedded store: the graph in memory as a networkx MultiDiGraph, durable on disk.

This is kimnet's default, so that ``kimnet serve`` needs nothing but Python.
Reads are dictionary lookups. A write is planned by the shared rules in
``graph.changes``, applied in memory with an undo list, then written to the
journal and fsynced; only then is it acknowledged. If the journal write fails,
the undo list puts memory back as it was.

One process owns a data folder at a time (an advisory lock on ``lock``): the
embedded store is single-process by design; run Neo4j to scale out.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import networkx as nx

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
from kimnet.graph.errors import StoreError
from kimnet.graph.graphdata import GraphData
from kimnet.graph.model import Edge, EdgeKey, Node
from kimnet.graph.store import Direction, Neighbours, Store, WriteResult
from kimnet.graph.stores.journal import Journal, decode_edge, decode_node, encode_edge, encode_node
from kimnet.graph.validate import normalise_edge

__all__ = ["EmbeddedStore"]

#: Journal lines after which the next write folds the journal into a new snapshot.
COMPACT_AFTER = 10_000

_Op = dict[str, Any]


class EmbeddedStore(Store):
    """A graph in a networkx MultiDiGraph, with a snapshot and journal in ``folder``."""

    name = "embedded"

    def __init__(self, folder: Path, journal: Journal, lock_fd: int, compact_after: int = COMPACT_AFTER) -> None:
        super().__init__()
        self.compact_after = compact_after
        self.folder = folder
        self._journal = journal
        self._lock_fd = lock_fd
        self._graph: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        self._write_lock = asyncio.Lock()

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
            raise StoreError(f"another kimnet process is using {path}; stop it or choose another --data-dir") from None
        journal = Journal(path)
        store = cls(path, journal, lock_fd, compact_after)
        try:
            snapshot, transactions = journal.read()
            if snapshot is not None:
                store._fill(snapshot)
            for ops in transactions:
                for op in ops:
                    store._apply(op)
        except BaseException:
            store._release()
            raise
        return store

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._release()

    def _release(self) -> None:
        self._journal.close()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # closing drops the flock
            self._lock_fd = -1

    # -- reads -----------------------------------------------------------------

    async def _get_nodes(self, ids: list[str]) -> dict[str, Node]:
        nodes = self._graph.nodes
        return {i: nodes[i]["node"] for i in ids if i in nodes}

    async def _nodes_of_kind(self, label: str) -> list[Node]:
        found = [data["node"] for _, data in self._graph.nodes(data=True) if data["node"].kind == label]
        return sorted(found, key=lambda n: n.id)

    async def _neighbours(self, ids: list[str], rel_type: str, direction: Direction) -> Neighbours:
        graph, nodes = self._graph, self._graph.nodes
        result: Neighbours = {}
        for node_id in ids:
            found: list[tuple[Edge, Node]] = []
            if node_id in nodes:
                if direction in ("out", "both"):
                    found += [
                        (keys[rel_type]["edge"], nodes[v]["node"]) for v, keys in graph.succ[node_id].items() if rel_type in keys
                    ]
                if direction in ("in", "both"):
                    found += [
                        (keys[rel_type]["edge"], nodes[u]["node"]) for u, keys in graph.pred[node_id].items() if rel_type in keys
                    ]
            result[node_id] = found
        return result

    async def _is_empty(self) -> bool:
        return self._graph.number_of_nodes() == 0

    async def _snapshot(self) -> GraphData:
        data = GraphData()
        for node_id, attrs in self._graph.nodes(data=True):
            data.nodes[node_id] = attrs["node"]
        for _, _, attrs in self._graph.edges(data=True):
            edge = attrs["edge"]
            data.edges[edge.key] = edge
        return data

    def edge(self, key: EdgeKey) -> Edge | None:
        type_, source, target = key
        attrs = self._graph.get_edge_data(source, target, key=type_)
        return attrs["edge"] if attrs else None

    # -- writes ----------------------------------------------------------------

    async def _write(self, changes: Sequence[Change]) -> WriteResult:
        async with self._write_lock:
            applied: list[_Op] = []
            undo: list[_Op] = []
            results: WriteResult = []
            try:
                for change in changes:
                    result, ops = self._plan(change)
                    results.append(result)
                    for op in ops:
                        undo.append(self._apply(op))
                        applied.append(op)
                # Synchronous on purpose: while the event loop waits for fsync, no reader can see
                # a change that is in memory but not yet durable (and might still be undone).
                self._journal.append(applied)
            except BaseException:
                for op in reversed(undo):
                    self._apply(op)
                raise
            if self._journal.lines >= self.compact_after:
                await self._compact()
            return results

    def _plan(self, change: Change) -> tuple[Node | Edge, list[_Op]]:
        """Decide one change with the shared rules; return its result and its ops."""
        nodes = self._graph.nodes

        def node(node_id: str) -> Node | None:
            return nodes[node_id]["node"] if node_id in nodes else None

        match change:
            case CreateNode():
                created = plan_create(change, node(change.node.id))
                return created, [{"op": "put_node", "node": encode_node(created)}]
            case UpdateNode():
                updated = plan_update(change, node(change.id))
                return updated, [{"op": "put_node", "node": encode_node(updated)}]
            case DeleteNode():
                deleted = plan_delete(change, node(change.id))
                incident = [*self._graph.out_edges(change.id, data="edge"), *self._graph.in_edges(change.id, data="edge")]
                ops = [{"op": "del_edge", "edge": encode_edge(e)} for _, _, e in incident]
                return deleted, [*ops, {"op": "del_node", "node": encode_node(deleted)}]
            case Link():
                e = change.edge
                linked = plan_link(change, node(e.source), node(e.target), self.edge(normalise_edge(e).key))
                return linked, [{"op": "put_edge", "edge": encode_edge(linked)}]
            case Unlink():
                removed = plan_unlink(change, self.edge(change.key))
                return removed, [{"op": "del_edge", "edge": encode_edge(removed)}]
        raise TypeError(f"unknown change {change!r}")

    def _apply(self, op: _Op) -> _Op:
        """Apply one op to memory; return the op that undoes it."""
        graph = self._graph
        kind = op["op"]
        if kind == "put_node":
            node = decode_node(op["node"])
            before = graph.nodes[node.id]["node"] if node.id in graph.nodes else None
            graph.add_node(node.id, node=node)
            return {"op": "put_node", "node": encode_node(before)} if before else {"op": "del_node", "node": op["node"]}
        if kind == "del_node":
            graph.remove_node(op["node"]["id"])
            return {"op": "put_node", "node": op["node"]}
        if kind == "put_edge":
            edge = decode_edge(op["edge"])
            graph.add_edge(edge.source, edge.target, key=edge.type, edge=edge)
            return {"op": "del_edge", "edge": op["edge"]}
        if kind == "del_edge":
            edge = decode_edge(op["edge"])
            graph.remove_edge(edge.source, edge.target, key=edge.type)
            return {"op": "put_edge", "edge": op["edge"]}
        raise StoreError(f"unknown journal op {kind!r}")

    async def _replace_all(self, data: GraphData) -> None:
        async with self._write_lock:
            # The snapshot goes to disk first: if that fails, memory still matches the files.
            await asyncio.to_thread(self._journal.write_snapshot, data)
            self._graph = nx.MultiDiGraph()
            self._fill(data)

    async def _compact(self) -> None:
        data = await self._snapshot()
        await asyncio.to_thread(self._journal.write_snapshot, data)

    def _fill(self, data: GraphData) -> None:
        graph = self._graph
        graph.add_nodes_from((n.id, {"node": n}) for n in data.nodes.values())
        for e in data.edges.values():
            graph.add_edge(e.source, e.target, key=e.type, edge=e)
