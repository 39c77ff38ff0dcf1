"""Change proposals in the API: partners propose, coordinators approve or reject.

A partner's create, update, delete, link or unlink (the writes in
``schema.access.PROPOSED``) does not write: ``scoped_write`` checks it against
the partner's organisations (``graph.rules.scope``), plans it against the graph as
it is (``graph.model.proposals.rehearse``, so the answer carries the same errors a
write would), and stores it as a PENDING ``ChangeProposal``. The payload of the
mutation then holds the proposal, and no entity.

``changeProposals`` lists them oldest first (the queue), each with its changes
field by field, whether it is stale, and how long it has waited.
``approveChange`` writes the changes in one transaction, audited and with a
new generation, exactly as the coordinator's own write, together with the
proposal's new state; ``rejectChange`` needs a reason; the author may
``withdrawChange`` while it waits. A coordinator whose token names a region
has their own writes, and their approvals, checked against it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from kimnet.graph.model.audit import AuditChange
from kimnet.graph.model.changes import Change, Link, Unlink
from kimnet.graph.model.errors import ArgumentError, BadIdError, CursorError, ForbiddenError, KimnetError, StaleVersionError
from kimnet.graph.model.kinds import Edge, EdgeKey
from kimnet.graph.model.proposals import Proposal, ProposalQuery, decide, is_stale, keys_of, proposal_time, rehearse
from kimnet.graph.model.sidewrite import SideWrite
from kimnet.graph.model.validate import normalise_edge
from kimnet.graph.read.scope_facts import read_facts
from kimnet.graph.rules.scope import partner_refusals, region_refusals
from kimnet.graph.stores.store import Store
from kimnet.schema.access import Principal, Role, required_role
from kimnet.schema.changes import UserError, UserErrorCode, user_errors
from kimnet.schema.ids import to_key
from kimnet.schema.loaders import Loaders
from kimnet.schema.pagination import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from kimnet.schema.context import Context

__all__ = ["ChangeProposal", "ProposalMutation", "ProposalQueryType", "check_region", "scoped_write"]

#: Cursors of the queue carry this name, so that no other list's cursor is taken for one.
ORDERING = "changeProposals"


@strawberry.enum(description="Where a change proposal stands")
class ProposalStatus(enum.Enum):
    PENDING = strawberry.enum_value("PENDING", description="Waiting for a coordinator's decision; nothing is written yet")
    APPROVED = strawberry.enum_value("APPROVED", description="A coordinator approved it: its changes were written")
    REJECTED = strawberry.enum_value("REJECTED", description="A coordinator rejected it, saying why; nothing was written")
    WITHDRAWN = strawberry.enum_value("WITHDRAWN", description="Its author withdrew it before a decision; nothing was written")


@strawberry.type(description="One field of a proposed change: its value before and after")
class FieldChange:
    field: str = strawberry.field(description="The property's name")
    before: JSON | None = strawberry.field(description="Its value before the change; null if it had none")
    after: JSON | None = strawberry.field(description="Its value after the change; null if it has none")


@strawberry.type(description="One change of a proposal, as planned against the graph when it was proposed")
class ProposedChange:
    action: str = strawberry.field(description="What the change does: create, update, delete, link or unlink")
    target: str = strawberry.field(description="The entity's key, or 'TYPE source -> target' for a relationship")
    before: JSON | None = strawberry.field(
        description="The entity's or relationship's properties before the change; null for a create or link"
    )
    after: JSON | None = strawberry.field(
        description="The entity's or relationship's properties after the change; null for a delete or unlink"
    )
    fields: list[FieldChange] = strawberry.field(description="Only the fields that differ, before and after")


@strawberry.type(description="An entity a proposal rests on, at the version it was proposed from")
class RestsOn:
    key: str = strawberry.field(description="The entity's key")
    version: int = strawberry.field(description="Its version when the proposal was made; approval needs it unchanged")
    currentVersion: int | None = strawberry.field(description="Its version now; null if it is gone")


@strawberry.type(description="A remark on a proposal; a rejection's reason is one")
class ProposalComment:
    at: dt.datetime = strawberry.field(description="When the remark was made")
    role: str = strawberry.field(description="The role of the token that made it, e.g. coordinator")
    text: str = strawberry.field(description="The remark itself")


@strawberry.type(description="A partner's planned write, waiting for a coordinator or decided")
class ChangeProposal:
    id: str = strawberry.field(description="The proposal's id (proposal:…), for approveChange, rejectChange, withdrawChange")
    author: str = strawberry.field(description="The proposing token's subject")
    authorRole: str = strawberry.field(description="The proposing token's role, e.g. partner")
    organisations: list[str] = strawberry.field(description="The keys of the organisations it concerns")
    operation: str = strawberry.field(description="The mutation it came through, e.g. updateService")
    status: ProposalStatus = strawberry.field(description="Where it stands: pending, or how it was decided")
    changes: list[ProposedChange] = strawberry.field(
        description="The changes it would write, in order, as planned against the graph when it was proposed"
    )
    restsOn: list[RestsOn] = strawberry.field(
        description="The entities it updates, deletes or links, at the versions it was proposed from, and their versions now"
    )
    stale: bool = strawberry.field(
        description="An entity it rests on has changed since (or is gone): it cannot be approved; propose again"
    )
    createdAt: dt.datetime = strawberry.field(description="When it was proposed")
    decidedAt: dt.datetime | None = strawberry.field(
        description="When it was approved, rejected or withdrawn; null while pending"
    )
    decidedBy: str | None = strawberry.field(description="The deciding token's subject")
    decidedRole: str | None = strawberry.field(description="The deciding token's role; null while pending")
    waitingSeconds: int = strawberry.field(description="How long it waited for a decision (until now, while pending)")
    reason: str | None = strawberry.field(description="Why it was rejected")
    comments: list[ProposalComment] = strawberry.field(description="The remarks on it, oldest first")

    @classmethod
    def of(cls, p: Proposal, versions: dict[str, int], now: dt.datetime) -> ChangeProposal:
        return cls(
            id=p.id,
            author=p.author,
            authorRole=p.author_role,
            organisations=list(p.organisations),
            operation=p.operation,
            status=ProposalStatus(p.status),
            changes=[_proposed(r) for r in p.planned],
            restsOn=[RestsOn(key=k, version=v, currentVersion=versions.get(k)) for k, v in sorted(p.rests_on.items())],
            stale=p.status == "PENDING" and is_stale(p, versions),
            createdAt=p.created_at,
            decidedAt=p.decided_at,
            decidedBy=p.decided_by,
            decidedRole=p.decided_role,
            waitingSeconds=int(p.waiting(now).total_seconds()),
            reason=p.comments[-1].text if p.status == "REJECTED" and p.comments else None,
            comments=[ProposalComment(at=c.at, role=c.role, text=c.text) for c in p.comments],
        )


def _proposed(record: AuditChange) -> ProposedChange:
    before, after = record.before or {}, record.after or {}
    names = sorted(set(before) | set(after) - {"version"})
    fields = [
        FieldChange(field=n, before=cast(Any, before.get(n)), after=cast(Any, after.get(n)))
        for n in names
        if n != "version" and before.get(n) != after.get(n)
    ]
    return ProposedChange(
        action=record.action, target=record.target, before=cast(Any, record.before), after=cast(Any, record.after), fields=fields
    )


@strawberry.type(description="A change proposal in the queue, with a cursor")
class ChangeProposalEdge:
    cursor: str = strawberry.field(description="Where this proposal is in the queue, for `after`")
    node: ChangeProposal = strawberry.field(description="The change proposal")


@strawberry.type(description="A page of change proposals, oldest first")
class ChangeProposalConnection:
    edges: list[ChangeProposalEdge] = strawberry.field(
        description="The proposals of this page, oldest first, each with its cursor"
    )
    pageInfo: relay.PageInfo = strawberry.field(description="Whether more pages exist, and the cursor to reach the next")

    @strawberry.field(description="The proposals of this page, without cursors")
    def nodes(self) -> list[ChangeProposal]:
        return [e.node for e in self.edges]


@strawberry.type(description="What a decision or withdrawal did: the proposal, or the errors")
class ProposalPayload:
    proposal: ChangeProposal | None = strawberry.field(description="The proposal in its new state; null when there are errors")
    errors: list[UserError] = strawberry.field(
        description="Why the proposal could not be decided or withdrawn; nothing was changed when there are any"
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _versions(store: Store, proposals: Sequence[Proposal]) -> dict[str, int]:
    keys = [k for p in proposals for k in p.rests_on]
    return {k: n.version for k, n in (await store.get_nodes(keys)).items()}


async def _objects(store: Store, proposals: Sequence[Proposal]) -> list[ChangeProposal]:
    versions = await _versions(store, proposals)
    now = _now()
    return [ChangeProposal.of(p, versions, now) for p in proposals]


# -- the write of a scoped token -----------------------------------------------------


async def _existing_edges(store: Store, changes: Sequence[Change]) -> dict[EdgeKey, Edge]:
    """The stored relationships that ``changes`` link or unlink (one lookup by key per relationship kind)."""
    wanted: defaultdict[str, set[EdgeKey]] = defaultdict(set)
    for change in changes:
        key = normalise_edge(change.edge).key if isinstance(change, Link) else change.key if isinstance(change, Unlink) else None
        if key is not None:
            wanted[key[0]].add(key)
    found: dict[EdgeKey, Edge] = {}
    for type_, keys in wanted.items():
        try:
            neighbours = await store.neighbours(sorted({k[1] for k in keys}), type_, "out")
        except ValueError:
            continue  # an unknown relationship kind: planning reports it
        found.update({e.key: e for pairs in neighbours.values() for e, _ in pairs if e.key in keys})
    return found


async def check_region(store: Store, principal: Principal, changes: Sequence[Change]) -> None:
    """Raise ForbiddenError if a coordinator limited to a region may not make ``changes``."""
    if principal.region is None:
        return
    refusals = region_refusals(changes, principal.region, await read_facts(store, changes, principal.region))
    if refusals:
        raise ForbiddenError("forbidden: " + "; ".join(refusals))


async def scoped_write(
    info: strawberry.Info[Context, None], changes: Sequence[Change]
) -> tuple[Proposal | None, list[UserError]] | None:
    """Handle the write of a scoped token: a partner's becomes a proposal; a region is checked.

    Returns the proposal and errors for a partner, None when the write goes ahead
    as usual (a coordinator inside their region).

    Raises:
        ForbiddenError: the write touches what the token does not speak for; nothing was written.
    """
    context = info.context
    principal, store = context.principal, context.store
    if principal.role != Role.PARTNER:
        await check_region(store, principal, changes)
        return None
    facts = await read_facts(store, changes, None)
    refusals = partner_refusals(changes, principal.orgs, facts)
    if refusals:
        raise ForbiddenError("forbidden: " + "; ".join(refusals))
    keys = keys_of(changes)
    try:
        planned, rests_on = rehearse(changes, await store.get_nodes(keys), await _existing_edges(store, changes))
    except KimnetError as exc:
        return None, user_errors(exc)
    if not planned:
        return None, [
            UserError(field=None, message="this changes nothing: the entry holds it already", code=UserErrorCode.INVALID)
        ]
    concerned = {o for o in principal.orgs if o in keys or any(o in facts.providers.get(k, ()) for k in keys)}
    proposal = Proposal.new(
        principal.subject,
        principal.role.label,
        sorted(concerned or principal.orgs),
        info.field_name,
        changes,
        planned,
        rests_on,
        _now(),
    )
    await store.write([], context.actor(info.field_name), side=SideWrite(proposal=proposal))
    return proposal, []


# -- queries and mutations -----------------------------------------------------------


def _proposal_key(value: str) -> str:
    value = value.strip()
    if not value.startswith("proposal:") or len(value) > 100:
        raise BadIdError(f"{value[:40]!r} is not a proposal id (proposal:…)")
    return value


async def _load(store: Store, proposal_id: str) -> Proposal | None:
    found = await store.proposals(ProposalQuery(ids=(proposal_id,), limit=1))
    return found[0] if found else None


@strawberry.type
class ProposalQueryType:
    @strawberry.field(
        description="Change proposals, oldest first: partners see their own organisations', coordinators the whole queue"
    )
    async def changeProposals(
        self,
        info: strawberry.Info[Context, None],
        status: Annotated[
            ProposalStatus | None, strawberry.argument(description="Only the proposals in this state (default: all)")
        ] = None,
        organisation: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only the proposals concerning this organisation (key or global id); a partner's must be their own"
            ),
        ] = None,
        first: Annotated[
            int, strawberry.argument(description="How many proposals (at most KIMNET_MAX_PAGE_SIZE; default 50)")
        ] = 50,
        after: Annotated[
            str | None, strawberry.argument(description="Start after this cursor (endCursor of the previous page)")
        ] = None,
    ) -> ChangeProposalConnection:
        context = info.context
        principal = context.principal
        if not 0 <= first <= context.policy.limits.max_page_size:
            raise CursorError(f"first must be between 0 and {context.policy.limits.max_page_size}, not {first}")
        orgs: tuple[str, ...] | None = None
        if organisation is not None:
            try:
                orgs = (to_key(organisation),)
            except BadIdError as exc:
                raise ArgumentError(f"organisation: {exc}") from None
        if principal.role == Role.CASEWORKER:
            raise ForbiddenError("forbidden: change proposals are for partners (their own) and coordinators")
        if principal.role == Role.PARTNER:
            if orgs is not None and not set(orgs) <= principal.orgs:
                raise ForbiddenError(f"forbidden: {orgs[0]} is not one of your organisations")
            orgs = orgs or tuple(sorted(principal.orgs))
        position = None
        if after is not None:
            key = decode_cursor(after, ORDERING)
            if len(key) != 2 or not all(isinstance(k, str) for k in key):
                raise CursorError("this cursor is not one of changeProposals; start again without after")
            position = (str(key[0]), str(key[1]))
        query = ProposalQuery(status=status.name if status else None, organisations=orgs, after=position, limit=first + 1)
        found = await context.store.proposals(query)
        page = found[:first]
        nodes = await _objects(context.store, page)
        edges = [
            ChangeProposalEdge(cursor=encode_cursor((proposal_time(p.created_at), p.id), ORDERING), node=n)
            for p, n in zip(page, nodes, strict=True)
        ]
        return ChangeProposalConnection(
            edges=edges,
            pageInfo=relay.PageInfo(
                has_next_page=len(found) > first,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )


def _refused(message: str, code: UserErrorCode = UserErrorCode.INVALID) -> ProposalPayload:
    return ProposalPayload(proposal=None, errors=[UserError(field="id", message=message, code=code)])


async def _decide(info: strawberry.Info[Context, None], id: str, status: str, reason: str | None = None) -> ProposalPayload:
    context = info.context
    store, principal = context.store, context.principal
    try:
        proposal = await _load(store, _proposal_key(id))
    except BadIdError as exc:
        return ProposalPayload(proposal=None, errors=user_errors(exc))
    if proposal is None:
        return _refused(f"no proposal has the id {id[:100]}", UserErrorCode.NOT_FOUND)
    if status == "WITHDRAWN" and proposal.author != principal.subject:
        raise ForbiddenError("forbidden: only the author of a proposal may withdraw it")
    changes: Sequence[Change] = ()
    if status == "APPROVED":
        needed = required_role("Mutation", proposal.operation)
        if not principal.may(needed):
            raise ForbiddenError(f"forbidden: approving {proposal.operation} needs the role {needed.label}")
        await check_region(store, principal, proposal.changes)
        if is_stale(proposal, await _versions(store, [proposal])):
            return _refused(
                f"{proposal.id} rests on entries that have changed since it was proposed; it cannot be approved: "
                "reject it, and the partner proposes again from what is there now",
                UserErrorCode.STALE_VERSION,
            )
        changes = proposal.changes
    try:
        decided = decide(proposal, status, principal.subject, principal.role.label, _now(), reason)
        await store.write(changes, context.actor(info.field_name), side=SideWrite(decided, proposal.revision))
    except StaleVersionError as exc:
        return _refused(str(exc), UserErrorCode.STALE_VERSION)
    except ArgumentError as exc:
        field = "reason" if status == "REJECTED" and "reason" in str(exc) else "id"
        return ProposalPayload(proposal=None, errors=[UserError(field=field, message=str(exc), code=UserErrorCode.INVALID)])
    except KimnetError as exc:
        if isinstance(exc, ForbiddenError):
            raise
        return ProposalPayload(proposal=None, errors=user_errors(exc))
    if changes:
        context.loaders = Loaders.for_store(store)  # what the request read before is stale now
    return ProposalPayload(proposal=(await _objects(store, [decided]))[0], errors=[])


_PROPOSAL_ID = Annotated[strawberry.ID, strawberry.argument(description="The proposal's id (proposal:…)")]


@strawberry.type
class ProposalMutation:
    @strawberry.mutation(description="Apply a pending proposal's changes in one transaction, as your own write (coordinators)")
    async def approveChange(self, info: strawberry.Info[Context, None], id: _PROPOSAL_ID) -> ProposalPayload:
        return await _decide(info, id, "APPROVED")

    @strawberry.mutation(description="Reject a pending proposal, saying why (coordinators)")
    async def rejectChange(
        self,
        info: strawberry.Info[Context, None],
        id: _PROPOSAL_ID,
        reason: Annotated[str, strawberry.argument(description="Why it is rejected; the partner reads it")],
    ) -> ProposalPayload:
        return await _decide(info, id, "REJECTED", reason)

    @strawberry.mutation(description="Withdraw your own pending proposal")
    async def withdrawChange(self, info: strawberry.Info[Context, None], id: _PROPOSAL_ID) -> ProposalPayload:
        return await _decide(info, id, "WITHDRAWN")
