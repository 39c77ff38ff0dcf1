"""One GraphQL object type per node kind, made from the model; connections and edges.

Each type implements Relay's ``Node`` (a global ``id``), and has ``key`` (the
stable readable id, e.g. ``org:ki-coesfeld``), ``version`` (for updates), one
field per declared property, and one connection per relationship field, with
``first/after/last/before``, ``where``, ``orderBy`` and ``asOf``. A related
entity is reached through the request's DataLoader; relationship properties
(role, since, kind, validity) are on the connection's edges.

An entity object remembers the day it was read for (``asOf``), so nested fields
default to the same day as the field that reached them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

import strawberry
from strawberry import relay

from kimnet.graph.model import MODEL, Edge, Node, NodeKind, Prop, PropType, RelKind
from kimnet.schema.filters import ORDER, WHERE, matching, order_values, to_predicate
from kimnet.schema.kinds import direction_of, targets_of
from kimnet.schema.pagination import paginate

if TYPE_CHECKING:
    from kimnet.schema.context import Context

__all__ = ["TYPES", "Connection", "LinkConnection", "entity", "page_of"]

T = TypeVar("T")


@strawberry.type(description="A link to an entity in a list, with a cursor")
class Edge_(Generic[T]):  # noqa: N801 (strawberry names it <Type>Edge)
    cursor: str
    node: T


@strawberry.type(description="A page of a list, with the total count of matching entities")
class Connection(Generic[T]):
    edges: list[Edge_[T]]
    pageInfo: relay.PageInfo
    totalCount: int

    @strawberry.field(description="The entities of this page, without cursors")
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]


@strawberry.type(description="A relationship to an entity, with the relationship's properties")
class LinkEdge(Generic[T]):
    cursor: str
    node: T
    role: str | None = strawberry.field(description="Role in a working group (memberships)")
    since: dt.date | None = strawberry.field(description="Since when (memberships, cooperations)")
    kind: str | None = strawberry.field(description="What the cooperation is (cooperations)")
    validFrom: dt.date | None = strawberry.field(description="First day on which the relationship holds")
    validTo: dt.date | None = strawberry.field(description="Last day on which the relationship holds")
    source: str | None = strawberry.field(description="Where the fact comes from")
    illustrative: bool | None = strawberry.field(description="True when the relationship is a plausible fill-in")


@strawberry.type(description="A page of related entities")
class LinkConnection(Generic[T]):
    edges: list[LinkEdge[T]]
    pageInfo: relay.PageInfo
    totalCount: int

    @strawberry.field(description="The related entities of this page, without cursors")
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]


_SCALARS: dict[PropType, Any] = {
    PropType.STRING: str,
    PropType.INT: int,
    PropType.FLOAT: float,
    PropType.BOOL: bool,
    PropType.DATE: dt.date,
    PropType.STRINGS: list[str],
}

#: Generated types by label, and everything string annotations refer to.
TYPES: dict[str, type] = {}
_NAMESPACE: dict[str, Any] = {}


def entity(node: Node, day: dt.date | None) -> Any:
    """Wrap a stored node as the GraphQL object of its kind, read for ``day``."""
    obj = TYPES[node.kind]()
    obj._node = node
    obj._day = day
    return obj


def _target_type_name(labels: tuple[str, ...]) -> str:
    return labels[0] if len(labels) == 1 else "Area"  # Municipality or Region: the only mixed target


def _prop_resolver(prop: Prop) -> Callable[..., Any]:
    def resolve(root: Any) -> Any:
        value = root._node.props.get(prop.name)
        return list(value) if isinstance(value, tuple) else value

    scalar = _SCALARS[prop.type]
    resolve.__annotations__ = {"root": Any, "return": scalar if prop.required else scalar | None}
    return resolve


def page_of(
    pairs: list[tuple[Edge | None, Node]],
    day: dt.date | None,
    order_by: Any,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> tuple[list[tuple[str, Edge | None, Node]], relay.PageInfo, int]:
    """Sort and cut a page; return (cursor, edge, node) rows, page info and total."""
    values, descending, ordering = order_values(order_by)
    page = paginate(
        pairs, lambda p: values(p[1]), descending, first=first, after=after, last=last, before=before, ordering=ordering
    )
    info = relay.PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=page.start_cursor,
        end_cursor=page.end_cursor,
    )
    return [(c, e, n) for c, (e, n) in zip(page.cursors, page.items, strict=True)], info, page.total


def _link_resolver(kind: NodeKind, field_name: str, rel: RelKind) -> Callable[..., Any]:
    direction = direction_of(kind.label, field_name)
    targets = targets_of(kind.label, field_name)
    target = _target_type_name(targets)

    async def resolve(
        root: Any,
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
        day = asOf or root._day
        found = await context.loaders.neighbours.load((rel.type, direction, day, root._node.id))
        if where is not None:
            keep = await matching(context, [n for _, n in found], to_predicate(where), day)
            found = [(e, n) for e, n in found if n.id in keep]
        rows, page_info, total = page_of(list(found), day, orderBy, first, after, last, before)
        edges = [LinkEdge(cursor=c, node=entity(n, day), **_edge_props(e)) for c, e, n in rows]
        return LinkConnection(edges=edges, pageInfo=page_info, totalCount=total)

    where_type = WHERE[targets[0]] if len(targets) == 1 else WHERE["Entity"]
    annotations: dict[str, Any] = {
        "root": Any,
        "info": strawberry.Info,
        "first": int | None,
        "after": str | None,
        "last": int | None,
        "before": str | None,
        "where": where_type | None,
        "asOf": dt.date | None,
        "return": f"LinkConnection[{target}]",
    }
    if len(targets) == 1:
        annotations["orderBy"] = list[ORDER[targets[0]]] | None
    else:
        resolve = _without_order(resolve)
    resolve.__annotations__ = annotations
    return resolve


def _without_order(resolve: Callable[..., Any]) -> Callable[..., Any]:
    """The same resolver without ``orderBy`` (for links to mixed kinds, sorted by id)."""

    async def wrapper(
        root: Any,
        info: Any,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: Any = None,
        asOf: dt.date | None = None,
    ) -> Any:
        return await resolve(root, info, first, after, last, before, where, None, asOf)

    return wrapper


_EDGE_PROPS = ("role", "since", "kind", "validFrom", "validTo", "source", "illustrative")


def _edge_props(edge: Edge | None) -> dict[str, Any]:
    props = edge.props if edge else {}
    return {name: props.get(name) for name in _EDGE_PROPS}


def _make_type(kind: NodeKind) -> type:
    namespace: dict[str, Any] = {"__module__": __name__, "__annotations__": {}}

    def key(root: Any) -> str:
        return str(root._node.id)

    def version(root: Any) -> int:
        return int(root._node.version)

    namespace["key"] = strawberry.field(resolver=key, description=f"The stable readable id, e.g. {kind.prefix}:…")
    namespace["version"] = strawberry.field(resolver=version, description="Grows with every update; give it back when you update")
    for prop in kind.props:
        namespace[prop.name] = strawberry.field(resolver=_prop_resolver(prop), name=prop.name, description=prop.doc)
    for field_name, (rel, outgoing) in MODEL.link_fields(kind.label).items():
        doc = rel.doc if outgoing or rel.symmetric else f"{rel.doc} (seen from the other end)"
        namespace[field_name] = strawberry.field(resolver=_link_resolver(kind, field_name, rel), name=field_name, description=doc)

    def resolve_id(cls: type, root: Any, *, info: Any) -> str:
        return str(root._node.id)

    namespace["resolve_id"] = classmethod(resolve_id)
    cls = type(kind.label, (relay.Node,), namespace)
    return strawberry.type(cls, description=kind.doc)


for _kind in MODEL.nodes.values():
    TYPES[_kind.label] = _make_type(_kind)
    _NAMESPACE[_kind.label] = TYPES[_kind.label]

_AREA_MEMBERS = TYPES["Municipality"] | TYPES["Region"]
Area = Annotated[_AREA_MEMBERS, strawberry.union("Area", description="A municipality or a region")]
_NAMESPACE["Area"] = Area
globals().update(_NAMESPACE)


def all_types() -> Iterable[type]:
    """The generated entity types, for the schema's ``types`` list."""
    return TYPES.values()
