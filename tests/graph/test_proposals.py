"""Change proposals beside the graph: planning, encoding, and one decision per revision, on both stores."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from kimnet.graph.model.audit import Actor, AuditQuery
from kimnet.graph.model.changes import CreateNode, Link, UpdateNode
from kimnet.graph.model.errors import DuplicateError, StaleVersionError, ValidationError
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.model.proposals import Proposal, ProposalQuery, decide, decode_proposal, encode_proposal, rehearse
from kimnet.graph.model.sidewrite import SideWrite
from kimnet.graph.stores.store import Store

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
PARTNER = Actor("partner-caritas", "partner", "createService")
COORDINATOR = Actor("ki", "coordinator", "approveChange")

CHANGES = [
    CreateNode(Node("Service", "svc:neu", {"name": "Neu", "minAge": 16, "validTo": dt.date(2027, 1, 31)})),
    Link(Edge("PROVIDES", "org:caritas-coesfeld", "svc:neu")),
    UpdateNode("svc:ds-coaching-cv", 1, {"fte": 0.5}, ("description",)),
]


def _proposal(seed_nodes: dict[str, Node]) -> Proposal:
    planned, rests_on = rehearse(CHANGES, seed_nodes, {})
    return Proposal.new("partner-caritas", "partner", ["org:caritas-coesfeld"], "createService", CHANGES, planned, rests_on, NOW)


async def _nodes(store: Store) -> dict[str, Node]:
    return await store.get_nodes(["org:caritas-coesfeld", "svc:ds-coaching-cv", "svc:neu"])


async def test_rehearsal_plans_like_a_write_and_names_what_it_rests_on(seeded: Store) -> None:
    planned, rests_on = rehearse(CHANGES, await _nodes(seeded), {})
    assert [(r.action, r.target) for r in planned] == [
        ("create", "svc:neu"),
        ("link", "PROVIDES org:caritas-coesfeld -> svc:neu"),
        ("update", "svc:ds-coaching-cv"),
    ]
    assert planned[2].after is not None
    assert planned[2].after["fte"] == 0.5
    assert "description" not in planned[2].after
    assert rests_on == {"org:caritas-coesfeld": 1, "svc:ds-coaching-cv": 1}
    with pytest.raises(ValidationError):
        rehearse([UpdateNode("svc:ds-coaching-cv", 1, {"minAge": 40, "maxAge": 20})], await _nodes(seeded), {})


async def test_a_proposal_reads_back_as_it_was_written(seeded: Store) -> None:
    proposal = _proposal(await _nodes(seeded))
    assert decode_proposal(encode_proposal(proposal)) == proposal
    await seeded.write([], PARTNER, side=SideWrite(proposal))
    [found] = await seeded.proposals(ProposalQuery(ids=(proposal.id,)))
    assert found == proposal
    entries = await seeded.audit_trail(AuditQuery(entity=proposal.id))
    assert [(e.subject, [c.action for c in e.changes]) for e in entries] == [("partner-caritas", ["propose"])]
    assert "svc:ds-coaching-cv" in entries[0].entities  # found by the entities it concerns too


async def test_one_decision_per_revision(seeded: Store) -> None:
    proposal = _proposal(await _nodes(seeded))
    await seeded.write([], PARTNER, side=SideWrite(proposal))
    with pytest.raises(DuplicateError):
        await seeded.write([], PARTNER, side=SideWrite(proposal))
    approved = decide(proposal, "APPROVED", "ki", "coordinator", NOW)
    rejected = decide(proposal, "REJECTED", "ki-2", "coordinator", NOW, "nein")
    outcomes = await asyncio.gather(
        seeded.write(proposal.changes, COORDINATOR, side=SideWrite(approved, proposal.revision)),
        seeded.write([], Actor("ki-2", "coordinator", "rejectChange"), side=SideWrite(rejected, proposal.revision)),
        return_exceptions=True,
    )
    assert sum(isinstance(o, StaleVersionError) for o in outcomes) == 1, outcomes
    [stored] = await seeded.proposals(ProposalQuery(ids=(proposal.id,)))
    applied = bool(await seeded.get_nodes(["svc:neu"]))
    assert (stored.status, applied) in {("APPROVED", True), ("REJECTED", False)}


async def test_a_side_write_alone_makes_no_new_generation(seeded: Store) -> None:
    generation = await seeded.generation()
    await seeded.write([], PARTNER, side=SideWrite(_proposal(await _nodes(seeded))))
    assert await seeded.generation() == generation


async def test_proposals_are_listed_oldest_first_by_status_and_organisation(seeded: Store) -> None:
    nodes = await _nodes(seeded)
    first = _proposal(nodes)
    second = Proposal.new("p2", "partner", ["org:drk-kv-coesfeld"], "updateService", (), (), {}, NOW + dt.timedelta(seconds=1))
    for proposal in (first, second):
        await seeded.write([], PARTNER, side=SideWrite(proposal))
    mine = {first.id, second.id}
    listed = [p.id for p in await seeded.proposals(ProposalQuery(limit=10_000)) if p.id in mine]
    assert listed == [first.id, second.id]
    drk = [
        p.id for p in await seeded.proposals(ProposalQuery(organisations=("org:drk-kv-coesfeld",), limit=10_000)) if p.id in mine
    ]
    assert drk == [second.id]
    await seeded.write([], COORDINATOR, side=SideWrite(decide(first, "WITHDRAWN", "partner-caritas", "partner", NOW), 1))
    pending = [p.id for p in await seeded.proposals(ProposalQuery(status="PENDING", limit=10_000)) if p.id in mine]
    assert pending == [second.id]
