"""The audit trail in the API: who changed what and when, for admins.

``auditTrail`` lists the entries newest first, with keyset cursors like every
other list, filtered by who (``subject``), which entity, which mutation and a
time window. Each entry has the state before and after of every change (JSON).
Who may read it is decided in ``schema.access`` (admins only).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from kimnet.graph.model.audit import AuditEntry as Entry
from kimnet.graph.model.audit import AuditQuery
from kimnet.graph.model.errors import ArgumentError, BadIdError, CursorError
from kimnet.schema.ids import to_key
from kimnet.schema.pagination import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from kimnet.schema.context import Context

__all__ = ["AuditQueryType"]

#: Cursors of the audit trail carry this name, so that no other list's cursor is taken for one.
ORDERING = "auditTrail"


@strawberry.enum(description="What a change did")
class AuditAction(enum.Enum):
    CREATE = strawberry.enum_value("create", description="An entity was created")
    UPDATE = strawberry.enum_value("update", description="An entity's properties were changed")
    DELETE = strawberry.enum_value("delete", description="An entity was deleted, with its relationships")
    LINK = strawberry.enum_value("link", description="A relationship was created")
    UNLINK = strawberry.enum_value("unlink", description="A relationship was removed")
    # Beside the graph: a partner's change proposal and its decision, and a confirmation (schema.proposals, schema.freshness).
    PROPOSE = strawberry.enum_value("propose", description="A partner proposed a change")
    APPROVE = strawberry.enum_value("approve", description="A coordinator approved a proposal; its changes were written")
    REJECT = strawberry.enum_value("reject", description="A coordinator rejected a proposal, with a reason")
    WITHDRAW = strawberry.enum_value("withdraw", description="The author withdrew a proposal")
    VERIFY = strawberry.enum_value("verify", description="An entry was confirmed unchanged")


@strawberry.type(description="One change of an audited write, with the state before and after")
class AuditChange:
    action: AuditAction = strawberry.field(description="What was done")
    target: str = strawberry.field(description="The entity's key, or 'TYPE source -> target' for a relationship")
    before: JSON | None = strawberry.field(description="The state before (null for a create or link)")
    after: JSON | None = strawberry.field(description="The state after (null for a delete or unlink)")


@strawberry.type(description="One acknowledged write: who, when, through which mutation, and what changed")
class AuditEntry:
    id: str = strawberry.field(description="The entry's id")
    at: dt.datetime = strawberry.field(description="When the change was made (UTC)")
    subject: str = strawberry.field(description="The token's subject (anonymous writes cannot happen)")
    role: str = strawberry.field(description="The role the token carried")
    operation: str = strawberry.field(description="The mutation, e.g. createService")
    requestId: str | None = strawberry.field(description="The request's id (X-Request-ID), to find it in the logs")
    changes: list[AuditChange] = strawberry.field(
        description="Each entity or relationship changed, with the states before and after"
    )

    @classmethod
    def of(cls, entry: Entry) -> AuditEntry:
        return cls(
            id=entry.id,
            at=entry.at,
            subject=entry.subject,
            role=entry.role,
            operation=entry.operation,
            requestId=entry.request_id,
            changes=[
                AuditChange(action=AuditAction(c.action), target=c.target, before=cast(Any, c.before), after=cast(Any, c.after))
                for c in entry.changes
            ],
        )


@strawberry.type(description="An audit entry in a list, with a cursor")
class AuditEdge:
    cursor: str = strawberry.field(description="Where this entry is, for `after`")
    node: AuditEntry = strawberry.field(description="The audit entry")


@strawberry.type(description="A page of the audit trail, newest first")
class AuditConnection:
    edges: list[AuditEdge] = strawberry.field(description="The entries of this page, newest first, each with its cursor")
    pageInfo: relay.PageInfo = strawberry.field(description="Whether more pages exist, and the cursor to reach the next")

    @strawberry.field(description="The entries of this page, without cursors")
    def nodes(self) -> list[AuditEntry]:
        return [e.node for e in self.edges]


@strawberry.input(description="Which audit entries to list; all given conditions hold")
class AuditFilter:
    subject: str | None = strawberry.field(default=None, description="Written by this token subject")
    entity: strawberry.ID | None = strawberry.field(default=None, description="Touching this entity (key or id)")
    operation: str | None = strawberry.field(default=None, description="Through this mutation, e.g. updateService")
    since: dt.datetime | None = strawberry.field(default=None, description="At or after this time")
    until: dt.datetime | None = strawberry.field(default=None, description="At or before this time")


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


@strawberry.type
class AuditQueryType:
    @strawberry.field(description="Who changed what and when, newest first (admins only)")
    async def auditTrail(
        self,
        info: strawberry.Info[Context, None],
        first: Annotated[
            int, strawberry.argument(description="How many entries (at most KIMNET_MAX_PAGE_SIZE; default 50)")
        ] = 50,
        after: Annotated[
            str | None, strawberry.argument(description="Start after this cursor (endCursor of the previous page)")
        ] = None,
        where: Annotated[
            AuditFilter | None, strawberry.argument(description="Only the entries that meet these conditions")
        ] = None,
    ) -> AuditConnection:
        if not 0 <= first <= info.context.policy.limits.max_page_size:
            raise CursorError(f"first must be between 0 and {info.context.policy.limits.max_page_size}, not {first}")
        before = None
        if after is not None:
            key = decode_cursor(after, ORDERING)
            if len(key) != 2 or not all(isinstance(k, str) for k in key):
                raise CursorError("this cursor is not one of auditTrail; start again without after")
            try:
                before = (dt.datetime.fromisoformat(key[0]), key[1])
            except ValueError:
                raise CursorError("this cursor is not one of auditTrail; start again without after") from None
        where = where or AuditFilter()
        try:
            entity = to_key(where.entity) if where.entity is not None else None
        except BadIdError as exc:
            raise ArgumentError(f"where.entity: {exc}") from None
        query = AuditQuery(
            subject=where.subject,
            entity=entity,
            operation=where.operation,
            since=_aware(where.since),
            until=_aware(where.until),
            before=before,
            limit=first + 1,
        )
        found = await info.context.store.audit_trail(query)
        page = found[:first]
        edges = [AuditEdge(cursor=encode_cursor((e.at.isoformat(), e.id), ORDERING), node=AuditEntry.of(e)) for e in page]
        return AuditConnection(
            edges=edges,
            pageInfo=relay.PageInfo(
                has_next_page=len(found) > first,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )
