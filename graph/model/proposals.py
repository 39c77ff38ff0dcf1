"""Change proposals: a partner's write, held for a coordinator to approve or reject.

A partner does not change the network directly. Their write is planned with
the same rules as any write (``graph.model.changes``), against the graph as it is
now, and kept as a ``Proposal``: the changes, each with its state before and
after, and the versions of the entities it rests on. A coordinator approves it
(the changes are then written in one transaction, exactly as their own write)
or rejects it with a reason; the author may withdraw it while it waits.

A proposal is stale as soon as an entity it rests on has another version (or
is gone): it cannot be approved then, the author proposes again from what is
there now. Its lifecycle::

    PENDING ──approve──> APPROVED
       ├─────reject───> REJECTED
       └─────withdraw─> WITHDRAWN

Every step is a new state of the proposal with ``revision`` one up; stores
keep the newest and refuse a step made from an older revision, so two
coordinators cannot both decide.

>>> p = Proposal.new("partner-1", "partner", ("org:a",), "updateService", (), (), {"svc:x": 3}, NOW)
>>> p.status, p.revision
('PENDING', 1)
>>> is_stale(p, {"svc:x": 3}), is_stale(p, {"svc:x": 4}), is_stale(p, {})
(False, True, True)
>>> decide(p, "APPROVED", "ki", "coordinator", NOW).status
'APPROVED'
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from kimnet.graph.model.audit import AuditChange, change_record
from kimnet.graph.model.changes import (
    Change,
    CreateNode,
    DeleteNode,
    Link,
    Unlink,
    UpdateNode,
    keys_of,
    plan_create,
    plan_delete,
    plan_link,
    plan_unlink,
    plan_update,
)
from kimnet.graph.model.codec import decode_edge, decode_node, encode_edge, encode_node
from kimnet.graph.model.errors import ArgumentError
from kimnet.graph.model.kinds import Edge, EdgeKey, Node, Value
from kimnet.graph.model.selection import Condition, Selection, select
from kimnet.graph.model.validate import normalise_edge

__all__ = [
    "NOW",
    "QUEUE",
    "STATUSES",
    "Comment",
    "Proposal",
    "ProposalQuery",
    "decide",
    "decode_change",
    "decode_proposal",
    "encode_change",
    "encode_proposal",
    "is_stale",
    "keys_of",
    "listing",
    "rehearse",
    "select_proposals",
]

STATUSES = ("PENDING", "APPROVED", "REJECTED", "WITHDRAWN")

#: A fixed time for the doctests.
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

#: The audit action each status is reached by.
EVENT = {"PENDING": "propose", "APPROVED": "approve", "REJECTED": "reject", "WITHDRAWN": "withdraw"}


@dataclass(frozen=True, slots=True)
class Comment:
    """A remark on a proposal: when, by which role, and the text (a rejection's reason is one)."""

    at: dt.datetime
    role: str
    text: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """A planned write waiting for a decision, or the record of one that was decided."""

    id: str
    author: str  # the token subject of the partner who proposed it
    author_role: str
    organisations: tuple[str, ...]  # the organisations it concerns (those the author speaks for)
    operation: str  # the mutation it came through, e.g. updateService
    changes: tuple[Change, ...]
    planned: tuple[AuditChange, ...]  # per change: the state before and after, as planned
    rests_on: Mapping[str, int]  # entity key -> the version it was proposed from
    created_at: dt.datetime
    status: str = "PENDING"
    revision: int = 1
    updated_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    decided_by: str | None = None  # the deciding token's subject
    decided_role: str | None = None
    comments: tuple[Comment, ...] = field(default_factory=tuple)

    @classmethod
    def new(
        cls,
        author: str,
        author_role: str,
        organisations: Sequence[str],
        operation: str,
        changes: Sequence[Change],
        planned: Sequence[AuditChange],
        rests_on: Mapping[str, int],
        now: dt.datetime,
    ) -> Proposal:
        return cls(
            id=f"proposal:{uuid.uuid4().hex}",
            author=author,
            author_role=author_role,
            organisations=tuple(sorted(organisations)),
            operation=operation,
            changes=tuple(changes),
            planned=tuple(planned),
            rests_on=dict(rests_on),
            created_at=now,
            updated_at=now,
        )

    @property
    def event(self) -> str:
        """The audit action of this state: propose, approve, reject or withdraw."""
        return EVENT[self.status]

    def waiting(self, now: dt.datetime) -> dt.timedelta:
        """How long it has waited for a decision: until it was decided, or until ``now``."""
        return (self.decided_at or now) - self.created_at


def decide(proposal: Proposal, status: str, subject: str, role: str, now: dt.datetime, reason: str | None = None) -> Proposal:
    """Return ``proposal`` moved from PENDING to ``status`` by ``subject``.

    Raises:
        ArgumentError: it is not pending any more, or a rejection without a reason.
    """
    if proposal.status != "PENDING":
        raise ArgumentError(f"{proposal.id} is {proposal.status.lower()} already; only a pending proposal can be decided")
    if status not in STATUSES[1:]:
        raise ArgumentError(f"a proposal cannot move to {status}")
    comments = proposal.comments
    if status == "REJECTED":
        if not reason or not reason.strip():
            raise ArgumentError("a rejection needs a reason, so that the partner knows what to change")
        comments = (*comments, Comment(now, role, reason.strip()))
    return replace(
        proposal,
        status=status,
        revision=proposal.revision + 1,
        updated_at=now,
        decided_at=now,
        decided_by=subject,
        decided_role=role,
        comments=comments,
    )


def is_stale(proposal: Proposal, versions: Mapping[str, int]) -> bool:
    """Tell whether an entity the proposal rests on has changed: ``versions`` are the current ones (a gone entity is missing)."""
    return any(versions.get(key) != version for key, version in proposal.rests_on.items())


def rehearse(
    changes: Sequence[Change], nodes: Mapping[str, Node], edges: Mapping[EdgeKey, Edge]
) -> tuple[list[AuditChange], dict[str, int]]:
    """Plan ``changes`` in order against ``nodes`` and ``edges`` as they are now, without writing.

    ``nodes`` holds every existing entity the changes name, ``edges`` every
    existing relationship they link or unlink. Returns each change's record
    (state before and after) and the versions the changes rest on: the
    entities updated or deleted, and the existing ends of relationships.

    Raises:
        ValidationError, NotFoundError, DuplicateError, StaleVersionError: as the write itself would.
    """
    seen: dict[str, Node | None] = dict(nodes)
    links: dict[EdgeKey, Edge | None] = dict(edges)
    records: list[AuditChange] = []
    rests_on: dict[str, int] = {}

    def node(key: str) -> Node | None:
        return seen.get(key)

    for change in changes:
        before: Node | Edge | None
        after: Node | Edge
        match change:
            case CreateNode():
                before = node(change.node.id)
                after = plan_create(change, before)
                seen[after.id] = after
            case UpdateNode():
                before = node(change.id)
                after = plan_update(change, before)
                if before is not None and change.id in nodes:
                    rests_on[change.id] = before.version
                seen[after.id] = after
            case DeleteNode():
                before = None
                after = plan_delete(change, node(change.id))
                rests_on[change.id] = after.version
                seen[change.id] = None
            case Link():
                key = normalise_edge(change.edge).key
                before = links.get(key)
                after = plan_link(change, node(change.edge.source), node(change.edge.target), before)
                links[key] = after
            case Unlink():
                before = None
                after = plan_unlink(change, links.get(change.key))
                links[change.key] = None
        if isinstance(after, Edge):
            for end in (after.source, after.target):
                if end in nodes:
                    rests_on.setdefault(end, nodes[end].version)
        record = change_record(change, before, after)
        if record is not None:
            records.append(record)
    return records, rests_on


# -- encoding, for the stores ---------------------------------------------------


def encode_change(change: Change) -> dict[str, Any]:
    """Return ``change`` as JSON-able data."""
    match change:
        case CreateNode():
            return {"op": "create", "node": encode_node(change.node)}
        case UpdateNode():
            node = encode_node(Node("_", change.id, cast(Mapping[str, Value], change.set)))  # for its value encoding
            return {
                "op": "update",
                "id": change.id,
                "v": change.expected_version,
                "set": node["props"],
                "unset": list(change.unset),
            }
        case DeleteNode():
            return {"op": "delete", "id": change.id, "v": change.expected_version}
        case Link():
            return {"op": "link", "edge": encode_edge(change.edge)}
        case Unlink():
            return {"op": "unlink", "type": change.type, "s": change.source, "t": change.target}
    raise TypeError(f"unknown change {change!r}")


def decode_change(raw: Mapping[str, Any]) -> Change:
    """Read back what ``encode_change`` made."""
    op = raw["op"]
    if op == "create":
        return CreateNode(decode_node(raw["node"]))
    if op == "update":
        values = decode_node({"kind": "_", "id": raw["id"], "v": 0, "props": raw["set"]}).props
        return UpdateNode(raw["id"], raw["v"], dict(values), tuple(raw["unset"]))
    if op == "delete":
        return DeleteNode(raw["id"], raw["v"])
    if op == "link":
        return Link(decode_edge(raw["edge"]))
    if op == "unlink":
        return Unlink(raw["type"], raw["s"], raw["t"])
    raise ValueError(f"unknown change op {op!r}")


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value is not None else None


def _parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC) if value else None


def encode_proposal(p: Proposal) -> dict[str, Any]:
    """Return ``p`` as JSON-able data (times as fixed-width UTC text, which sorts as the times do)."""
    return {
        "id": p.id,
        "author": p.author,
        "authorRole": p.author_role,
        "organisations": list(p.organisations),
        "operation": p.operation,
        "changes": [encode_change(c) for c in p.changes],
        "planned": [{"action": r.action, "target": r.target, "before": r.before, "after": r.after} for r in p.planned],
        "restsOn": dict(p.rests_on),
        "createdAt": _time(p.created_at),
        "status": p.status,
        "revision": p.revision,
        "updatedAt": _time(p.updated_at),
        "decidedAt": _time(p.decided_at),
        "decidedBy": p.decided_by,
        "decidedRole": p.decided_role,
        "comments": [{"at": _time(c.at), "role": c.role, "text": c.text} for c in p.comments],
    }


def decode_proposal(raw: Mapping[str, Any]) -> Proposal:
    """Read back what ``encode_proposal`` made."""
    created = _parse_time(raw["createdAt"])
    assert created is not None
    return Proposal(
        id=raw["id"],
        author=raw["author"],
        author_role=raw["authorRole"],
        organisations=tuple(raw["organisations"]),
        operation=raw["operation"],
        changes=tuple(decode_change(c) for c in raw["changes"]),
        planned=tuple(AuditChange(r["action"], r["target"], r["before"], r["after"]) for r in raw["planned"]),
        rests_on=dict(raw["restsOn"]),
        created_at=created,
        status=raw["status"],
        revision=raw["revision"],
        updated_at=_parse_time(raw.get("updatedAt")),
        decided_at=_parse_time(raw.get("decidedAt")),
        decided_by=raw.get("decidedBy"),
        decided_role=raw.get("decidedRole"),
        comments=tuple(Comment(_parse_time(c["at"]) or created, c["role"], c["text"]) for c in raw.get("comments", ())),
    )


@dataclass(frozen=True, slots=True)
class ProposalQuery:
    """Which proposals to list: all given conditions hold; oldest first (the queue's order), ``limit`` of them."""

    status: str | None = None
    organisations: tuple[str, ...] | None = None  # concerning at least one of these
    author: str | None = None
    ids: tuple[str, ...] | None = None
    #: Only proposals after this (createdAt text, id) position: the keyset of the previous page.
    after: tuple[str, str] | None = None
    limit: int = 50


#: What a ``ProposalQuery`` selects, declared once: ``select_proposals`` applies it in Python and
#: the Neo4j store generates its statement from it (``graph.stores.neo4j_side``). Oldest first (the
#: queue's order); ``after`` is the (createdAt, id) position the previous page ended at.
QUEUE = Selection(
    (
        Condition("status", "status", "is"),
        Condition("organisations", "organisations", "overlaps"),
        Condition("author", "author", "is"),
        Condition("ids", "id", "among"),
    ),
    ("createdAt", "id"),
    False,
    "after",
)


def listing(proposal: Proposal) -> dict[str, Any]:
    """The fields a proposal is listed by (``QUEUE``), as a store keeps them beside its whole state."""
    return {
        "id": proposal.id,
        "status": proposal.status,
        "author": proposal.author,
        "organisations": proposal.organisations,
        "createdAt": proposal_time(proposal.created_at),
    }


def select_proposals(proposals: Iterable[Proposal], query: ProposalQuery) -> list[Proposal]:
    """Filter, order (oldest first) and cut ``proposals`` as ``query`` says (``QUEUE``)."""
    return select(proposals, query, QUEUE, listing)


def proposal_time(value: dt.datetime) -> str:
    """The text form of a time that proposals are ordered and paged by."""
    return _time(value) or ""
