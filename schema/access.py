"""Who may do what: the roles, the one table of what each root field needs, the check.

Roles are ordered; each may do everything the ones below it may::

    viewer       read the network
    partner      + propose changes to their own organisations' entries, confirm them
    caseworker   + referrals (they carry a person's case)
    coordinator  + changes: create, update, link, unlink
    admin        + deletes, imports and the audit trail

Every root field and mutation is listed in ``REQUIRED_ROLE``; a field that is
missing there needs ``admin`` (closed by default), and a test fails until it is
listed. The check runs once per operation, before anything executes, over the
root fields it selects (through fragments too): an operation with one field the
caller may not use is refused whole, so it changes nothing.

Scoped tokens (see "Scoped writes" below): a partner's token names the
organisations it speaks for (``orgs``); the writes listed in ``PROPOSED`` are
open to it, and become proposals a coordinator decides. A coordinator's token
may name a region, to which its writes are then limited. Which entities belong
to an organisation or lie in a region is decided by ``graph.rules.scope`` over the
planned changes, before anything is written; so that a refusal is whole, a
scoped token writes through one mutation per operation.

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

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.errors import ForbiddenError
from kimnet.schema.kinds import list_field_of

__all__ = [
    "ANONYMOUS",
    "DOWNLOAD_ROLE",
    "KEYBOARD",
    "PROPOSED",
    "REQUIRED_ROLE",
    "Principal",
    "Role",
    "check_download",
    "check_operation",
    "check_scoped",
    "required_role",
    "root_fields",
]


class Role(enum.IntEnum):
    """What a caller may do; a higher role includes the lower ones."""

    VIEWER = 1
    PARTNER = 2
    CASEWORKER = 3
    COORDINATOR = 4
    ADMIN = 5

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Role:
        """Return the role named exactly ``value`` (viewer, partner, caseworker, coordinator, admin).

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
    #: May use every query (never a mutation) whatever its role: the person at a development server's keyboard.
    reads_everything: bool = False
    #: The organisations a partner speaks for (organisation keys); empty for other roles.
    orgs: frozenset[str] = frozenset()
    #: The region a coordinator's writes are limited to (a region or municipality key), if any.
    region: str | None = None

    def may(self, role: Role, *, reading: bool = False) -> bool:
        return self.role >= role or (reading and self.reads_everything)

    @property
    def scoped(self) -> bool:
        """Whether this caller's writes are limited to some organisations or a region."""
        return self.role == Role.PARTNER or self.region is not None


#: A caller without a token, where the server lets such callers read the network.
ANONYMOUS = Principal("anonymous", Role.VIEWER, authenticated=False)

#: Development mode's caller without a token. A development server listens on loopback only
#: (``service.server.check_listen_address``), so this is the person at the machine's keyboard,
#: who owns the data folder anyway: every read question (the referral and the audit trail
#: included) without a token, and no writes, which still need one. Production never uses it.
KEYBOARD = Principal("local", Role.VIEWER, authenticated=False, reads_everything=True)


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
            *(list_field_of(label) for label in MODEL.nodes),
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
    # -- Scoped writes: proposals, decisions, freshness -----------------------------
    # Partners see their own organisations' proposals; coordinators see the queue.
    ("Query", "changeProposals"): Role.PARTNER,
    ("Query", "staleEntries"): Role.VIEWER,
    ("Mutation", "approveChange"): Role.COORDINATOR,
    ("Mutation", "rejectChange"): Role.COORDINATOR,
    # Only the proposal's author (checked by the resolver).
    ("Mutation", "withdrawChange"): Role.PARTNER,
    # A partner confirms their own organisations' entries; a coordinator any in their region.
    ("Mutation", "verify"): Role.PARTNER,
}

#: The writes a partner may send although they need a higher role: each becomes a
#: proposal (never a write) about the partner's own organisations' entries (``graph.rules.scope``).
PROPOSED: frozenset[tuple[str, str]] = frozenset(
    {
        ("Mutation", "createService"),
        ("Mutation", "updateService"),
        ("Mutation", "deleteService"),
        ("Mutation", "updateOrganisation"),
        ("Mutation", "link"),
        ("Mutation", "unlink"),
    }
)


#: The role each download over HTTP needs (``service.downloads``): the same data as the questions,
#: as files. A coverage report for a target group holds no person's case, so a viewer may have it.
DOWNLOAD_ROLE: Mapping[str, Role] = {"export": Role.VIEWER, "report": Role.VIEWER}


def check_download(name: str, principal: Principal) -> None:
    """Raise ForbiddenError unless ``principal`` may fetch the download ``name`` (admin if unlisted)."""
    _check(name, DOWNLOAD_ROLE.get(name, Role.ADMIN), principal, reading=True)


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
    check_scoped(type_name, _root_selections(document, operation_name), principal)
    for name in fields:
        if principal.role == Role.PARTNER and (type_name, name) in PROPOSED:
            continue  # a partner's write becomes a proposal, checked against their organisations
        _check(name, required_role(type_name, name), principal, reading=type_name == "Query")


def _check(name: str, needed: Role, principal: Principal, *, reading: bool) -> None:
    if not principal.may(needed, reading=reading):
        who = (
            f"anonymous callers have the role {principal.role.label}"
            if not principal.authenticated
            else f"your role is {principal.role.label}"
        )
        hint = "send a bearer token with that role" if not principal.authenticated else "ask an admin for a token with that role"
        raise ForbiddenError(f"forbidden: {name} needs the role {needed.label} and {who}; {hint}")


def _root_selections(document: DocumentNode, operation_name: str | None) -> int:
    """How many root fields the operation selects, aliases of one field counted each."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [op for op in operations if operation_name is None or (op.name and op.name.value == operation_name)]
    if len(chosen) != 1:
        return 0
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return sum(1 for name in _fields(chosen[0].selection_set, fragments, set()) if not name.startswith("__"))


def check_scoped(type_name: str, selections: int, principal: Principal) -> None:
    """Raise ForbiddenError for a scoped token's operation with more than one mutation.

    A scoped write is checked against the graph when its resolver has planned it,
    before it writes; one mutation per operation makes that refusal whole.
    """
    if principal.scoped and type_name == "Mutation" and selections > 1:
        raise ForbiddenError(
            "forbidden: a token limited to organisations or a region sends one mutation per operation; send them one by one"
        )
