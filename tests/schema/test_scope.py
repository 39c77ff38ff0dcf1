"""Scoped tokens: a partner touches only their organisations' entries, a coordinator only their region, on both stores.

However a write is reached (an update, a nested create, a link from the other
side), what it would change is checked before anything is written, and a
refusal is whole: FORBIDDEN, no proposal, no change, no audit entry.
"""

from __future__ import annotations

from typing import Any

import pytest

from kimnet.graph.model.audit import AuditQuery
from kimnet.graph.model.graphdata import checksum
from kimnet.graph.model.proposals import ProposalQuery
from kimnet.graph.stores.store import Store
from kimnet.schema.access import Principal, Role

from .conftest import Run, make_runner

PARTNER = Principal("partner-caritas", Role.PARTNER, orgs=frozenset({"org:caritas-coesfeld"}))
SOUTH = Principal("coordinator-south", Role.COORDINATOR, region="reg:cm-sued")
COORDINATOR = Principal("ki-coordinator", Role.COORDINATOR)
ADMIN = Principal("ki-admin", Role.ADMIN)

PAYLOAD = "errors { field message code } proposal { id status }"


def _update(key: str, fields: str) -> str:
    return f'mutation {{ updateService(id: "{key}", version: 1, input: {{{fields}}}) {{ entity {{ key version }} {PAYLOAD} }} }}'


def _link(kind: str, source: str, target: str) -> str:
    return f'mutation {{ link(relationship: {kind}, source: "{source}", target: "{target}") {{ relationship {{ type }} {PAYLOAD} }} }}'


async def _state(store: Store) -> tuple[str, int, int]:
    audit = len(await store.audit_trail(AuditQuery(limit=10_000)))
    return checksum(await store.snapshot()), audit, len(await store.proposals(ProposalQuery(limit=10_000)))


async def _refused(store: Store, principal: Principal, query: str, reason: str) -> None:
    before = await _state(store)
    result = await make_runner(store, principal)(query, errors=True)
    assert len(result["errors"]) == 1
    assert result["errors"][0].startswith("forbidden")
    assert reason in result["errors"][0]
    assert await _state(store) == before, "a refused write changed something"


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        (_update("svc:ds-coaching-drk", 'name: "Übernommen"'), "svc:ds-coaching-drk is not an offer of your organisations"),
        (
            'mutation { createService(input: {key: "svc:fremd", name: "Fremd", providedBy: ["org:drk-kv-coesfeld"]}) {'
            f" entity {{ key }} {PAYLOAD} }} }}",
            "PROVIDES org:drk-kv-coesfeld -> svc:fremd belongs to org:drk-kv-coesfeld",
        ),
        (
            'mutation { createService(input: {key: "svc:gemeinsam", name: "G", providedBy: ["org:caritas-coesfeld", "org:drk-kv-coesfeld"]}) {'
            f" entity {{ key }} {PAYLOAD} }} }}",
            "belongs to org:drk-kv-coesfeld",
        ),
        (
            'mutation { createWorkingGroup(input: {key: "wg:eigene", name: "Eigene", kind: "AG", members: ["org:caritas-coesfeld"]}) {'
            f" entity {{ key }} {PAYLOAD} }} }}",
            "createWorkingGroup needs the role coordinator",
        ),
        # A link from the other side: the offer's providedBy makes PROVIDES org -> svc, which belongs to the organisation.
        (
            'mutation { createService(input: {key: "svc:fremd2", name: "F", providedBy: ["org:drk-kv-coesfeld"], addresses: ["need:sprache"]}) {'
            f" entity {{ key }} {PAYLOAD} }} }}",
            "the new offer svc:fremd2 must be provided by one of your organisations",
        ),
        (_link("MEMBER_OF", "org:drk-kv-coesfeld", "wg:ag-querschnitt"), "belongs to org:drk-kv-coesfeld"),
        (_link("PROVIDES", "org:caritas-coesfeld", "svc:ds-coaching-drk"), "svc:ds-coaching-drk is not an offer"),
        (_link("ADDRESSES", "svc:ds-coaching-drk", "need:sprache"), "svc:ds-coaching-drk is not an offer"),
        (
            'mutation { updateOrganisation(id: "org:drk-kv-coesfeld", version: 1, input: {shortName: "X"}) {'
            f" entity {{ key }} {PAYLOAD} }} }}",
            "org:drk-kv-coesfeld is not one of your organisations",
        ),
        (f'mutation {{ deleteNeed(id: "need:sprache") {{ deletedKey {PAYLOAD} }} }}', "deleteNeed needs the role admin"),
        # Two writes in one operation: refused whole, the allowed first one included.
        (
            f'mutation {{ a: updateService(id: "svc:ds-coaching-cv", version: 1, input: {{fte: 0.5}}) {{ {PAYLOAD} }}'
            f' b: updateService(id: "svc:ds-coaching-drk", version: 1, input: {{fte: 0.5}}) {{ {PAYLOAD} }} }}',
            "one mutation per operation",
        ),
        ('{ referral(case: {municipality: "mun:olfen", age: 22, needs: ["need:ausbildung"]}) { asOf } }', "referral needs"),
    ],
    ids=[
        "update-another-offer",
        "create-for-another",
        "create-jointly-with-another",
        "create-working-group",
        "link-from-the-other-side",
        "another-membership",
        "join-another-offer",
        "link-another-offer",
        "another-organisation",
        "delete-a-need",
        "two-writes",
        "referral",
    ],
)
async def test_a_partner_is_refused_whole_outside_their_organisations(seeded: Store, query: str, reason: str) -> None:
    await _refused(seeded, PARTNER, query, reason)


@pytest.mark.parametrize(
    "query",
    [
        _link("MEMBER_OF", "org:caritas-coesfeld", "wg:ag-bildung"),
        _link("COOPERATES_WITH", "org:vhs-luedinghausen", "org:caritas-coesfeld"),  # either end is theirs
        _link("AVAILABLE_IN", "svc:ds-coaching-cv", "mun:olfen"),
        'mutation { updateOrganisation(id: "org:caritas-coesfeld", version: 1, input: {shortName: "CV Coesfeld"}) {'
        f" entity {{ key }} {PAYLOAD} }} }}",
        f'mutation {{ deleteService(id: "svc:ds-coaching-cv") {{ deletedKey {PAYLOAD} }} }}',
    ],
    ids=["membership", "cooperation", "offer-place", "own-organisation", "end-own-offer"],
)
async def test_a_partner_proposes_within_their_organisations(seeded: Store, query: str) -> None:
    before = checksum(await seeded.snapshot())
    data = await make_runner(seeded, PARTNER)(query)
    payload: dict[str, Any] = next(iter(data.values()))
    assert payload["errors"] == []
    assert payload["proposal"]["status"] == "PENDING"
    assert checksum(await seeded.snapshot()) == before


async def test_a_delete_proposal_needs_an_admin_to_approve(seeded: Store) -> None:
    data = await make_runner(seeded, PARTNER)(
        f'mutation {{ deleteService(id: "svc:ds-coaching-cv") {{ deletedKey {PAYLOAD} }} }}'
    )
    proposal = data["deleteService"]["proposal"]["id"]
    approve = "mutation($id: ID!) { approveChange(id: $id) { proposal { status } errors { code message } } }"
    refused = await make_runner(seeded, COORDINATOR)(approve, {"id": proposal}, errors=True)
    assert "needs the role admin" in refused["errors"][0]
    approved = await make_runner(seeded, ADMIN)(approve, {"id": proposal})
    assert approved["approveChange"] == {"proposal": {"status": "APPROVED"}, "errors": []}
    assert await seeded.get_nodes(["svc:ds-coaching-cv"]) == {}


async def test_a_regional_coordinator_writes_inside_their_region_only(seeded: Store, gql: Run) -> None:
    south = make_runner(seeded, SOUTH)
    inside = await south(_update("svc:ds-coaching-cv", 'name: "Coaching Süd"'))
    assert inside["updateService"]["entity"] == {"key": "svc:ds-coaching-cv", "version": 2}
    await _refused(seeded, SOUTH, _update("svc:ds-coaching-havixbecker-modell", 'name: "X"'), "not in your region reg:cm-sued")
    # A new entry is in the region through the places the same write gives it.
    created = await south(
        'mutation { createService(input: {key: "svc:sued-neu", name: "Neu", availableIn: ["mun:ascheberg"]}) {'
        f" entity {{ key }} {PAYLOAD} }} }}"
    )
    assert created["createService"]["entity"] == {"key": "svc:sued-neu"}
    await _refused(
        seeded,
        SOUTH,
        f'mutation {{ createService(input: {{key: "svc:mitte-neu", name: "Neu", availableIn: ["reg:cm-mitte"]}}) {{ entity {{ key }} {PAYLOAD} }} }}',
        "svc:mitte-neu is not in your region",
    )
    # A partner's proposal outside the region is not theirs to approve either.
    partner = Principal("partner-hm", Role.PARTNER, orgs=frozenset({"org:havixbecker-modell"}))
    proposed = await make_runner(seeded, partner)(_update("svc:ds-coaching-havixbecker-modell", "fte: 0.5"))
    approve = "mutation($id: ID!) { approveChange(id: $id) { proposal { status } errors { code } } }"
    refused = await south(approve, {"id": proposed["updateService"]["proposal"]["id"]}, errors=True)
    assert "not in your region" in refused["errors"][0]
    assert (await gql('{ node(id: "svc:ds-coaching-havixbecker-modell") { ... on Service { fte } } }'))["node"]["fte"] == 1.0


async def test_a_scope_check_is_lookups_by_key(seeded: Store) -> None:
    """The round trips of a partner's write do not grow with the graph: each is one lookup by key.

    (On Neo4j the statements are the ones ``test_neo4j_scope_statements_seek_by_key`` profiles.)
    """
    partner = make_runner(seeded, PARTNER)
    seeded.round_trips = 0
    await partner(_update("svc:ds-coaching-cv", "fte: 0.5"))
    # providers; nodes; (no edges to read); the write of the proposal.
    assert seeded.round_trips == 3
