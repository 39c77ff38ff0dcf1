"""What a write records beside the graph: a proposal's new state, and verifications.

Both go into the write's audit entry as records of their own (actions
propose, approve, reject, withdraw and verify), so the trail shows who
proposed, who decided and who confirmed what, in the same transaction (Neo4j)
or fsynced line (embedded) as the rest of the write. The stores also keep them
where they can be queried: proposals by id and status, freshness by entity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from kimnet.graph.model.audit import Actor, AuditChange, AuditEntry, new_entry
from kimnet.graph.model.changes import Change
from kimnet.graph.model.proposals import Proposal, encode_proposal, keys_of

__all__ = ["SideWrite", "audit_entry"]


@dataclass(frozen=True, slots=True)
class SideWrite:
    """A proposal to store (at ``expected_revision``: None for a new one) and entries verified."""

    proposal: Proposal | None = None
    #: The revision the stored proposal must be at; None: it must not exist yet.
    expected_revision: int | None = None
    #: (entity key, the verification's state as ``graph.model.freshness.verification`` makes it)
    verifications: tuple[tuple[str, dict[str, Any]], ...] = ()

    def records(self) -> list[AuditChange]:
        """The audit records of this side write."""
        found = [AuditChange("verify", key, None, state) for key, state in self.verifications]
        if self.proposal is not None:
            found.append(AuditChange(self.proposal.event, self.proposal.id, None, encode_proposal(self.proposal)))
        return found

    def entities(self) -> list[str]:
        """The keys the audit entry is found by: the proposal, the entities it concerns, the verified ones."""
        keys = [key for key, _ in self.verifications]
        if self.proposal is not None:
            keys += [self.proposal.id, *self.proposal.organisations, *keys_of(self.proposal.changes)]
        return keys


def audit_entry(
    actor: Actor | None, changes: Sequence[Change], records: Sequence[AuditChange], side: SideWrite | None
) -> AuditEntry | None:
    """The audit entry of a write with these graph ``records`` and ``side`` write; None when nothing is recorded."""
    if actor is None:
        return None
    if side is None:
        return new_entry(actor, changes, records)
    entry = new_entry(actor, changes, [*records, *side.records()])
    if entry is None:
        return None
    return replace(entry, entities=tuple(dict.fromkeys([*entry.entities, *side.entities()])))
