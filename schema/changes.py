"""Mutations: create, update and delete each kind; link and unlink relationships.

Every mutation is one store write, so it is applied fully or not at all.
Problems with the input come back as data, in ``errors`` (a list of
``UserError`` naming the field and the problem); only a failing store is a
GraphQL error. Updates and deletes carry the ``version`` the client read, and
a stale one is refused (optimistic concurrency).

Inputs are made per kind from the model: ``<Kind>CreateInput`` has the key,
every property (required ones non-null) and, per relationship field, a list
of entities to link at once; ``<Kind>UpdateInput`` has every property as
optional, where an explicit ``null`` removes it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

import strawberry

from kimnet.graph.model.changes import Change, CreateNode, DeleteNode, Link, Unlink, UpdateNode
from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.errors import (
    AccessError,
    BadIdError,
    DuplicateError,
    KimnetError,
    NotFoundError,
    StaleVersionError,
    StoreError,
    ValidationError,
)
from kimnet.graph.model.kinds import Edge, Node
from kimnet.schema.entities import _SCALARS, TYPES, entity
from kimnet.schema.explore import Relationship, RelationshipType
from kimnet.schema.ids import to_key
from kimnet.schema.kinds import direction_of
from kimnet.schema.loaders import Loaders

if TYPE_CHECKING:
    from kimnet.graph.model.proposals import Proposal
    from kimnet.schema.context import Context
    from kimnet.schema.proposals import ChangeProposal

__all__ = ["MUTATION_FIELDS", "ChangeMutation", "UserError", "UserErrorCode"]

T = TypeVar("T")


@strawberry.enum(description="What sort of problem a user error is")
class UserErrorCode(enum.Enum):
    INVALID = strawberry.enum_value("INVALID", description="A value breaks a rule of the model (type, range, choices)")
    NOT_FOUND = strawberry.enum_value("NOT_FOUND", description="An entity the input names does not exist")
    DUPLICATE = strawberry.enum_value("DUPLICATE", description="The key or the relationship exists already, with other content")
    STALE_VERSION = strawberry.enum_value(
        "STALE_VERSION", description="The entity changed since the version given; read it again and retry"
    )


@strawberry.type(description="A problem with the input of a mutation; nothing was written")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is")
    message: str = strawberry.field(description="What is wrong and what to do about it")
    code: UserErrorCode = strawberry.field(description="What kind of problem it is")


#: A partner's write is a proposal: the payload carries it instead of the written entity.
_PROPOSAL_DOC = "For a partner's write: the change proposal it became (nothing was written)"


@strawberry.type(description="What a create or update did: the entity, or the errors")
class EntityPayload(Generic[T]):
    entity: T | None = strawberry.field(description="The entity as written; null when nothing was written")
    errors: list[UserError] = strawberry.field(description="Problems with the input; nothing was written when there are any")
    proposal: Annotated[ChangeProposal, strawberry.lazy("kimnet.schema.proposals")] | None = strawberry.field(
        default=None, description=_PROPOSAL_DOC
    )


@strawberry.type(description="What a delete did: the key of the deleted entity, or the errors")
class DeletePayload:
    deletedKey: str | None = strawberry.field(description="The key of the deleted entity; null when nothing was deleted")
    errors: list[UserError] = strawberry.field(description="Problems with the input; nothing was deleted when there are any")
    proposal: Annotated[ChangeProposal, strawberry.lazy("kimnet.schema.proposals")] | None = strawberry.field(
        default=None, description=_PROPOSAL_DOC
    )


@strawberry.type(description="What a link or unlink did: the relationship, or the errors")
class LinkPayload:
    relationship: Relationship | None = strawberry.field(
        description="The relationship as written or removed; null when nothing changed"
    )
    errors: list[UserError] = strawberry.field(description="Problems with the input; nothing was written when there are any")
    proposal: Annotated[ChangeProposal, strawberry.lazy("kimnet.schema.proposals")] | None = strawberry.field(
        default=None, description=_PROPOSAL_DOC
    )


@strawberry.input(description="Properties of a relationship; each kind uses some of them")
class LinkPropertiesInput:
    role: str | None = strawberry.field(default=None, description="Role in a working group (MEMBER_OF)")
    kind: str | None = strawberry.field(default=None, description="What the cooperation is (COOPERATES_WITH)")
    since: dt.date | None = strawberry.field(default=None, description="Since when (MEMBER_OF, COOPERATES_WITH)")
    validFrom: dt.date | None = strawberry.field(default=None, description="First day on which the relationship holds")
    validTo: dt.date | None = strawberry.field(default=None, description="Last day on which the relationship holds")
    source: str | None = strawberry.field(default=None, description="Where the fact comes from")
    illustrative: bool | None = strawberry.field(
        default=None, description="True when the relationship is a plausible fill-in, not a sourced fact"
    )


def user_errors(exc: KimnetError) -> list[UserError]:
    """Turn a refused write into user errors; re-raise store failures."""
    if isinstance(exc, ValidationError):
        return [UserError(field=p.field, message=str(p), code=UserErrorCode.INVALID) for p in exc.problems]
    for kind, code in ((NotFoundError, UserErrorCode.NOT_FOUND), (DuplicateError, UserErrorCode.DUPLICATE)):
        if isinstance(exc, kind):
            return [UserError(field=None, message=str(exc), code=code)]
    if isinstance(exc, StaleVersionError):
        return [UserError(field="version", message=str(exc), code=UserErrorCode.STALE_VERSION)]
    if isinstance(exc, BadIdError):
        return [UserError(field="id", message=str(exc), code=UserErrorCode.INVALID)]
    raise exc


async def _write(
    info: strawberry.Info[Context, None], changes: list[Change]
) -> tuple[list[Node | Edge], list[UserError], ChangeProposal | None]:
    """Write ``changes`` as the caller, through the mutation ``info`` names (the audit trail records both).

    A scoped token's write is checked first (``schema.proposals.scoped_write``); a
    partner's becomes a proposal, returned third for the payload.
    """
    context = info.context
    if context.principal.scoped:
        from kimnet.schema.proposals import scoped_write

        try:
            proposed = await scoped_write(info, changes)
        except StoreError:
            raise
        except KimnetError as exc:
            if isinstance(exc, AccessError):
                raise
            return [], user_errors(exc), None
        if proposed is not None:
            proposal, errors = proposed
            return [], errors, _proposal_object(proposal)
    try:
        written = await context.store.write(changes, context.actor(info.field_name))
    except StoreError:
        raise
    except KimnetError as exc:
        return [], user_errors(exc), None
    # What the request's loaders cached before this write is stale now: later fields
    # (this payload's, and the next mutation's in the same operation) must read afresh.
    context.loaders = Loaders.for_store(context.store)
    return written, [], None


def _proposal_object(proposal: Proposal | None) -> ChangeProposal | None:
    if proposal is None:
        return None
    from kimnet.schema.proposals import ChangeProposal

    # Just made from the graph as it is: the versions it rests on are the current ones.
    return ChangeProposal.of(proposal, dict(proposal.rests_on), proposal.created_at)


def _input_namespace(label: str, *, create: bool) -> dict[str, Any]:
    kind = MODEL.node(label)
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": __name__, "__annotations__": annotations}
    if create:
        annotations["key"] = str
        namespace["key"] = strawberry.field(description=f"The new stable key, e.g. {kind.prefix}:my-new-entry")
    for prop in kind.props:
        scalar = _SCALARS[prop.type]
        if create and prop.required:
            annotations[prop.name] = scalar
            namespace[prop.name] = strawberry.field(description=prop.doc)
        else:
            annotations[prop.name] = scalar | None
            default = None if create else strawberry.UNSET
            namespace[prop.name] = strawberry.field(default=default, description=prop.doc)
    if create:
        for field_name in MODEL.link_fields(label):
            annotations[field_name] = list[strawberry.ID] | None
            namespace[field_name] = strawberry.field(default=None, description=f"Entities to link in {field_name} (keys or ids)")
    return namespace


_ID = Annotated[strawberry.ID, strawberry.argument(description="The entity (key or global id)")]


def _input(input_type: type) -> Any:
    return Annotated[input_type, strawberry.argument(description="The properties, and for a create the relationships")]


def _create_resolver(label: str, input_type: type) -> Callable[..., Any]:
    kind = MODEL.node(label)

    async def resolve(info: strawberry.Info[Context, None], input: Any) -> Any:
        try:
            key = to_key(input.key) if ":" in input.key else input.key
        except BadIdError as exc:
            return EntityPayload(entity=None, errors=user_errors(exc))
        props = {p.name: _plain(getattr(input, p.name)) for p in kind.props if getattr(input, p.name) is not None}
        changes: list[Change] = [CreateNode(Node(label, key, props))]
        try:
            for field_name, (rel, _) in MODEL.link_fields(label).items():
                for other in getattr(input, field_name) or ():
                    source, target = (key, to_key(other)) if direction_of(label, field_name) != "in" else (to_key(other), key)
                    changes.append(Link(Edge(rel.type, source, target)))
        except BadIdError as exc:
            return EntityPayload(entity=None, errors=user_errors(exc))
        results, errors, proposal = await _write(info, changes)
        made = entity(results[0], info.context.today) if results else None  # type: ignore[arg-type]
        return EntityPayload(entity=made, errors=errors, proposal=proposal)

    resolve.__annotations__ = {"info": strawberry.Info, "input": _input(input_type), "return": EntityPayload[TYPES[label]]}
    return resolve


def _update_resolver(label: str, input_type: type) -> Callable[..., Any]:
    kind = MODEL.node(label)

    async def resolve(info: strawberry.Info[Context, None], id: strawberry.ID, version: int, input: Any) -> Any:
        try:
            key = _key_of_kind(id, label)
        except BadIdError as exc:
            return EntityPayload(entity=None, errors=user_errors(exc))
        given = {p.name: getattr(input, p.name) for p in kind.props if getattr(input, p.name) is not strawberry.UNSET}
        change = UpdateNode(
            key,
            version,
            set={k: _plain(v) for k, v in given.items() if v is not None},
            unset=tuple(k for k, v in given.items() if v is None),
        )
        results, errors, proposal = await _write(info, [change])
        made = entity(results[0], info.context.today) if results else None  # type: ignore[arg-type]
        return EntityPayload(entity=made, errors=errors, proposal=proposal)

    resolve.__annotations__ = {
        "info": strawberry.Info,
        "id": _ID,
        "version": Annotated[int, strawberry.argument(description="The version read last; a newer one means STALE_VERSION")],
        "input": _input(input_type),
        "return": EntityPayload[TYPES[label]],
    }
    return resolve


def _delete_resolver(label: str) -> Callable[..., Any]:
    async def resolve(info: strawberry.Info[Context, None], id: strawberry.ID, version: int | None = None) -> DeletePayload:
        try:
            key = _key_of_kind(id, label)
        except BadIdError as exc:
            return DeletePayload(deletedKey=None, errors=user_errors(exc))
        results, errors, proposal = await _write(info, [DeleteNode(key, version)])
        return DeletePayload(deletedKey=key if results else None, errors=errors, proposal=proposal)

    resolve.__annotations__ = {
        "info": strawberry.Info,
        "id": _ID,
        "version": Annotated[
            int | None, strawberry.argument(description="The version read last; without it the entity is deleted as it is")
        ],
        "return": DeletePayload,
    }
    return resolve


def _key_of_kind(value: str, label: str) -> str:
    key = to_key(value)
    kind = MODEL.kind_of(key)
    if kind is None or kind.label != label:
        raise BadIdError(f"{key} is not a {label}")
    return key


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _mutation_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for label in MODEL.nodes:
        create_input = strawberry.input(
            type(f"{label}CreateInput", (), _input_namespace(label, create=True)), description=f"A new {label}"
        )
        update_input = strawberry.input(
            type(f"{label}UpdateInput", (), _input_namespace(label, create=False)),
            description=f"Changes to a {label}: given fields are set, fields given as null are removed",
        )
        fields[f"create{label}"] = strawberry.field(
            resolver=_create_resolver(label, create_input), name=f"create{label}", description=f"Create a {label}"
        )
        fields[f"update{label}"] = strawberry.field(
            resolver=_update_resolver(label, update_input),
            name=f"update{label}",
            description=f"Update a {label} at the version you read",
        )
        fields[f"delete{label}"] = strawberry.field(
            resolver=_delete_resolver(label), name=f"delete{label}", description=f"Delete a {label} and its relationships"
        )
    return fields


#: The per-kind mutation fields: GraphQL name -> strawberry field.
MUTATION_FIELDS = _mutation_fields()


@strawberry.type
class ChangeMutation:
    @strawberry.mutation(description="Create a relationship between two entities")
    async def link(
        self,
        info: strawberry.Info[Context, None],
        relationship: Annotated[RelationshipType, strawberry.argument(description="The kind of relationship")],
        source: Annotated[strawberry.ID, strawberry.argument(description="The entity it starts at (key or id)")],
        target: Annotated[strawberry.ID, strawberry.argument(description="The entity it ends at (key or id)")],
        properties: Annotated[
            LinkPropertiesInput | None, strawberry.argument(description="The relationship's properties")
        ] = None,
    ) -> LinkPayload:
        try:
            edge = Edge(relationship.value, to_key(source), to_key(target), _link_props(properties))
        except BadIdError as exc:
            return LinkPayload(relationship=None, errors=user_errors(exc))
        results, errors, proposal = await _write(info, [Link(edge)])
        made = Relationship.of(results[0]) if results else None  # type: ignore[arg-type]
        return LinkPayload(relationship=made, errors=errors, proposal=proposal)

    @strawberry.mutation(description="Remove a relationship between two entities")
    async def unlink(
        self,
        info: strawberry.Info[Context, None],
        relationship: Annotated[RelationshipType, strawberry.argument(description="The kind of relationship")],
        source: Annotated[strawberry.ID, strawberry.argument(description="The entity it starts at (key or id)")],
        target: Annotated[strawberry.ID, strawberry.argument(description="The entity it ends at (key or id)")],
    ) -> LinkPayload:
        try:
            change = Unlink(relationship.value, to_key(source), to_key(target))
        except BadIdError as exc:
            return LinkPayload(relationship=None, errors=user_errors(exc))
        results, errors, proposal = await _write(info, [change])
        made = Relationship.of(results[0]) if results else None  # type: ignore[arg-type]
        return LinkPayload(relationship=made, errors=errors, proposal=proposal)


def _link_props(properties: LinkPropertiesInput | None) -> dict[str, Any]:
    if properties is None:
        return {}
    return {k: v for k, v in vars(properties).items() if v is not None}
