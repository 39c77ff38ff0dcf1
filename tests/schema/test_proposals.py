"""Partners propose, coordinators decide: proposals, approval, rejection, staleness, audit, on both stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kimnet.graph.model.graphdata import GraphData, checksum
from kimnet.graph.model.proposals import ProposalQuery
from kimnet.graph.stores.embedded import EmbeddedStore
from kimnet.graph.stores.store import Store
from kimnet.schema.access import Principal, Role

from .conftest import Run, make_runner

PARTNER = Principal("partner-caritas", Role.PARTNER, orgs=frozenset({"org:caritas-coesfeld"}))
OTHER_PARTNER = Principal("partner-drk", Role.PARTNER, orgs=frozenset({"org:drk-kv-coesfeld"}))
COORDINATOR = Principal("ki-coordinator", Role.COORDINATOR)

PROPOSAL = (
    "proposal { id status organisations operation stale waitingSeconds changes { action target fields { field before after } } }"
)

CREATE = (
    "mutation($input: ServiceCreateInput!) { createService(input: $input) { entity { key } errors { field message code } "
    + PROPOSAL
    + " } }"
)
UPDATE = (
    "mutation($id: ID!, $version: Int!, $input: ServiceUpdateInput!) { updateService(id: $id, version: $version, input: $input) {"
    " entity { key version } errors { field message code } " + PROPOSAL + " } }"
)
QUEUE = """query($status: ProposalStatus, $organisation: ID) { changeProposals(status: $status, organisation: $organisation) {
  edges { cursor node { id status author authorRole organisations stale waitingSeconds reason decidedBy
          changes { action target fields { field before after } } restsOn { key version currentVersion } } } } }"""
APPROVE = "mutation($id: ID!) { approveChange(id: $id) { proposal { id status decidedBy } errors { field message code } } }"
REJECT = (
    "mutation($id: ID!, $reason: String!) { rejectChange(id: $id, reason: $reason) {"
    " proposal { id status reason } errors { field message code } } }"
)
WITHDRAW = "mutation($id: ID!) { withdrawChange(id: $id) { proposal { id status } errors { field message code } } }"
SERVICE = '{ node(id: "svc:ds-coaching-cv") { ... on Service { key version name fte } } }'
NEW_OFFER = {
    "key": "svc:sprachcafe-senden",
    "name": "Sprachcafé Senden",
    "providedBy": ["org:caritas-coesfeld"],
    "addresses": ["need:sprache"],
    "availableIn": ["mun:senden"],
}


def _only(edges: list[dict[str, Any]], ids: set[str]) -> list[dict[str, Any]]:
    """The proposals of this test, in the order listed (Neo4j keeps those of earlier tests: imports leave them)."""
    return [e["node"] for e in edges if e["node"]["id"] in ids]


async def _version(gql: Run, key: str) -> int:
    data = await gql(f'{{ node(id: "{key}") {{ ... on Service {{ version }} }} }}')
    return int(data["node"]["version"])


async def _propose_update(partner: Run, gql: Run, fte: float = 0.5) -> dict[str, Any]:
    version = await _version(gql, "svc:ds-coaching-cv")
    data = await partner(UPDATE, {"id": "svc:ds-coaching-cv", "version": version, "input": {"fte": fte}})
    payload: dict[str, Any] = data["updateService"]
    return payload


async def test_a_partners_writes_become_proposals_and_change_nothing(gql: Run, seeded: Store) -> None:
    partner = make_runner(seeded, PARTNER)
    before = checksum(await seeded.snapshot())
    created = (await partner(CREATE, {"input": NEW_OFFER}))["createService"]
    assert created["entity"] is None
    assert created["errors"] == []
    assert created["proposal"]["status"] == "PENDING"
    assert created["proposal"]["organisations"] == ["org:caritas-coesfeld"]
    assert created["proposal"]["operation"] == "createService"
    actions = [c["action"] for c in created["proposal"]["changes"]]
    assert actions == ["create", "link", "link", "link"]
    updated = await _propose_update(partner, gql)
    assert updated["entity"] is None
    assert updated["errors"] == []
    assert updated["proposal"]["changes"] == [
        {"action": "update", "target": "svc:ds-coaching-cv", "fields": [{"field": "fte", "before": 1.0, "after": 0.5}]}
    ]
    assert checksum(await seeded.snapshot()) == before


async def test_a_coordinator_approves_one_and_rejects_the_other(gql: Run, seeded: Store) -> None:
    partner = make_runner(seeded, PARTNER)
    coordinator = make_runner(seeded, COORDINATOR)
    new = (await partner(CREATE, {"input": NEW_OFFER}))["createService"]["proposal"]["id"]
    change = (await _propose_update(partner, gql))["proposal"]["id"]

    queue = _only((await coordinator(QUEUE, {"status": "PENDING"}))["changeProposals"]["edges"], {new, change})
    assert [p["id"] for p in queue] == [new, change]  # oldest first
    assert all(p["author"] == "partner-caritas" and not p["stale"] for p in queue)
    assert all(p["waitingSeconds"] >= 0 for p in queue)
    assert queue[1]["restsOn"] == [{"key": "svc:ds-coaching-cv", "version": 1, "currentVersion": 1}]

    approved = (await coordinator(APPROVE, {"id": new}))["approveChange"]
    assert approved == {"proposal": {"id": new, "status": "APPROVED", "decidedBy": "ki-coordinator"}, "errors": []}
    rejected = await coordinator(REJECT, {"id": change, "reason": "Die Stelle ist unverändert eine volle Stelle."})
    assert rejected["rejectChange"]["proposal"] == {
        "id": change,
        "status": "REJECTED",
        "reason": "Die Stelle ist unverändert eine volle Stelle.",
    }

    # The approved offer is there at once: in the lists, in coverage and in referrals.
    offer = await gql('{ node(id: "svc:sprachcafe-senden") { ... on Service { version providedBy { nodes { key } } } } }')
    assert offer["node"] == {"version": 1, "providedBy": {"nodes": [{"key": "org:caritas-coesfeld"}]}}
    coverage = await gql('{ coverage(municipality: "mun:senden") { need { key } offers { offer { key lastModified } } } }')
    language = next(c for c in coverage["coverage"] if c["need"]["key"] == "need:sprache")
    offered = {o["offer"]["key"]: o["offer"]["lastModified"] for o in language["offers"]}
    assert "svc:sprachcafe-senden" in offered
    assert offered["svc:sprachcafe-senden"] is not None
    referral = await make_runner(seeded, Principal("case", Role.CASEWORKER))(
        '{ referral(case: {municipality: "mun:senden", age: 30, needs: ["need:sprache"]}) { needs { offers { offer { key } } } } }'
    )
    assert "svc:sprachcafe-senden" in {o["offer"]["key"] for n in referral["referral"]["needs"] for o in n["offers"]}
    # The rejected change is not.
    assert (await gql(SERVICE))["node"]["fte"] == 1.0

    # The audit trail shows who proposed and who decided.
    trail = await gql(
        '{ auditTrail(where: {entity: "svc:sprachcafe-senden"}) { edges { node { subject role operation changes { action target } } } } }'
    )
    # (Neo4j keeps the trail of earlier tests: these are the entries of this test's proposal.)
    entries = [e["node"] for e in trail["auditTrail"]["edges"] if any(c["target"] == new for c in e["node"]["changes"])]
    assert [(e["subject"], e["role"], e["operation"]) for e in entries] == [
        ("ki-coordinator", "coordinator", "approveChange"),
        ("partner-caritas", "partner", "createService"),
    ]
    assert entries[0]["changes"][0] == {"action": "CREATE", "target": "svc:sprachcafe-senden"}
    assert entries[0]["changes"][-1] == {"action": "APPROVE", "target": new}
    assert entries[1]["changes"] == [{"action": "PROPOSE", "target": new}]

    # The partner sees what became of their proposals.
    mine = _only((await partner(QUEUE))["changeProposals"]["edges"], {new, change})
    assert [(p["status"], p["reason"]) for p in mine] == [
        ("APPROVED", None),
        ("REJECTED", "Die Stelle ist unverändert eine volle Stelle."),
    ]


async def test_a_proposal_is_stale_once_its_entry_changes_and_cannot_be_approved(gql: Run, seeded: Store) -> None:
    partner = make_runner(seeded, PARTNER)
    coordinator = make_runner(seeded, COORDINATOR)
    proposal = (await _propose_update(partner, gql))["proposal"]["id"]
    await coordinator(UPDATE, {"id": "svc:ds-coaching-cv", "version": 1, "input": {"name": "Coaching (CV)"}})
    queue = _only((await coordinator(QUEUE, {"status": "PENDING"}))["changeProposals"]["edges"], {proposal})
    assert queue[0]["stale"] is True
    assert queue[0]["restsOn"] == [{"key": "svc:ds-coaching-cv", "version": 1, "currentVersion": 2}]
    before = checksum(await seeded.snapshot())
    refused = (await coordinator(APPROVE, {"id": proposal}))["approveChange"]
    assert refused["proposal"] is None
    assert refused["errors"][0]["code"] == "STALE_VERSION"
    assert checksum(await seeded.snapshot()) == before
    assert (await gql(SERVICE))["node"]["fte"] == 1.0
    still = _only((await coordinator(QUEUE, {"status": "PENDING"}))["changeProposals"]["edges"], {proposal})
    assert [p["id"] for p in still] == [proposal]


async def test_a_decided_proposal_cannot_be_decided_again(gql: Run, seeded: Store) -> None:
    partner = make_runner(seeded, PARTNER)
    coordinator = make_runner(seeded, COORDINATOR)
    proposal = (await _propose_update(partner, gql))["proposal"]["id"]
    assert (await coordinator(APPROVE, {"id": proposal}))["approveChange"]["errors"] == []
    again = (await coordinator(REJECT, {"id": proposal, "reason": "zu spät"}))["rejectChange"]
    assert again["proposal"] is None
    assert "approved already" in again["errors"][0]["message"]
    assert (await gql(SERVICE))["node"] == {
        "key": "svc:ds-coaching-cv",
        "version": 2,
        "name": "Durchstarten: Coaching (Caritasverband)",
        "fte": 0.5,
    }


async def test_a_rejection_needs_a_reason(gql: Run, seeded: Store) -> None:
    partner = make_runner(seeded, PARTNER)
    proposal = (await _propose_update(partner, gql))["proposal"]["id"]
    refused = (await make_runner(seeded, COORDINATOR)(REJECT, {"id": proposal, "reason": "  "}))["rejectChange"]
    assert refused["errors"][0]["field"] == "reason"


async def test_only_the_author_withdraws(gql: Run, seeded: Store) -> None:
    partner = make_runner(seeded, PARTNER)
    proposal = (await _propose_update(partner, gql))["proposal"]["id"]
    other = await make_runner(seeded, OTHER_PARTNER)(WITHDRAW, {"id": proposal}, errors=True)
    assert "only the author" in other["errors"][0]
    withdrawn = (await partner(WITHDRAW, {"id": proposal}))["withdrawChange"]
    assert withdrawn == {"proposal": {"id": proposal, "status": "WITHDRAWN"}, "errors": []}


async def test_a_partners_invalid_write_gets_the_services_errors_at_the_field(seeded: Store) -> None:
    partner = make_runner(seeded, PARTNER)
    coordinator = make_runner(seeded, COORDINATOR)
    queued = len((await coordinator(QUEUE))["changeProposals"]["edges"])
    data = await partner(CREATE, {"input": {**NEW_OFFER, "minAge": 30, "maxAge": 20}})
    payload = data["createService"]
    assert payload["proposal"] is None
    assert payload["errors"]
    assert all(e["code"] == "INVALID" for e in payload["errors"])
    assert {e["field"] for e in payload["errors"]} & {"minAge", "maxAge"}
    assert len((await coordinator(QUEUE))["changeProposals"]["edges"]) == queued


async def test_proposals_and_freshness_survive_a_restart_of_the_embedded_store(seed_data: GraphData, tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path / "store")
    await store.replace_all(seed_data)
    proposal = (await make_runner(store, PARTNER)(CREATE, {"input": NEW_OFFER}))["createService"]["proposal"]["id"]
    await make_runner(store, COORDINATOR)(APPROVE, {"id": proposal})
    await store.close()
    reopened = EmbeddedStore.open(tmp_path / "store")
    try:
        found = await reopened.proposals(ProposalQuery())
        assert [(p.id, p.status) for p in found] == [(proposal, "APPROVED")]
        assert (await reopened.freshness(["svc:sprachcafe-senden"]))["svc:sprachcafe-senden"].modified_at is not None
    finally:
        await reopened.close()
