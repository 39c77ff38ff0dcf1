"""Freshness, kept apart from modification: verify, staleEntries, lastModified, the HSDS export, on both stores."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from kimnet.graph.model.freshness import FRESH_KINDS
from kimnet.graph.model.graphdata import checksum
from kimnet.graph.stores.store import Store
from kimnet.schema.access import Principal, Role
from kimnet.service.exchange import export_graph

from .conftest import Run, make_runner

PARTNER = Principal("partner-caritas", Role.PARTNER, orgs=frozenset({"org:caritas-coesfeld"}))
COORDINATOR = Principal("ki-coordinator", Role.COORDINATOR)
HSDS = Path(__file__).resolve().parent.parent / "fixtures" / "hsds-3.0" / "schema" / "compiled"

VERIFY = """mutation($id: ID!) { verify(id: $id) { key verifiedAt verifiedBy { role organisation } verificationMethod
  errors { field message code } } }"""
FRESHNESS = """query($id: ID!) { node(id: $id) { ... on Service { version verifiedAt verifiedBy { role organisation }
  verificationMethod lastModified } ... on Organisation { version verifiedAt verificationMethod lastModified } } }"""
STALE = """query($months: Int, $organisation: ID) { staleEntries(olderThanMonths: $months, organisation: $organisation) {
  key kind name organisations places verifiedAt verificationMethod lastModified } }"""


async def test_verify_confirms_an_entry_and_changes_nothing_else(gql: Run, seeded: Store) -> None:
    before = checksum(await seeded.snapshot())
    generation = await seeded.generation()
    confirmed = (await make_runner(seeded, PARTNER)(VERIFY, {"id": "svc:ds-coaching-cv"}))["verify"]
    assert confirmed["errors"] == []
    assert confirmed["verifiedBy"] == {"role": "partner", "organisation": "org:caritas-coesfeld"}
    assert confirmed["verificationMethod"] == "PARTNER_CONFIRMED"
    # No new version, no new generation, no change to the graph: a verification is not a change.
    assert checksum(await seeded.snapshot()) == before
    assert await seeded.generation() == generation
    entry = (await gql(FRESHNESS, {"id": "svc:ds-coaching-cv"}))["node"]
    assert entry["version"] == 1
    assert entry["verifiedAt"] == confirmed["verifiedAt"]
    assert entry["verifiedBy"] == {"role": "partner", "organisation": "org:caritas-coesfeld"}
    assert entry["verificationMethod"] == "PARTNER_CONFIRMED"
    # Neo4j keeps the freshness of earlier tests (imports leave it), so only the order is checked.
    if entry["lastModified"] is not None:
        assert entry["lastModified"] < entry["verifiedAt"]
    trail = await gql(
        '{ auditTrail(where: {operation: "verify"}, first: 1) { edges { node { subject role changes { action target } } } } }'
    )
    assert trail["auditTrail"]["edges"][0]["node"] == {
        "subject": "partner-caritas",
        "role": "partner",
        "changes": [{"action": "VERIFY", "target": "svc:ds-coaching-cv"}],
    }


async def test_a_change_is_not_a_verification(gql: Run, seeded: Store) -> None:
    coordinator = make_runner(seeded, COORDINATOR)
    await coordinator(VERIFY, {"id": "svc:ds-coaching-drk"})
    checked = (await gql(FRESHNESS, {"id": "svc:ds-coaching-drk"}))["node"]
    assert checked["verificationMethod"] == "COORDINATOR_CHECKED"
    assert checked["verifiedBy"] == {"role": "coordinator", "organisation": None}
    updated = await coordinator(
        'mutation { updateService(id: "svc:ds-coaching-drk", version: 1, input: {fte: 0.75}) { errors { message } } }'
    )
    assert updated["updateService"]["errors"] == []
    after = (await gql(FRESHNESS, {"id": "svc:ds-coaching-drk"}))["node"]
    assert after["version"] == 2
    assert after["verifiedAt"] == checked["verifiedAt"]  # unchanged by the change
    assert after["lastModified"] > checked["verifiedAt"]


async def test_a_partner_confirms_only_their_own_entries(seeded: Store) -> None:
    partner = make_runner(seeded, PARTNER)
    refused = await partner(VERIFY, {"id": "svc:ds-coaching-drk"}, errors=True)
    assert "not an entry of your organisations" in refused["errors"][0]
    own = (await partner(VERIFY, {"id": "org:caritas-coesfeld"}))["verify"]
    assert own["verificationMethod"] == "PARTNER_CONFIRMED"
    not_kept = (await partner(VERIFY, {"id": "need:sprache"}))["verify"]
    assert not_kept["errors"][0]["code"] == "INVALID"
    caseworker = make_runner(seeded, Principal("case", Role.CASEWORKER))
    assert "verify needs" in (await caseworker(VERIFY, {"id": "svc:ds-coaching-cv"}, errors=True))["errors"][0]


async def test_stale_entries_are_listed_by_organisation_until_confirmed(seeded: Store) -> None:
    # A key of its own: Neo4j keeps the freshness of earlier runs (an import leaves it, like the audit trail).
    key = f"svc:frisch-{uuid.uuid4().hex[:8]}"
    coordinator = make_runner(seeded, COORDINATOR)
    created = await coordinator(
        'mutation($key: String!) { createService(input: {key: $key, name: "Frisch", providedBy: ["org:caritas-coesfeld"],'
        ' availableIn: ["mun:senden"]}) { errors { message } } }',
        {"key": key},
    )
    assert created["createService"]["errors"] == []
    viewer = make_runner(seeded, Principal("v", Role.VIEWER))
    caritas = (await viewer(STALE, {"months": 12, "organisation": "org:caritas-coesfeld"}))["staleEntries"]
    assert all("org:caritas-coesfeld" in r["organisations"] for r in caritas)
    row = next(r for r in caritas if r["key"] == key)
    assert row["places"] == ["mun:senden"]
    assert row["kind"] == "Service"
    assert row["verifiedAt"] is None
    assert row["verificationMethod"] == "IMPORTED"
    assert row["lastModified"] is not None  # changed, but never confirmed
    other = (await viewer(STALE, {"months": 12, "organisation": "org:drk-kv-coesfeld"}))["staleEntries"]
    assert key not in {r["key"] for r in other}
    await make_runner(seeded, PARTNER)(VERIFY, {"id": key})
    again = (await viewer(STALE, {"months": 12, "organisation": "org:caritas-coesfeld"}))["staleEntries"]
    assert key not in {r["key"] for r in again}
    everything = (await viewer(STALE, {"months": 12}))["staleEntries"]
    assert {r["kind"] for r in everything} == set(FRESH_KINDS)
    assert len({r["key"] for r in everything}) == len(everything)


async def test_referral_and_coverage_answers_say_how_current_their_offers_are(seeded: Store) -> None:
    await make_runner(seeded, PARTNER)(VERIFY, {"id": "svc:ds-coaching-cv"})
    caseworker = make_runner(seeded, Principal("case", Role.CASEWORKER))
    referral = await caseworker(
        '{ referral(case: {municipality: "mun:ascheberg", age: 22, residenceStatus: DULDUNG, needs: ["need:ausbildung"], asOf: "2021-07-01"}) {'
        " needs { offers { offer { key verifiedAt verificationMethod } } } } }"
    )
    offers = {o["offer"]["key"]: o["offer"] for n in referral["referral"]["needs"] for o in n["offers"]}
    assert offers["svc:ds-coaching-cv"]["verificationMethod"] == "PARTNER_CONFIRMED"
    assert offers["svc:ds-coaching-cv"]["verifiedAt"] is not None


async def test_the_hsds_export_fills_assured_date_and_last_modified(seeded: Store, tmp_path: Path) -> None:
    coordinator = make_runner(seeded, COORDINATOR)
    await coordinator(VERIFY, {"id": "svc:ds-coaching-cv"})
    await coordinator(
        'mutation { updateService(id: "svc:ds-coaching-cv", version: 1, input: {fte: 0.5}) { errors { message } } }'
    )
    out = tmp_path / "angebote.json"
    await export_graph(seeded, "hsds", out, None, dt.date.today())
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    service = next(s for s in document["services"] if s["name"].startswith("Durchstarten: Coaching (Caritasverband)"))
    assert service["assured_date"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert service["last_modified"].endswith("Z")
    assert service["last_modified"] >= service["assured_date"]
    schema = json.loads((HSDS / "service.json").read_text(encoding="utf-8"))
    assert [e.message for e in Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(service)] == []
