"""Mutations: errors as data, optimistic concurrency, all or nothing, on both stores."""

from __future__ import annotations

from kimnet.graph.model.graphdata import checksum
from kimnet.graph.stores.store import Store

from .conftest import Run

CREATE = """mutation($input: ServiceCreateInput!) { createService(input: $input) {
  entity { key version name minAge residenceStatuses providedBy { nodes { key } } addresses { nodes { key } } }
  errors { field message code } } }"""


async def test_create_with_links_in_one_transaction(gql: Run) -> None:
    data = await gql(
        CREATE,
        {
            "input": {
                "key": "svc:sprachcafe-senden",
                "name": "Sprachcafé Senden",
                "minAge": 16,
                "residenceStatuses": ["duldung", "gestattung"],
                "providedBy": ["org:caritas-coesfeld"],
                "addresses": ["need:sprache"],
                "availableIn": ["mun:senden"],
            }
        },
    )
    payload = data["createService"]
    assert payload["errors"] == []
    assert payload["entity"] == {
        "key": "svc:sprachcafe-senden",
        "version": 1,
        "name": "Sprachcafé Senden",
        "minAge": 16,
        "residenceStatuses": ["duldung", "gestattung"],
        "providedBy": {"nodes": [{"key": "org:caritas-coesfeld"}]},
        "addresses": {"nodes": [{"key": "need:sprache"}]},
    }


async def test_a_failing_link_undoes_the_whole_create(gql: Run, seeded: Store) -> None:
    before = checksum(await seeded.snapshot())
    data = await gql(
        CREATE,
        {"input": {"key": "svc:x", "name": "X", "providedBy": ["org:caritas-coesfeld"], "addresses": ["need:does-not-exist"]}},
    )
    assert data["createService"]["entity"] is None
    assert data["createService"]["errors"] == [
        {
            "field": "target",
            "message": "entity ADDRESSES svc:x -> need:does-not-exist, field target: need:does-not-exist does not exist",
            "code": "INVALID",
        }
    ]
    assert checksum(await seeded.snapshot()) == before


async def test_user_errors_name_the_field(gql: Run) -> None:
    data = await gql(
        CREATE,
        {"input": {"key": "svc:y", "name": "Y", "minAge": 30, "maxAge": 18, "validFrom": "2022-01-01", "validTo": "2021-01-01"}},
    )
    errors = {e["field"]: e for e in data["createService"]["errors"]}
    assert set(errors) == {"maxAge", "validTo"}
    assert all(e["code"] == "INVALID" for e in errors.values())
    duplicate = await gql(CREATE, {"input": {"key": "svc:ds-coaching-cv", "name": "again"}})
    assert duplicate["createService"]["errors"][0]["code"] == "DUPLICATE"
    wrong_kind = await gql(CREATE, {"input": {"key": "org:not-a-service", "name": "x"}})
    assert "a Service id starts with 'svc:'" in wrong_kind["createService"]["errors"][0]["message"]


async def test_update_is_refused_for_a_stale_version_and_null_removes(gql: Run) -> None:
    update = """mutation($version: Int!, $input: ServiceUpdateInput!) { updateService(id: "svc:ds-coaching-cv", version: $version, input: $input) {
        entity { version capacity fte } errors { field code message } } }"""
    first = await gql(update, {"version": 1, "input": {"capacity": 12, "fte": None}})
    assert first["updateService"] == {"entity": {"version": 2, "capacity": 12, "fte": None}, "errors": []}
    stale = await gql(update, {"version": 1, "input": {"capacity": 99}})
    assert stale["updateService"]["entity"] is None
    assert stale["updateService"]["errors"][0]["code"] == "STALE_VERSION"
    assert stale["updateService"]["errors"][0]["field"] == "version"
    required = await gql(update, {"version": 2, "input": {"name": None}})
    assert required["updateService"]["errors"][0]["message"].endswith("field name: is required and cannot be removed")


async def test_delete_and_link_unlink(gql: Run) -> None:
    link = await gql("""mutation { link(relationship: COOPERATES_WITH, source: "org:geba", target: "org:fi-olfen", properties: {kind: "Praktika", since: "2021-03-01"}) {
        relationship { type source target kind since } errors { message } } }""")
    assert link["link"]["relationship"] == {
        "type": "COOPERATES_WITH",
        "source": "org:fi-olfen",
        "target": "org:geba",
        "kind": "Praktika",
        "since": "2021-03-01",
    }
    again = await gql(
        'mutation { link(relationship: COOPERATES_WITH, source: "org:fi-olfen", target: "org:geba") { errors { code } } }'
    )
    assert again["link"]["errors"] == [{"code": "DUPLICATE"}]
    unlink = await gql(
        'mutation { unlink(relationship: COOPERATES_WITH, source: "org:geba", target: "org:fi-olfen") { relationship { kind } errors { code } } }'
    )
    assert unlink["unlink"] == {"relationship": {"kind": "Praktika"}, "errors": []}
    deleted = await gql('mutation { deleteService(id: "svc:ds-coaching-cv", version: 1) { deletedKey errors { code } } }')
    assert deleted["deleteService"] == {"deletedKey": "svc:ds-coaching-cv", "errors": []}
    # A retried delete that had landed succeeds again (idempotent); an entity that never was is not found.
    again = await gql('mutation { deleteService(id: "svc:ds-coaching-cv", version: 1) { deletedKey errors { code } } }')
    assert again["deleteService"] == {"deletedKey": "svc:ds-coaching-cv", "errors": []}
    gone = await gql('mutation { deleteService(id: "svc:never-was") { deletedKey errors { code } } }')
    assert gone["deleteService"] == {"deletedKey": None, "errors": [{"code": "NOT_FOUND"}]}
    wrong_kind = await gql('mutation { deleteService(id: "org:geba") { errors { message } } }')
    assert wrong_kind["deleteService"]["errors"][0]["message"] == "org:geba is not a Service"


async def test_fields_after_a_write_in_the_same_operation_read_afresh(gql: Run) -> None:
    data = await gql("""mutation {
      a: createNeed(input: {key: "need:neu", name: "Neu"}) { entity { offers { totalCount } } errors { message } }
      b: link(relationship: ADDRESSES, source: "svc:jugendmigrationsdienst", target: "need:neu") { errors { message } }
      c: updateNeed(id: "need:neu", version: 1, input: {description: "jetzt"}) { entity { offers { totalCount } } errors { message } }
    }""")
    assert data["c"] == {"entity": {"offers": {"totalCount": 1}}, "errors": []}
