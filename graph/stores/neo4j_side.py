"""What the Neo4j store keeps beside the graph: change proposals and freshness.

``ChangeProposal`` nodes hold a proposal's newest state (as JSON in ``body``,
with the fields it is listed by beside it); ``Freshness`` nodes hold when an
offer or organisation was last verified and last changed. Neither has the
``Entity`` label, so no graph read, export or checksum sees them. Both are
written in the transaction of the write they belong to, from the same audit
entry the embedded store derives them from (``graph.model.freshness.absorb``).
Every statement finds its nodes by id through a uniqueness constraint.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Any, LiteralString, TypeAlias

from neo4j import AsyncManagedTransaction, Record

from kimnet.graph.model.audit import AuditEntry, timestamp
from kimnet.graph.model.errors import DuplicateError, NotFoundError, StaleVersionError
from kimnet.graph.model.freshness import Freshness, absorb
from kimnet.graph.model.proposals import (
    QUEUE,
    Proposal,
    ProposalQuery,
    decode_proposal,
    encode_proposal,
    listing,
    select_proposals,
)
from kimnet.graph.model.sidewrite import SideWrite
from kimnet.graph.stores.neo4j_selection import order_by, selection_params, where

__all__ = ["SIDE_SCHEMA", "freshness", "lock_proposal", "proposals", "record_side"]

SIDE_SCHEMA: tuple[LiteralString, ...] = (
    "CREATE CONSTRAINT proposal_id IF NOT EXISTS FOR (p:ChangeProposal) REQUIRE p.id IS UNIQUE",
    "CREATE INDEX proposal_created IF NOT EXISTS FOR (p:ChangeProposal) ON (p.createdAt)",
    "CREATE CONSTRAINT freshness_id IF NOT EXISTS FOR (f:Freshness) REQUIRE f.id IS UNIQUE",
)

# Takes the proposal's write lock, so that two decisions on one proposal run one after the other.
LOCK_PROPOSAL = "MATCH (p:ChangeProposal {id: $id}) SET p._lock = true REMOVE p._lock RETURN p.revision AS revision"

PUT_PROPOSAL = "MERGE (p:ChangeProposal {id: $id}) SET p = $props"

PROPOSALS_BY_ID = "UNWIND $ids AS id MATCH (p:ChangeProposal {id: id}) RETURN p.body AS body"

# Generated from proposals.QUEUE, the declaration select_proposals applies in Python.
PROPOSALS: LiteralString = (
    f"MATCH (p:ChangeProposal) WHERE {where('p', QUEUE)} RETURN p.body AS body ORDER BY {order_by('p', QUEUE)} LIMIT $limit"
)

FRESHNESS_OF = "UNWIND $ids AS id MATCH (f:Freshness {id: id}) RETURN properties(f) AS props"

ALL_FRESHNESS = "MATCH (f:Freshness) RETURN properties(f) AS props"

MODIFIED = "UNWIND $ids AS id MERGE (f:Freshness {id: id}) SET f.modifiedAt = $at"

VERIFIED = (
    "UNWIND $rows AS r MERGE (f:Freshness {id: r.id}) "
    "SET f.verifiedAt = r.verifiedAt, f.role = r.role, f.organisation = r.organisation, f.method = r.method"
)

FORGET = "UNWIND $ids AS id MATCH (f:Freshness {id: id}) DELETE f"


async def lock_proposal(tx: AsyncManagedTransaction, side: SideWrite) -> None:
    """Check (under its lock) that the stored proposal is at ``side.expected_revision``.

    Raises:
        DuplicateError, NotFoundError, StaleVersionError: it is not.
    """
    if side.proposal is None:
        return
    record = await (await tx.run(LOCK_PROPOSAL, id=side.proposal.id)).single()
    current = None if record is None else int(record["revision"])
    if side.expected_revision is None and current is not None:
        raise DuplicateError(f"{side.proposal.id} exists already")
    if side.expected_revision is not None and current is None:
        raise NotFoundError(f"no proposal has the id {side.proposal.id}")
    if current != side.expected_revision:
        raise StaleVersionError(f"{side.proposal.id} was decided or changed meanwhile; read it again")


async def record_side(tx: AsyncManagedTransaction, entry: AuditEntry, side: SideWrite | None) -> None:
    """Store the proposal of ``side`` and the freshness that ``entry`` changes."""
    touched = absorb({}, [entry])
    modified = [k for k, f in touched.items() if f.modified_at is not None]
    if modified:
        await tx.run(MODIFIED, ids=modified, at=timestamp(entry.at))
    verified = [
        {
            "id": k,
            "verifiedAt": timestamp(f.verified_at),
            "role": f.verified_by_role,
            "organisation": f.verified_by_org,
            "method": f.method,
        }
        for k, f in touched.items()
        if f.verified_at is not None
    ]
    if verified:
        await tx.run(VERIFIED, rows=verified)
    deleted = [r.target for r in entry.changes if r.action == "delete"]
    if deleted:
        await tx.run(FORGET, ids=deleted)
    if side is not None and side.proposal is not None:
        p = side.proposal
        body = json.dumps(encode_proposal(p), ensure_ascii=False, separators=(",", ":"))
        listed = {k: list(v) if isinstance(v, tuple) else v for k, v in listing(p).items()}
        props = {**listed, "revision": p.revision, "body": body}
        await tx.run(PUT_PROPOSAL, id=p.id, props=props)


#: Runs a read statement with parameters and returns its records (the store's ``_query``).
Read: TypeAlias = Callable[..., Awaitable[list[Record]]]


async def proposals(read: Read, query: ProposalQuery) -> list[Proposal]:
    """The proposals ``query`` selects, oldest first."""
    if query.ids is not None:
        found = [decode_proposal(json.loads(r["body"])) for r in await read(PROPOSALS_BY_ID, ids=list(query.ids))]
        return select_proposals(found, query)
    result = await read(PROPOSALS, **selection_params(query, QUEUE))
    return [decode_proposal(json.loads(r["body"])) for r in result]


def _time(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else None


async def freshness(read: Read, ids: list[str] | None) -> dict[str, Freshness]:
    """The freshness known of ``ids`` (of all, if None), by key."""
    result = await (read(ALL_FRESHNESS) if ids is None else read(FRESHNESS_OF, ids=ids))
    found: dict[str, Freshness] = {}
    for record in result:
        raw = record["props"]
        found[raw["id"]] = Freshness(
            raw["id"],
            verified_at=_time(raw.get("verifiedAt")),
            verified_by_role=raw.get("role"),
            verified_by_org=raw.get("organisation"),
            method=raw.get("method") or "IMPORTED",
            modified_at=_time(raw.get("modifiedAt")),
        )
    return found
