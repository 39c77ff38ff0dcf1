"""Exploring the network: look entities up, list them per kind, walk neighbourhoods.

The per-kind lists (``organisations``, ``services``, ...) are made from the model
like the entity types, with the same arguments as relationship fields.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry import relay

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.errors import ArgumentError
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.read.neighbourhood import neighbourhood as walk
from kimnet.schema.entities import (
    PAGE_ARGUMENTS,
    TYPES,
    Connection,
    connection,
    entity,
    order_argument,
    unread,
    where_argument,
)
from kimnet.schema.filters import ORDER, WHERE, candidates, matching, to_predicate
from kimnet.schema.ids import to_key
from kimnet.schema.kinds import list_field_of
from kimnet.schema.list_arguments import ListArguments

if TYPE_CHECKING:
    from kimnet.schema.context import Context

__all__ = ["LIST_FIELDS", "ExploreQuery", "Relationship", "RelationshipType"]

RelationshipType = strawberry.enum(  # type: ignore[call-overload]
    enum.Enum("RelationshipType", {t: strawberry.enum_value(t, description=rel.doc) for t, rel in MODEL.rels.items()}),
    description="The kinds of relationship in the network",
)


def _node_of(pair: tuple[Edge | None, Node]) -> Node:
    return pair[1]


def _list_resolver(label: str) -> Callable[..., Any]:
    async def resolve(
        info: strawberry.Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: Any = None,
        orderBy: Any = None,
        asOf: dt.date | None = None,
    ) -> Any:
        context = info.context
        args = ListArguments(first, after, last, before, where, orderBy, asOf)
        day = args.day(context.today)
        predicate = to_predicate(where) if where is not None else None
        narrowed = await candidates(context, label, predicate, day) if predicate is not None else None
        nodes = narrowed[0] if narrowed is not None else await context.store.nodes_of_kind(label, day)
        exact = narrowed is not None and narrowed[1]
        if predicate is not None and not exact:
            keep = await matching(context, nodes, predicate, day)
            nodes = [n for n in nodes if n.id in keep]
        # What the query selects below is read by the execution context (schema.compiled).
        return connection(Connection, args.page([(None, n) for n in nodes], _node_of), day)

    resolve.__annotations__ = {
        **PAGE_ARGUMENTS,
        "where": where_argument(WHERE[label]),
        "orderBy": order_argument(ORDER[label]),
        "return": Connection[TYPES[label]],
    }
    return resolve


#: The per-kind list fields: GraphQL name -> strawberry field.
LIST_FIELDS = {
    list_field_of(label): strawberry.field(
        resolver=_list_resolver(label),
        name=list_field_of(label),
        description=f"{kind.doc}: the ones valid on asOf (default today), filtered, sorted and paged",
    )
    for label, kind in MODEL.nodes.items()
}


@strawberry.type(description="A relationship between two entities, with its properties")
class Relationship:
    type: RelationshipType = strawberry.field(description="The kind of relationship")
    source: str = strawberry.field(description="Key of the source entity")
    target: str = strawberry.field(description="Key of the target entity")
    role: str | None = strawberry.field(default=None, description="Role in a working group (memberships)")
    kind: str | None = strawberry.field(default=None, description="What the cooperation is (cooperations)")
    since: dt.date | None = strawberry.field(default=None, description="Since when (memberships, cooperations)")
    validFrom: dt.date | None = strawberry.field(default=None, description="First day on which the relationship holds")
    validTo: dt.date | None = strawberry.field(default=None, description="Last day on which the relationship holds")

    @classmethod
    def of(cls, edge: Edge) -> Relationship:
        props: dict[str, Any] = dict(edge.props)
        return cls(
            type=RelationshipType[edge.type],
            source=edge.source,
            target=edge.target,
            role=props.get("role"),
            kind=props.get("kind"),
            since=props.get("since"),
            validFrom=props.get("validFrom"),
            validTo=props.get("validTo"),
        )


@strawberry.type(description="An entity in a neighbourhood, with its distance from the centre")
class NeighbourhoodEntity:
    distance: int = strawberry.field(description="Steps from the centre (0 for the centre itself)")
    entity: relay.Node = strawberry.field(description="The entity")


@strawberry.type(description="Everything within some steps of an entity")
class Neighbourhood:
    centre: str = strawberry.field(description="Key of the entity the neighbourhood is around")
    entities: list[NeighbourhoodEntity] = strawberry.field(description="The entities reached, nearest first")
    links: list[Relationship] = strawberry.field(description="The relationships between them")


@strawberry.type
class ExploreQuery:
    @strawberry.field(description="The entity with this global id or key, or null")
    async def node(
        self,
        info: strawberry.Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id or a key (org:…)")],
    ) -> relay.Node | None:
        key = to_key(id)
        kind = MODEL.kind_of(key)
        assert kind is not None  # to_key refuses unknown prefixes
        # Read by the execution context with what the query selects below it (schema.compiled).
        return cast("relay.Node", unread(kind.label, key, info.context.today))

    @strawberry.field(description="The entities with these global ids or keys, in order (null where none exists)")
    async def nodes(
        self,
        info: strawberry.Info[Context, None],
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids or keys, at most 500")],
    ) -> list[relay.Node | None]:
        if len(ids) > 500:
            raise ArgumentError(f"at most 500 ids at once, not {len(ids)}")
        found = await info.context.loaders.nodes.load_many([to_key(i) for i in ids])
        return [entity(n, info.context.today) if n else None for n in found]

    @strawberry.field(
        description="The entities within `depth` steps of an entity, over the given relationship kinds (all by default)"
    )
    async def neighbourhood(
        self,
        info: strawberry.Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The entity at the centre (key or global id)")],
        depth: Annotated[int, strawberry.argument(description="How many steps (1 to 4)")] = 1,
        relationships: Annotated[
            list[RelationshipType] | None, strawberry.argument(description="Only these kinds of relationship (default: all)")
        ] = None,
        asOf: Annotated[
            dt.date | None, strawberry.argument(description="Entities and relationships valid on this day (default today)")
        ] = None,
    ) -> Neighbourhood:
        day = asOf or info.context.today
        types = [r.value for r in relationships] if relationships is not None else None  # type: ignore[attr-defined]
        found = await walk(info.context.store, to_key(id), depth, types, day)
        return Neighbourhood(
            centre=found.centre,
            entities=[
                NeighbourhoodEntity(distance=d, entity=entity(n, day))
                for n, d in sorted(found.nodes.values(), key=lambda p: (p[1], p[0].id))
            ],
            links=[Relationship.of(e) for e in sorted(found.edges.values(), key=lambda e: e.key)],
        )
