"""One GraphQL object type per node kind, made from the model; connections and edges.

Each type implements Relay's ``Node`` (a global ``id``), and has ``key`` (the
stable readable id, e.g. ``org:ki-coesfeld``), ``version`` (for updates), one
field per declared property, and one connection per relationship field, with
``first/after/last/before``, ``where``, ``orderBy`` and ``asOf``. A related
entity is read by the compiled plan of the answer (``schema.compiled``), or else
through the request's DataLoader; relationship properties (role, since, kind,
validity) are on the connection's edges.

An entity object remembers the day it was read for (``asOf``), so nested fields
default to the same day as the field that reached them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

import strawberry
from strawberry import relay

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.kinds import Edge, Node, NodeKind, PropType, RelKind
from kimnet.graph.stores.store import Direction
from kimnet.schema.filters import ORDER, WHERE, matching, to_predicate
from kimnet.schema.freshness_fields import FRESHNESS_FIELDS
from kimnet.schema.kinds import direction_of, targets_of
from kimnet.schema.list_arguments import ListArguments
from kimnet.schema.pagination import Page

if TYPE_CHECKING:
    from kimnet.schema.context import Context

__all__ = ["TYPES", "Connection", "LinkConnection", "connection", "entity", "entity_of", "is_unread", "links", "unread"]

T = TypeVar("T")


@strawberry.type(description="A link to an entity in a list, with a cursor")
class Edge_(Generic[T]):  # noqa: N801 (strawberry names it <Type>Edge)
    cursor: str = strawberry.field(description="Where this entry is, for `after` and `before`")
    node: T = strawberry.field(description="The entity")


@strawberry.type(description="A page of a list, with the total count of matching entities")
class Connection(Generic[T]):
    # Made by ``connection``: ``nodes`` and ``totalCount`` are plain attributes; edges
    # and page info (cursors) are made only when a query selects them.
    _page: strawberry.Private[Page[Any]]
    _day: strawberry.Private[dt.date | None]
    edges: list[Edge_[T]] = strawberry.field(
        resolver=lambda root: root._make_edges(), description="The entities of this page, each with its cursor"
    )
    pageInfo: relay.PageInfo = strawberry.field(
        resolver=lambda root: _page_info(root._page), description="Whether more pages exist, and the cursors to reach them"
    )
    totalCount: int = strawberry.field(description="How many entities match, on all pages")
    nodes: list[T] = strawberry.field(description="The entities of this page, without cursors")

    def _make_edges(self) -> list[Any]:
        return [Edge_(cursor=c, node=node) for c, node in zip(self._page.cursors, self.nodes, strict=True)]


@strawberry.type(description="A relationship to an entity, with the relationship's properties")
class LinkEdge(Generic[T]):
    cursor: str = strawberry.field(description="Where this entry is, for `after` and `before`")
    node: T = strawberry.field(description="The related entity")
    role: str | None = strawberry.field(description="Role in a working group (memberships)")
    since: dt.date | None = strawberry.field(description="Since when (memberships, cooperations)")
    kind: str | None = strawberry.field(description="What the cooperation is (cooperations)")
    validFrom: dt.date | None = strawberry.field(description="First day on which the relationship holds")
    validTo: dt.date | None = strawberry.field(description="Last day on which the relationship holds")
    source: str | None = strawberry.field(description="Where the fact comes from")
    illustrative: bool | None = strawberry.field(description="True when the relationship is a plausible fill-in")


@strawberry.type(description="A page of related entities")
class LinkConnection(Generic[T]):
    # Made by ``connection``, like Connection.
    _page: strawberry.Private[Page[Any]]
    _day: strawberry.Private[dt.date | None]
    edges: list[LinkEdge[T]] = strawberry.field(
        resolver=lambda root: root._make_edges(), description="The related entities of this page, with the relationships"
    )
    pageInfo: relay.PageInfo = strawberry.field(
        resolver=lambda root: _page_info(root._page), description="Whether more pages exist, and the cursors to reach them"
    )
    totalCount: int = strawberry.field(description="How many related entities match, on all pages")
    nodes: list[T] = strawberry.field(description="The related entities of this page, without cursors")

    def _make_edges(self) -> list[Any]:
        return [
            LinkEdge(cursor=c, node=node, **_edge_props(e))
            for c, (e, _), node in zip(self._page.cursors, self._page.items, self.nodes, strict=True)
        ]


def _page_info(page: Page[Any]) -> relay.PageInfo:
    return relay.PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=page.start_cursor,
        end_cursor=page.end_cursor,
    )


def connection(cls: type[Any], page: Page[tuple[Edge | None, Node]], day: dt.date | None) -> Any:
    """Make a Connection or LinkConnection of ``page`` (pairs of edge and node), its entities read for ``day``."""
    made = object.__new__(cls)
    made.__dict__.update(_page=page, _day=day, totalCount=page.total, nodes=[entity(n, day) for _, n in page.items])
    return made


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


#: Per kind: every property field unset, the start of each entity's attributes.
_BLANK: dict[str, dict[str, Any]] = {}

#: Per kind: the type of ``entity_of``'s objects.
_LAZY: dict[str, type] = {}


def entity(node: Node, day: dt.date | None) -> Any:
    """Wrap a stored node as the GraphQL object of its kind, read for ``day``.

    Properties, ``key`` and ``version`` become plain attributes, so that
    strawberry resolves them as basic fields (a getattr) rather than through a
    resolver call each: an answer holds thousands of them.
    """
    cls = TYPES[node.kind]
    obj: Any = object.__new__(cls)
    attributes = obj.__dict__
    attributes.update(_BLANK[node.kind])
    for name, value in node.props.items():
        attributes[name] = list(value) if isinstance(value, tuple) else value
    attributes.update(key=node.id, version=node.version, _node=node, _day=day)
    return obj


def entity_of(node: Node, day: dt.date | None) -> Any:
    """``entity``, whose fields are read from the node when first asked for.

    For answers written from plans (``schema.written``), which write an entity
    from its node and read none of its attributes: a referral names hundreds of
    offers, and copying each one's properties cost more than writing them. The
    object is of a subclass of the kind's type (``_LAZY``); graphql-core, where
    it completes the answer instead, reads the same values.
    """
    obj: Any = object.__new__(_LAZY[node.kind])
    obj.__dict__.update(_node=node, _day=day)
    return obj


class _FromNode:
    """A field of an ``entity_of`` object: read from its node when first asked for, then an attribute of its own.

    A non-data descriptor, so that the attribute, once set, is found before it.
    """

    def __init__(self, name: str, read: Callable[[Node], Any]) -> None:
        self._name, self._read = name, read

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return None  # as on the kind's type: the field's default
        value = obj.__dict__[self._name] = self._read(obj.__dict__["_node"])
        return value


def _prop_reader(name: str) -> Callable[[Node], Any]:
    def read(node: Node) -> Any:
        value = node.props.get(name)
        return list(value) if isinstance(value, tuple) else value  # as ``entity`` copies it

    return read


def _lazy_type(kind: NodeKind, cls: type) -> type:
    """The subclass of ``cls`` (the kind's type) that ``entity_of`` makes."""
    fields: dict[str, Any] = {p.name: _FromNode(p.name, _prop_reader(p.name)) for p in kind.props}
    fields["key"] = _FromNode("key", lambda node: node.id)
    fields["version"] = _FromNode("version", lambda node: node.version)
    return type(cls.__name__, (cls,), {"__module__": __name__, "__doc__": cls.__doc__, **fields})


def unread(label: str, key: str, day: dt.date | None) -> Any:
    """An entity of kind ``label`` with id ``key`` whose node is not read yet, nor known to exist.

    A root field returns it when the execution context (``schema.compiled``) will
    read the node together with the tree below it, in one round trip; whatever
    completes it reads the node first and answers null if there is none.
    """
    made = entity(Node(label, key, {}), day)
    made.__dict__["_unread"] = True
    return made


def is_unread(obj: Any) -> bool:
    return bool(obj.__dict__.get("_unread"))


def _target_type_name(labels: tuple[str, ...]) -> str:
    return labels[0] if len(labels) == 1 else "Area"  # Municipality or Region: the only mixed target


def _node_of(pair: tuple[Edge | None, Node]) -> Node:
    return pair[1]


async def links(root: Any, context: Context, rel_type: str, direction: Direction, args: ListArguments) -> Any:
    """Resolve a relationship field of ``root`` where no plan does: its related entities, filtered, sorted and paged.

    A compiled plan (``schema.plans``) answers most relationship fields; this is the
    fallback, through the request's DataLoaders, with the same day, filter test,
    order and paging.
    """
    day = args.day(root._day)
    found = await context.loaders.neighbours.load((rel_type, direction, day, root._node.id))
    if args.where is not None:
        keep = await matching(context, [n for _, n in found], to_predicate(args.where), day)
        found = [(e, n) for e, n in found if n.id in keep]
    return connection(LinkConnection, args.page(list(found), _node_of), day)


#: The arguments every list and relationship field shares (strawberry reads them from annotations).
PAGE_ARGUMENTS: dict[str, Any] = {
    "info": strawberry.Info,
    "first": Annotated[
        int | None, strawberry.argument(description="Return the first n entries (at most KIMNET_MAX_PAGE_SIZE, 500)")
    ],
    "after": Annotated[str | None, strawberry.argument(description="Start after this cursor (an edge's cursor, or endCursor)")],
    "last": Annotated[int | None, strawberry.argument(description="Return the last n entries (at most KIMNET_MAX_PAGE_SIZE)")],
    "before": Annotated[str | None, strawberry.argument(description="End before this cursor (startCursor)")],
    "asOf": Annotated[
        dt.date | None, strawberry.argument(description="Only what is valid on this day, the relationships too (default today)")
    ],
}


def where_argument(where_type: Any) -> Any:
    """The ``where`` argument of a list or relationship field, described."""
    return Annotated[where_type | None, strawberry.argument(description="Only the entities that meet these conditions")]


def order_argument(order_type: Any) -> Any:
    """The ``orderBy`` argument, described."""
    return Annotated[
        list[order_type] | None,
        strawberry.argument(description="Sort keys, first to last; the key breaks the remaining ties (default: by key)"),
    ]


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
        args = ListArguments(first, after, last, before, where, orderBy, asOf)
        return await links(root, info.context, rel.type, direction, args)

    where_type = WHERE[targets[0]] if len(targets) == 1 else WHERE["Entity"]
    annotations: dict[str, Any] = {
        "root": Any,
        **PAGE_ARGUMENTS,
        "where": where_argument(where_type),
        "return": f"LinkConnection[{target}]",
    }
    if len(targets) == 1:
        annotations["orderBy"] = order_argument(ORDER[targets[0]])
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

    # Plain attributes (see ``entity``), declared with their GraphQL types.
    annotations = namespace["__annotations__"]
    annotations["key"], annotations["version"] = str, int
    namespace["key"] = strawberry.field(description=f"The stable readable id, e.g. {kind.prefix}:…", default=None)
    namespace["version"] = strawberry.field(description="Grows with every update; give it back when you update", default=None)
    for prop in kind.props:
        scalar = _SCALARS[prop.type]
        annotations[prop.name] = scalar if prop.required else scalar | None
        namespace[prop.name] = strawberry.field(name=prop.name, description=prop.doc, default=None)
    _BLANK[kind.label] = dict.fromkeys(p.name for p in kind.props)
    for field_name, (rel, outgoing) in MODEL.link_fields(kind.label).items():
        doc = rel.doc if outgoing or rel.symmetric else f"{rel.doc} (seen from the other end)"
        namespace[field_name] = strawberry.field(resolver=_link_resolver(kind, field_name, rel), name=field_name, description=doc)

    # How current the entry is (offers and organisations): see schema.freshness.
    namespace.update(FRESHNESS_FIELDS[kind.label])

    def resolve_id(cls: type, root: Any, *, info: Any) -> str:
        return str(root._node.id)

    namespace["resolve_id"] = classmethod(resolve_id)
    cls = type(kind.label, (relay.Node,), namespace)
    return strawberry.type(cls, description=kind.doc)


for _kind in MODEL.nodes.values():
    TYPES[_kind.label] = _make_type(_kind)
    _NAMESPACE[_kind.label] = TYPES[_kind.label]
    _LAZY[_kind.label] = _lazy_type(_kind, TYPES[_kind.label])

_AREA_MEMBERS = TYPES["Municipality"] | TYPES["Region"]
Area = Annotated[_AREA_MEMBERS, strawberry.union("Area", description="A municipality or a region")]
_NAMESPACE["Area"] = Area
globals().update(_NAMESPACE)


def all_types() -> Iterable[type]:
    """The generated entity types, for the schema's ``types`` list."""
    return TYPES.values()
