"""Who may do what: the roles, the one table of what each root field needs, the check.

Roles are ordered; each may do everything the ones below it may::

    viewer       read the network
    caseworker   + referrals (they carry a person's case)
    coordinator  + changes: create, update, link, unlink
    admin        + deletes, imports and the audit trail

Every root field and mutation is listed in ``REQUIRED_ROLE``; a field that is
missing there needs ``admin`` (closed by default), and a test fails until it is
listed. The check runs once per operation, before anything executes, over the
root fields it selects (through fragments too): an operation with one field the
caller may not use is refused whole, so it changes nothing.

>>> Role.CASEWORKER > Role.VIEWER
True
>>> required_role("Mutation", "deleteService").label
'admin'
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)

from kimnet.graph.errors import ForbiddenError
from kimnet.graph.model import MODEL

__all__ = ["ANONYMOUS", "REQUIRED_ROLE", "Principal", "Role", "check_operation", "required_role", "root_fields"]


class Role(enum.IntEnum):
    """What a caller may do; a higher role includes the lower ones."""

    VIEWER = 1
    CASEWORKER = 2
    COORDINATOR = 3
    ADMIN = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Role:
        """Return the role named exactly ``value`` (viewer, caseworker, coordinator, admin).

        Exact on purpose: no case folding and no trimming, so that ``"ADMIN\n"`` or
        ``"admın"`` (dotless ı, which upper-cases to I) is no role.

        Raises:
            ValueError: no role has that name.
        """
        for role in cls:
            if role.label == value:
                return role
        names = ", ".join(r.label for r in cls)
        raise ValueError(f"{value[:40]!r} is not a role; use one of {names}")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who sends a request: the token's subject and role, or the anonymous reader."""

    subject: str
    role: Role
    authenticated: bool = True

    def may(self, role: Role) -> bool:
        return self.role >= role


#: Development mode's caller without a token: may read, nothing more.
ANONYMOUS = Principal("anonymous", Role.VIEWER, authenticated=False)


def _plural(label: str) -> str:
    name = label[0].lower() + label[1:]
    return name[:-1] + "ies" if name.endswith("y") else name + "s"


#: The role each root field needs: the one place where access is decided.
REQUIRED_ROLE: Mapping[tuple[str, str], Role] = {
    # Reading the network, its coverage and its structure.
    **{
        ("Query", name): Role.VIEWER
        for name in (
            "node",
            "nodes",
            "neighbourhood",
            "coverage",
            "responsibilities",
            "coverageGaps",
            "coverageChanges",
            "duplicates",
            "brokers",
            "missingTies",
            "cooperationPath",
            "impactOfLeaving",
            *(_plural(label) for label in MODEL.nodes),
        )
    },
    # A referral carries a person's case.
    ("Query", "referral"): Role.CASEWORKER,
    # Who changed what is itself personal data about staff.
    ("Query", "auditTrail"): Role.ADMIN,
    # Changing the network.
    ("Mutation", "link"): Role.COORDINATOR,
    ("Mutation", "unlink"): Role.COORDINATOR,
    **{("Mutation", f"create{label}"): Role.COORDINATOR for label in MODEL.nodes},
    **{("Mutation", f"update{label}"): Role.COORDINATOR for label in MODEL.nodes},
    # Deleting takes an entity and all its relationships with it.
    **{("Mutation", f"delete{label}"): Role.ADMIN for label in MODEL.nodes},
}


def required_role(type_name: str, field_name: str) -> Role:
    """Return the role that root field ``type_name.field_name`` needs (admin if unlisted)."""
    if field_name.startswith("__"):
        return Role.VIEWER  # __typename, and introspection, which production turns off separately
    return REQUIRED_ROLE.get((type_name, field_name), Role.ADMIN)


def root_fields(document: DocumentNode, operation_name: str | None) -> tuple[str, list[str]]:
    """Return the root type name and the root field names of the operation to run.

    Fragments and inline fragments on the root are followed (each once). An
    operation that cannot be chosen gives no fields: validation reports it.
    """
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [op for op in operations if operation_name is None or (op.name and op.name.value == operation_name)]
    if len(chosen) != 1:
        return "Query", []
    operation = chosen[0]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    type_name = {OperationType.MUTATION: "Mutation", OperationType.SUBSCRIPTION: "Subscription"}.get(operation.operation, "Query")
    return type_name, list(dict.fromkeys(_fields(operation.selection_set, fragments, set())))


def _fields(selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode], seen: set[str]) -> Iterator[str]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in seen and name in fragments:
                seen.add(name)
                yield from _fields(fragments[name].selection_set, fragments, seen)


def check_operation(document: DocumentNode, operation_name: str | None, principal: Principal) -> None:
    """Raise ForbiddenError if the operation selects a root field above the caller's role.

    The message names the field and the role it needs, and how to get it.
    """
    type_name, fields = root_fields(document, operation_name)
    for name in fields:
        needed = required_role(type_name, name)
        if not principal.may(needed):
            who = "anonymous callers are" if not principal.authenticated else f"your role is {principal.role.label}"
            hint = (
                "send a bearer token with that role" if not principal.authenticated else "ask an admin for a token with that role"
            )
            raise ForbiddenError(f"forbidden: {name} needs the role {needed.label} and {who}; {hint}")
