"""The one dispatch of a write's changes, for every store.

``graph.model.changes`` decides what each change means (the ``plan_*`` rules);
this module decides what each kind of change reads and writes, in which order,
and what it records in the audit trail. A store gives it a few primitive
operations (``WriteOps``) inside its transaction: the embedded store on its
in-memory graph with an undo list, Neo4j as Cypher in a managed transaction.
So the stores differ only in how they read and write one node or relationship.

A change that finds its result in place (a replay) writes nothing and records
nothing; a write's records are empty exactly when it changed nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from kimnet.graph.model.audit import AuditChange, AuditEntry, change_record, delete_records, deleted_node
from kimnet.graph.model.changes import (
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
from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.kinds import Edge, EdgeKey, Node
from kimnet.graph.model.validate import normalise_edge

__all__ = ["WriteOps", "apply_changes"]


class WriteOps(Protocol):
    """What a store does for ``apply_changes``, inside the write's transaction."""

    async def node(self, node_id: str, *, lock: bool) -> Node | None:
        """The node as stored now; with ``lock``, held against other writers until the transaction ends."""

    async def edge(self, key: EdgeKey) -> Edge | None:
        """The relationship with this (normalised) key, of a type the model declares, as stored now."""

    async def last_entry_of(self, key: str) -> AuditEntry | None:
        """The newest audit entry naming ``key`` (asked only when a delete finds the entity gone)."""

    async def create_node(self, node: Node) -> None: ...

    async def update_node(self, node: Node) -> None: ...

    async def delete_node(self, node: Node) -> list[Edge]:
        """Delete the node and its relationships; return the relationships (for the audit trail)."""

    async def create_edge(self, edge: Edge) -> None: ...

    async def delete_edge(self, edge: Edge) -> None: ...


async def apply_changes(ops: WriteOps, changes: Sequence[Change]) -> tuple[list[Node | Edge], list[AuditChange]]:
    """Apply ``changes`` in order through ``ops``: what each produced (``Store.write``'s result), and the audit records.

    Each change reads what it concerns after the earlier ones are applied, so a
    later change sees them. Raises what the ``plan_*`` rules raise; the caller's
    transaction then undoes what was applied.
    """
    results: list[Node | Edge] = []
    records: list[AuditChange] = []

    def record(made: AuditChange | None) -> None:
        if made is not None:
            records.append(made)

    for change in changes:
        match change:
            case CreateNode():
                before = await ops.node(change.node.id, lock=False)
                created = plan_create(change, before)
                if created is not before:
                    await ops.create_node(created)
                results.append(created)
                record(change_record(change, before, created))
            case UpdateNode():
                before = await ops.node(change.id, lock=True)
                updated = plan_update(change, before)
                if updated is not before:
                    await ops.update_node(updated)
                results.append(updated)
                record(change_record(change, before, updated))
            case DeleteNode():
                current = await ops.node(change.id, lock=True)
                gone = None if current is not None else deleted_node(await ops.last_entry_of(change.id), change.id)
                deleted = plan_delete(change, current, gone)
                results.append(deleted)
                if current is not None:  # else a retried delete that had landed: nothing to do
                    records += delete_records(change, deleted, await ops.delete_node(deleted))
            case Link():
                e = change.edge
                source, target = await ops.node(e.source, lock=True), await ops.node(e.target, lock=True)
                # A type the model does not know has no relationship stored; plan_link refuses it.
                existing = await ops.edge(normalise_edge(e).key) if e.type in MODEL.rels else None
                linked = plan_link(change, source, target, existing)
                if linked is not existing:
                    await ops.create_edge(linked)
                results.append(linked)
                record(change_record(change, existing, linked))
            case Unlink():
                removed = plan_unlink(change, await ops.edge(change.key) if change.type in MODEL.rels else None)
                await ops.delete_edge(removed)
                results.append(removed)
                record(change_record(change, None, removed))
            case _:
                raise TypeError(f"unknown change {change!r}")
    return results, records
