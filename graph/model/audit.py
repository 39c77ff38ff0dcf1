"""The audit trail: who changed what, when, with the state before and after.

Each acknowledged write that changed something gets one ``AuditEntry``,
stored by the store in the same transaction as the change (Neo4j) or
fsynced before the change is acknowledged (the embedded store), so a change
is never without its entry and an entry never without its change. A retried
write that finds its change applied already changes nothing and records
nothing, so the trail shows each change once.

The states are plain JSON-able dicts: a node's kind, version and properties,
a relationship's properties; dates as ISO strings.

>>> from kimnet.graph.model.changes import CreateNode
>>> node = Node("Need", "need:x", {"name": "X"})
>>> change_record(CreateNode(node), None, node).after
{'kind': 'Need', 'version': 1, 'name': 'X'}
>>> change_record(CreateNode(node), node, node) is None  # a replay: nothing changed
True
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from kimnet.graph.model.changes import Change, CreateNode, DeleteNode, Link, Unlink, UpdateNode, keys_of
from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.kinds import Edge, Node, Value
from kimnet.graph.model.selection import Condition, Selection
from kimnet.graph.model.selection import select as select_records
from kimnet.graph.model.validate import check_props

__all__ = [
    "TRAIL",
    "Actor",
    "AuditChange",
    "AuditEntry",
    "AuditQuery",
    "State",
    "change_record",
    "decode_entry",
    "delete_records",
    "deleted_node",
    "encode_entry",
    "new_entry",
    "select",
    "timestamp",
]

#: A node's or relationship's state in the trail: JSON-able.
State: TypeAlias = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a write, and through which operation (a mutation's name)."""

    subject: str
    role: str
    operation: str
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class AuditChange:
    """One change of an entry: what happened to which entity or relationship."""

    action: str  # create, update, delete, link, unlink
    target: str  # an entity key, or "TYPE source -> target"
    before: State | None
    after: State | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One acknowledged write."""

    id: str
    at: dt.datetime
    subject: str
    role: str
    operation: str
    request_id: str | None
    changes: tuple[AuditChange, ...]
    #: The keys of every entity the write touched, for filtering.
    entities: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Which entries to read: all given conditions hold; newest first, ``limit`` of them."""

    subject: str | None = None
    entity: str | None = None
    operation: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    #: Only entries older than this (at, id) position: the keyset of the previous page.
    before: tuple[dt.datetime, str] | None = None
    limit: int = 50


def _value(value: Value) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _state(item: Node | Edge | None) -> State | None:
    if item is None:
        return None
    if isinstance(item, Node):
        return {"kind": item.kind, "version": item.version, **{k: _value(v) for k, v in sorted(item.props.items())}}
    return {k: _value(v) for k, v in sorted(item.props.items())}


def change_record(change: Change, before: Node | Edge | None, after: Node | Edge | None) -> AuditChange | None:
    """Describe one applied change; None when it changed nothing (a replayed write).

    ``before`` is what the store held, ``after`` what the change produced (for a
    delete or unlink, the removed item).
    """
    if after is before:
        return None
    match change:
        case CreateNode():
            return AuditChange("create", change.node.id, None, _state(after))
        case UpdateNode():
            return AuditChange("update", change.id, _state(before), _state(after))
        case DeleteNode():
            return AuditChange("delete", change.id, _state(after), None)
        case Link():
            assert isinstance(after, Edge)
            return AuditChange("link", _edge_target(after), None, _state(after))
        case Unlink():
            assert isinstance(after, Edge)
            return AuditChange("unlink", _edge_target(after), _state(after), None)
    raise TypeError(f"unknown change {change!r}")


def delete_records(change: DeleteNode, deleted: Node, removed: Sequence[Edge]) -> list[AuditChange]:
    """Describe a delete: the entity, and each relationship that went with it (as an unlink).

    So the trail keeps every tie a delete removed, and a partner's trail shows it.
    """
    record = change_record(change, None, deleted)
    assert record is not None
    return [record, *(AuditChange("unlink", _edge_target(e), _state(e), None) for e in removed)]


def deleted_node(entry: AuditEntry | None, key: str) -> Node | None:
    """The entity ``key`` as it was deleted, if ``entry`` (the newest one naming ``key``) is its delete.

    >>> gone = Node("Need", "need:x", {"name": "X"}, 3)
    >>> record = change_record(DeleteNode("need:x"), None, gone)
    >>> entry = AuditEntry("1", dt.datetime.now(dt.UTC), "s", "admin", "deleteNeed", None, (record,), ("need:x",))
    >>> deleted_node(entry, "need:x")
    Node(kind='Need', id='need:x', props={'name': 'X'}, version=3)
    """
    if entry is None:
        return None
    for change in entry.changes:
        if change.target == key and change.action == "delete" and change.before is not None:
            state = dict(change.before)
            label, version = str(state.pop("kind")), int(state.pop("version"))
            kind = MODEL.nodes.get(label)
            props, _ = check_props(kind.props, state, key) if kind is not None else ({}, [])
            return Node(label, key, props, version)
    return None


def _edge_target(edge: Edge) -> str:
    return f"{edge.type} {edge.source} -> {edge.target}"


def _entities(changes: Sequence[Change], records: Sequence[AuditChange]) -> tuple[str, ...]:
    keys = keys_of(changes)
    for record in records:
        if record.action in ("link", "unlink"):  # "TYPE source -> target": keys hold no spaces
            _, source, _, target = record.target.split(" ")
            keys += [source, target]
    return tuple(dict.fromkeys(keys))


def new_entry(actor: Actor, changes: Sequence[Change], records: Sequence[AuditChange]) -> AuditEntry | None:
    """Make the entry for a write with these ``records``; None when nothing changed."""
    if not records:
        return None
    return AuditEntry(
        id=uuid.uuid4().hex,
        at=dt.datetime.now(dt.UTC),
        subject=actor.subject,
        role=actor.role,
        operation=actor.operation,
        request_id=actor.request_id,
        changes=tuple(records),
        entities=_entities(changes, records),
    )


def timestamp(value: dt.datetime) -> str:
    """Return ``value`` as the fixed-width UTC text the stores keep and compare."""
    return _at(value)


def _at(value: dt.datetime) -> str:
    # Fixed width and UTC, so that comparing the strings compares the times (Neo4j sorts them).
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode_entry(entry: AuditEntry) -> dict[str, Any]:
    """Return ``entry`` as flat JSON-able properties (``changes`` as one JSON text)."""
    return {
        "id": entry.id,
        "at": _at(entry.at),
        "subject": entry.subject,
        "role": entry.role,
        "operation": entry.operation,
        "requestId": entry.request_id,
        "entities": list(entry.entities),
        "changes": json.dumps(
            [{"action": c.action, "target": c.target, "before": c.before, "after": c.after} for c in entry.changes],
            ensure_ascii=False,
            separators=(",", ":"),
        ),
    }


def decode_entry(raw: Mapping[str, Any]) -> AuditEntry:
    """Read back what ``encode_entry`` made."""
    return AuditEntry(
        id=raw["id"],
        at=dt.datetime.strptime(raw["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC),
        subject=raw["subject"],
        role=raw["role"],
        operation=raw["operation"],
        request_id=raw.get("requestId"),
        changes=tuple(AuditChange(c["action"], c["target"], c["before"], c["after"]) for c in json.loads(raw["changes"])),
        entities=tuple(raw.get("entities") or ()),
    )


#: What an ``AuditQuery`` selects, declared once: ``select`` applies it in Python and the Neo4j
#: store generates its statement from it (``graph.stores.neo4j_audit``). Newest first; ``before``
#: is the (at, id) position the previous page ended at.
TRAIL = Selection(
    (
        Condition("subject", "subject", "is"),
        Condition("entity", "entities", "names"),
        Condition("operation", "operation", "is"),
        Condition("since", "at", "from"),
        Condition("until", "at", "until"),
    ),
    ("at", "id"),
    True,
    "before",
)


def _listed(entry: AuditEntry) -> dict[str, Any]:
    # The fields TRAIL names, as encode_entry stores them (but for the time, which stays a datetime
    # here: the query's times are datetimes too, and compare as their stored texts do).
    return {"subject": entry.subject, "entities": entry.entities, "operation": entry.operation, "at": entry.at, "id": entry.id}


def select(entries: Sequence[AuditEntry], query: AuditQuery) -> list[AuditEntry]:
    """Filter, order (newest first) and cut ``entries`` as ``query`` says (``TRAIL``)."""
    return select_records(entries, query, TRAIL, _listed)
