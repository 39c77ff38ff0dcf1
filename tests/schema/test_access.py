"""Who may do what: every root field has a role, and an operation above the caller's role changes nothing."""

from __future__ import annotations

import pytest

from kimnet.graph.model.graphdata import checksum
from kimnet.graph.stores.store import Store
from kimnet.schema.access import REQUIRED_ROLE, Principal, Role, required_role
from kimnet.schema.context import Context
from kimnet.schema.root import schema

VIEWER = Principal("vera", Role.VIEWER)
CASEWORKER = Principal("carl", Role.CASEWORKER)
COORDINATOR = Principal("cora", Role.COORDINATOR)
ADMIN = Principal("ada", Role.ADMIN)

READ = '{ municipalities { totalCount } coverage(municipality: "mun:olfen") { need { key } } }'
REFER = '{ referral(case: {municipality: "mun:olfen", age: 22, needs: ["need:ausbildung"]}) { asOf } }'
CREATE = 'mutation { createNeed(input: {key: "need:test-access", name: "Test"}) { entity { key } errors { message } } }'
DELETE = 'mutation { deleteNeed(id: "need:sprache") { deletedKey errors { message } } }'
AUDIT = "{ auditTrail { edges { node { operation } } } }"


def test_every_root_field_is_in_the_one_table() -> None:
    fields = {("Query", name) for name in schema._schema.query_type.fields}
    fields |= {("Mutation", name) for name in schema._schema.mutation_type.fields}  # type: ignore[union-attr]
    assert fields - set(REQUIRED_ROLE) == set(), "give these fields a role in schema/access.py"
    assert set(REQUIRED_ROLE) - fields == set(), "the table names fields the schema does not have"


def test_roles_are_ordered_and_unlisted_fields_need_admin() -> None:
    assert Role.VIEWER < Role.CASEWORKER < Role.COORDINATOR < Role.ADMIN
    assert required_role("Query", "referral") is Role.CASEWORKER
    assert required_role("Mutation", "createService") is Role.COORDINATOR
    assert required_role("Mutation", "deleteService") is Role.ADMIN
    assert required_role("Query", "auditTrail") is Role.ADMIN
    assert required_role("Query", "somethingNew") is Role.ADMIN
    assert required_role("Query", "__typename") is Role.VIEWER


async def _run(store: Store, principal: Principal, query: str) -> tuple[object, list[str]]:
    result = await schema.execute(query, context_value=Context(store, principal=principal))
    return result.data, [e.message for e in result.errors or ()]


@pytest.mark.parametrize(
    ("query", "allowed"),
    [
        (READ, {VIEWER, CASEWORKER, COORDINATOR, ADMIN}),
        (REFER, {CASEWORKER, COORDINATOR, ADMIN}),
        (CREATE, {COORDINATOR, ADMIN}),
        (DELETE, {ADMIN}),
        (AUDIT, {ADMIN}),
    ],
    ids=["read", "referral", "create", "delete", "audit-trail"],
)
async def test_each_role_may_do_what_its_level_allows(seeded: Store, query: str, allowed: set[Principal]) -> None:
    for principal in (VIEWER, CASEWORKER, COORDINATOR, ADMIN):
        before = checksum(await seeded.snapshot())
        data, errors = await _run(seeded, principal, query)
        if principal in allowed:
            assert not errors, (principal.role, errors)
        else:
            assert data is None
            assert len(errors) == 1
            assert errors[0].startswith("forbidden: ")
            assert f"your role is {principal.role.label}" in errors[0]
            assert checksum(await seeded.snapshot()) == before


async def test_a_forbidden_field_refuses_the_whole_operation_and_changes_nothing(seeded: Store) -> None:
    before = checksum(await seeded.snapshot())
    mixed = 'mutation { a: createNeed(input: {key: "need:first", name: "A"}) { entity { key } } deleteNeed(id: "need:sprache") { deletedKey } }'
    data, errors = await _run(seeded, COORDINATOR, mixed)
    assert data is None
    assert errors == [
        "forbidden: deleteNeed needs the role admin and your role is coordinator; ask an admin for a token with that role"
    ]
    assert checksum(await seeded.snapshot()) == before


async def test_fragments_cannot_hide_a_root_field_from_the_check(seeded: Store) -> None:
    hidden = """query { ...Outer }
    fragment Outer on Query { ... on Query { ...Inner } }
    fragment Inner on Query { referral(case: {municipality: "mun:olfen"}) { asOf } }"""
    data, errors = await _run(seeded, VIEWER, hidden)
    assert data is None
    assert errors[0].startswith("forbidden: referral needs the role caseworker")


async def test_the_anonymous_reader_is_told_to_send_a_token(seeded: Store) -> None:
    result = await schema.execute(CREATE, context_value=Context(seeded))
    assert result.errors is not None
    assert result.errors[0].message == (
        "forbidden: createNeed needs the role coordinator and anonymous callers have the role viewer; "
        "send a bearer token with that role"
    )
    assert result.errors[0].extensions == {"code": "FORBIDDEN"}


async def test_only_the_operation_chosen_by_name_is_checked(seeded: Store) -> None:
    document = READ.replace("{ municipalities", "query Read { municipalities", 1) + " mutation Drop " + DELETE[len("mutation ") :]
    result = await schema.execute(document, operation_name="Read", context_value=Context(seeded, principal=VIEWER))
    assert not result.errors
    result = await schema.execute(document, operation_name="Drop", context_value=Context(seeded, principal=VIEWER))
    assert result.errors is not None
    assert result.errors[0].message.startswith("forbidden: deleteNeed")
