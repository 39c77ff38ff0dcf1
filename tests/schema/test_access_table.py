"""Access, exhaustively: every root field and mutation against every role (and the anonymous
reader), compared with a table written out here by hand, not derived from ``REQUIRED_ROLE``.

A field added to the schema fails the first test until it is added below with its role.
"""

from __future__ import annotations

import pytest
from graphql import parse

from kimnet.graph.model.errors import ForbiddenError
from kimnet.schema.access import ANONYMOUS, KEYBOARD, Principal, Role, check_operation, root_fields
from kimnet.schema.root import schema

V, P, C, K, A = "viewer", "partner", "caseworker", "coordinator", "admin"
KINDS = ("Organisation", "Service", "Programme", "WorkingGroup", "Municipality", "Region", "CaseManager", "LegalDomain", "Need")

#: The least role each root field needs, as the README's table says.
EXPECTED: dict[tuple[str, str], str] = {
    ("Query", "node"): V,
    ("Query", "nodes"): V,
    ("Query", "neighbourhood"): V,
    ("Query", "organisations"): V,
    ("Query", "services"): V,
    ("Query", "programmes"): V,
    ("Query", "workingGroups"): V,
    ("Query", "municipalities"): V,
    ("Query", "regions"): V,
    ("Query", "caseManagers"): V,
    ("Query", "legalDomains"): V,
    ("Query", "needs"): V,
    ("Query", "cooperationPath"): V,
    ("Query", "brokers"): V,
    ("Query", "missingTies"): V,
    ("Query", "impactOfLeaving"): V,
    ("Query", "coverage"): V,
    ("Query", "responsibilities"): V,
    ("Query", "coverageGaps"): V,
    ("Query", "coverageChanges"): V,
    ("Query", "duplicates"): V,
    ("Query", "referral"): C,
    ("Query", "auditTrail"): A,
    ("Mutation", "link"): K,
    ("Mutation", "unlink"): K,
    **{("Mutation", f"create{kind}"): K for kind in KINDS},
    **{("Mutation", f"update{kind}"): K for kind in KINDS},
    **{("Mutation", f"delete{kind}"): A for kind in KINDS},
    ("Query", "changeProposals"): P,
    ("Query", "staleEntries"): V,
    ("Mutation", "approveChange"): K,
    ("Mutation", "rejectChange"): K,
    ("Mutation", "withdrawChange"): P,
    ("Mutation", "verify"): P,
}

#: The writes a partner may send although they need a higher role: each becomes a proposal.
PARTNER_PROPOSES = {
    ("Mutation", "createService"),
    ("Mutation", "updateService"),
    ("Mutation", "deleteService"),
    ("Mutation", "updateOrganisation"),
    ("Mutation", "link"),
    ("Mutation", "unlink"),
}

CALLERS = [ANONYMOUS, *(Principal(f"test-{role.label}", role) for role in Role)]
ORDER = [V, P, C, K, A]


def test_the_table_names_exactly_the_schemas_root_fields() -> None:
    fields = {("Query", name) for name in schema._schema.query_type.fields}
    fields |= {("Mutation", name) for name in schema._schema.mutation_type.fields}  # type: ignore[union-attr]
    assert set(EXPECTED) == fields


@pytest.mark.parametrize("field", sorted(EXPECTED), ids=lambda f: f"{f[0]}.{f[1]}")
def test_each_root_field_against_each_role(field: tuple[str, str]) -> None:
    type_name, name = field
    keyword = "mutation" if type_name == "Mutation" else "query"
    # Access is decided on the root fields alone, before validation: arguments do not matter.
    direct = parse(f"{keyword} {{ {name} }}")
    hidden = parse(f"{keyword} {{ ...F }} fragment F on {type_name} {{ ... on {type_name} {{ x: {name} }} }}")
    for caller in CALLERS:
        allowed = ORDER.index(caller.role.label) >= ORDER.index(EXPECTED[field]) or (
            caller.role == Role.PARTNER and field in PARTNER_PROPOSES
        )
        for document in (direct, hidden):
            if allowed:
                check_operation(document, None, caller)
            else:
                with pytest.raises(ForbiddenError, match=f"forbidden: {name} needs the role {EXPECTED[field]} and "):
                    check_operation(document, None, caller)


def test_the_anonymous_reader_is_a_viewer_and_not_authenticated() -> None:
    assert (ANONYMOUS.subject, ANONYMOUS.role, ANONYMOUS.authenticated) == ("anonymous", Role.VIEWER, False)
    with pytest.raises(ForbiddenError, match="anonymous callers have the role viewer; send a bearer token"):
        check_operation(parse("{ referral }"), None, ANONYMOUS)
    with pytest.raises(ForbiddenError, match="your role is viewer; ask an admin"):
        check_operation(parse("{ referral }"), None, Principal("v", Role.VIEWER))


def test_one_forbidden_field_among_allowed_ones_refuses_the_operation() -> None:
    caller = Principal("k", Role.COORDINATOR)
    check_operation(parse("mutation { createNeed updateNeed link unlink }"), None, caller)
    with pytest.raises(ForbiddenError, match="deleteNeed"):
        check_operation(parse("mutation { createNeed deleteNeed link }"), None, caller)
    with pytest.raises(ForbiddenError, match="auditTrail"):
        check_operation(parse("{ needs ...F } fragment F on Query { auditTrail }"), None, caller)


def test_root_fields_follow_fragments_once_and_skip_unknown_ones() -> None:
    document = parse("{ a ...F ...F ...Missing } fragment F on Query { b ... on Query { c } }")
    assert root_fields(document, None) == ("Query", ["a", "b", "c"])
    assert root_fields(parse("mutation M { x } query Q { y }"), "M") == ("Mutation", ["x"])
    assert root_fields(parse("query Q { y }"), "Other") == ("Query", [])


@pytest.mark.parametrize("field", sorted(EXPECTED), ids=lambda f: f"{f[0]}.{f[1]}")
def test_the_person_at_a_development_servers_keyboard_reads_everything_and_writes_nothing(field: tuple[str, str]) -> None:
    type_name, name = field
    keyword = "mutation" if type_name == "Mutation" else "query"
    document = parse(f"{keyword} {{ {name} }}")
    if type_name == "Query":
        check_operation(document, None, KEYBOARD)
    elif EXPECTED[field] != V:
        with pytest.raises(ForbiddenError, match=f"forbidden: {name} needs the role {EXPECTED[field]} and anonymous callers"):
            check_operation(document, None, KEYBOARD)
