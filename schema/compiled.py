"""Entity answers written straight from a tree read, without graphql-core visiting every field.

A list view ("50 organisations with their offers and each offer's
municipalities") is thousands of fields. graphql-core completes each one on its
own (a resolver call, a type check, a path), which costs more than reading the
data. Most of those fields need nothing but a property of a node already read.

``CompiledReads`` is the execution context of the schema. When a root field
(``node``, ``organisations``, ...) returns an entity or a page of entities, it
turns the selection below into a plan once per request (a dozen fields, however
many entities), reads everything the plan needs with one ``Store.read_trees``
call (one Cypher statement on Neo4j, with only the properties asked for) and
writes the answer dicts itself, with the scalars' own ``serialize``.

It takes only what it can answer exactly as graphql-core would: entity
properties, ``id``, ``key``, ``version``, ``__typename``, and relationship
fields with their paging, ``orderBy`` and ``asOf`` (the same ``page_of`` and
validity rules), with fragments and ``@skip``/``@include`` resolved by
graphql-core's own field collection. A relationship field with ``where`` (whose
filter needs its own lookups), ``@defer``, or a field it does not know sends the
whole root field down the ordinary path, which prefetches a level per round trip
(``schema.fastpath``); so does an error (a bad cursor), whose message and path the
ordinary path reports.

A root field that answers with plain objects (a referral, the coverage, the
gaps) is written whole the same way: each selected field that is an attribute
(no resolver, arguments, permissions or extensions) is read with ``getattr`` and
written with its type's serializer, entities below it from their nodes. A
relationship field below such an answer (each would be a read), or any field
with a resolver, leaves the answer to graphql-core; so does a null where the
schema promises a value, whose error graphql-core reports.

Tests compare both paths on every kind and field, and on the plain answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLEnumType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    get_named_type,
    is_abstract_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution.values import get_argument_values
from strawberry.relay import to_base64
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.errors import KimnetError
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.read.workers import run_in_worker
from kimnet.graph.stores.trees import Follow, Reached, Shape
from kimnet.schema import fastpath
from kimnet.schema.entities import TYPES, Connection, entity, is_unread
from kimnet.schema.filters import order_values
from kimnet.schema.kinds import direction_of
from kimnet.schema.pagination import Page, paginate

if TYPE_CHECKING:
    from graphql import GraphQLResolveInfo
    from graphql.pyutils import Path

    from kimnet.schema.context import Context

__all__ = ["CompiledReads"]

#: Root answers that are lists longer than this are written in a worker thread (``graph.read.workers``).
WRITTEN_IN_WORKER = 50

#: A scalar's serializer, and whether the value is a list of them.
Scalar = tuple[Callable[[Any], Any], bool]


class _UnsupportedError(Exception):
    """The selection asks for something the plan does not answer; take the ordinary path."""


@dataclass(slots=True)
class _Link:
    """A relationship field: what to read, how to page it, and what to write of each page."""

    follow: Follow
    args: dict[str, Any]
    page: _PagePlan
    #: ``order_values`` of the field's orderBy: the sort values of a node, descending flags, the order's name.
    order: tuple[Callable[[Node], tuple[Any, ...]], list[bool], str]


@dataclass(slots=True)
class _EntityPlan:
    """The fields of one entity type, in answer order: (response key, what, detail)."""

    label: str
    fields: list[tuple[str, str, Any]] = field(default_factory=list)
    props: set[str] = field(default_factory=set)
    links: list[_Link] = field(default_factory=list)


@dataclass(slots=True)
class _PagePlan:
    """The fields of a Connection or LinkConnection: (response key, what, detail)."""

    fields: list[tuple[str, str, Any]] = field(default_factory=list)
    #: Every entity plan below, by kind: ``nodes`` and ``edges { node }`` alike.
    entities: dict[str, list[_EntityPlan]] = field(default_factory=dict)
    all_props: bool = False  # orderBy reads any property of the related nodes
    #: The relationship properties ``edges`` asks for.
    edge_props: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class _ValuePlan:
    """How to write one value: nonNull or list (``detail``: the inner plan), leaf (its serializer),
    object (a plan per kind it may be: an entity plan, or (key, attribute, plan) per field)."""

    what: str
    detail: Any


def _scalar(graphql_type: GraphQLOutputType) -> Scalar:
    """The serializer of a scalar field's type, and whether it is a list."""
    inner = graphql_type.of_type if is_non_null_type(graphql_type) else graphql_type
    listed = is_list_type(inner)
    named = get_named_type(graphql_type)
    if not isinstance(named, GraphQLScalarType):
        raise _UnsupportedError(f"{named} is not a scalar")
    return named.serialize, listed


def _merge(plans: Sequence[_EntityPlan], all_props: bool) -> Shape:
    """The read shape that answers every one of ``plans`` (of one kind)."""
    props: set[str] = set()
    follows: dict[Follow, None] = {}
    for plan in plans:
        props |= plan.props
        follows |= dict.fromkeys(link.follow for link in plan.links)
    return Shape(None if all_props else frozenset(props), tuple(follows))


class CompiledReads(StrawberryGraphQLCoreExecutionContext):
    """The schema's execution context: root entity answers through a plan; see the module docstring."""

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        # Only a root field's answer: below a list that graphql-core completes item by item,
        # a read per item would be a round trip per item.
        if path.prev is None:
            ours = isinstance(result, Connection) or getattr(getattr(result, "_node", None), "kind", None) == return_type.name
            if ours:
                return self._complete_root(return_type, field_details_list, info, path, result, position_context)
            written = self._write_plain(return_type, field_details_list, result)
            if written is not None:
                return written
        return super().complete_object_value(return_type, field_details_list, info, path, result, position_context)

    def complete_list_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if path.prev is None and isinstance(result, list):
            if len(result) > WRITTEN_IN_WORKER:
                return self._write_plain_in_worker(return_type, field_details_list, info, path, result, position_context)
            written = self._write_plain(return_type, field_details_list, result)
            if written is not None:
                return written
        return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)

    async def _write_plain_in_worker(
        self,
        return_type: Any,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: list[Any],
        position_context: Any,
    ) -> Any:
        """``_write_plain`` of a long answer (500 duplicate structures, a state's gaps) in a worker thread.

        Writing one takes a few hundred milliseconds at state scale: on the event loop,
        every other request (and ``/healthz``) would wait that long.
        """
        try:
            plan = self._value_plan(return_type, field_details_list)
            return await run_in_worker(lambda: self._write_value(plan, result))
        except _UnsupportedError:
            pass  # nothing was read or changed: the ordinary path starts afresh
        done = super().complete_list_value(return_type, field_details_list, info, path, result, position_context)
        return await done if self.is_awaitable(done) else done

    def _write_plain(self, graphql_type: GraphQLOutputType, field_details_list: Any, result: Any) -> Any:
        """A root answer of plain objects (a referral, coverage, gaps) written whole; None: not one."""
        try:
            return self._write_value(self._value_plan(graphql_type, field_details_list), result)
        except _UnsupportedError:
            return None  # nothing was read or changed: the ordinary path starts afresh

    async def _complete_root(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        context: Context = info.context
        paged = isinstance(result, Connection)
        try:
            if paged:
                plan = self._page_plan(return_type, field_details_list, None)
                return await self._write_root_page(context, plan, result)
            entity_plan = self._entity_plan(return_type, field_details_list)
            shape = _merge([entity_plan], all_props=False)
            trees = await context.store.read_trees([result._node.id], shape, result._day)
            # An unread entity (see schema.explore's node) learns here whether it exists.
            return self._write_entity(entity_plan, trees[0], trees[0].node, result._day) if trees else None
        except (_UnsupportedError, KimnetError):
            pass
        # The ordinary path, with each level below prefetched in one round trip.
        if is_unread(result):
            found = await context.loaders.nodes.load(result._node.id)
            if found is None:
                return None
            result = entity(found, result._day)
        await fastpath.prefetch_below(info, result.nodes if paged else [result], connection=paged)
        done = super().complete_object_value(return_type, field_details_list, info, path, result, position_context)
        return await done if self.is_awaitable(done) else done

    # -- plans ------------------------------------------------------------------------------

    def _value_plan(self, graphql_type: GraphQLOutputType, field_details_list: Any) -> _ValuePlan:
        """How to write a value of ``graphql_type`` whose objects hold their fields as attributes."""
        if is_non_null_type(graphql_type):
            return _ValuePlan("nonNull", self._value_plan(graphql_type.of_type, field_details_list))
        if is_list_type(graphql_type):
            return _ValuePlan("list", self._value_plan(graphql_type.of_type, field_details_list))
        named = get_named_type(graphql_type)
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            return _ValuePlan("leaf", named.serialize)
        kinds = self.schema.get_possible_types(named) if is_abstract_type(named) else [named]
        plans: dict[str, Any] = {}
        for kind in kinds:
            assert isinstance(kind, GraphQLObjectType)
            plans[kind.name] = self._object_plan(kind, field_details_list)
        return _ValuePlan("object", plans)

    def _object_plan(self, object_type: GraphQLObjectType, field_details_list: Any) -> _EntityPlan | list[Any]:
        if object_type.name in TYPES:
            plan = self._entity_plan(object_type, field_details_list)
            if plan.links:
                raise _UnsupportedError("relationship fields below a plain answer")  # each would be a read
            return plan
        fields: list[Any] = []
        for key, details in self._subfields(object_type, field_details_list).items():
            name = details[0].node.name.value
            if name == "__typename":
                fields.append((key, None, object_type.name))
                continue
            field_def = object_type.fields[name]
            made = (field_def.extensions or {}).get("strawberry-definition")
            # Only a field that is an attribute: a resolver, arguments, permissions or extensions
            # are graphql-core's to run.
            if made is None or made.base_resolver is not None or made.arguments or made.permission_classes or made.extensions:
                raise _UnsupportedError(f"{object_type.name}.{name}")
            fields.append((key, made.python_name, self._value_plan(field_def.type, details)))
        return fields

    def _subfields(self, object_type: GraphQLObjectType, field_details_list: Any) -> Any:
        grouped, defers, _ = self.collect_subfields(object_type, field_details_list)
        if defers:
            raise _UnsupportedError("@defer")
        return grouped

    def _entity_plan(self, object_type: GraphQLObjectType, field_details_list: Any) -> _EntityPlan:
        label = object_type.name
        if label not in TYPES:
            raise _UnsupportedError(f"{label} is not an entity type")
        plan = _EntityPlan(label)
        links = MODEL.link_fields(label)
        props = {p.name for p in MODEL.nodes[label].props}
        for key, details in self._subfields(object_type, field_details_list).items():
            name = details[0].node.name.value
            if name == "__typename":
                plan.fields.append((key, "const", label))
            elif name == "id":
                plan.fields.append((key, "id", label))
            elif name == "key":
                plan.fields.append((key, "key", None))
            elif name == "version":
                plan.props.add("version")  # not a property, but stored with them: a store reads it only when asked
                plan.fields.append((key, "version", None))
            elif name in props:
                plan.props.add(name)
                plan.fields.append((key, "prop", (name, _scalar(object_type.fields[name].type))))
            elif name in links:
                link = self._link(object_type, label, name, details)
                plan.links.append(link)
                plan.fields.append((key, "link", link))
            else:
                raise _UnsupportedError(f"{label}.{name}")
        return plan

    def _link(self, object_type: GraphQLObjectType, label: str, name: str, details: Any) -> _Link:
        field_def = object_type.fields[name]
        args = get_argument_values(field_def, details[0].node, self.variable_values)
        if args.get("where") is not None:
            raise _UnsupportedError("a filtered relationship field")
        args = fastpath.convert_link_arguments(label, name, args)
        page_type = get_named_type(field_def.type)
        assert isinstance(page_type, GraphQLObjectType)
        page = self._page_plan(page_type, details, args.get("orderBy"))
        rel, _ = MODEL.link_fields(label)[name]
        below = tuple((kind, _merge(plans, page.all_props)) for kind, plans in page.entities.items())
        follow = Follow(rel.type, direction_of(label, name), args.get("asOf"), below, frozenset(page.edge_props))
        return _Link(follow, args, page, order_values(args.get("orderBy")))

    def _page_plan(self, page_type: GraphQLObjectType, field_details_list: Any, order_by: Any) -> _PagePlan:
        plan = _PagePlan(all_props=bool(order_by))
        for key, details in self._subfields(page_type, field_details_list).items():
            name = details[0].node.name.value
            if name == "__typename":
                plan.fields.append((key, "const", page_type.name))
            elif name == "totalCount":
                plan.fields.append((key, "total", None))
            elif name == "pageInfo":
                info_type = get_named_type(page_type.fields[name].type)
                assert isinstance(info_type, GraphQLObjectType)
                wanted = [(k, d[0].node.name.value) for k, d in self._subfields(info_type, details).items()]
                plan.fields.append((key, "pageInfo", (info_type.name, wanted)))
            elif name == "nodes":
                plan.fields.append((key, "nodes", self._item_plans(page_type.fields[name].type, details, plan)))
            elif name == "edges":
                plan.fields.append((key, "edges", self._edge_plan(page_type.fields[name].type, details, plan)))
            else:
                raise _UnsupportedError(f"{page_type.name}.{name}")
        return plan

    def _item_plans(self, item_type: GraphQLOutputType, details: Any, page: _PagePlan) -> dict[str, _EntityPlan]:
        """A plan per kind the items may be (a union such as Area has several)."""
        named = get_named_type(item_type)
        kinds = self.schema.get_possible_types(named) if is_abstract_type(named) else [named]
        plans = {}
        for kind in kinds:
            assert isinstance(kind, GraphQLObjectType)
            plans[kind.name] = plan = self._entity_plan(kind, details)
            page.entities.setdefault(kind.name, []).append(plan)
        return plans

    def _edge_plan(self, edge_list_type: GraphQLOutputType, details: Any, page: _PagePlan) -> list[tuple[str, str, Any]]:
        edge_type = get_named_type(edge_list_type)
        assert isinstance(edge_type, GraphQLObjectType)
        fields: list[tuple[str, str, Any]] = []
        for key, sub in self._subfields(edge_type, details).items():
            name = sub[0].node.name.value
            if name == "__typename":
                fields.append((key, "const", edge_type.name))
            elif name == "cursor":
                fields.append((key, "cursor", None))
            elif name == "node":
                fields.append((key, "node", self._item_plans(edge_type.fields[name].type, sub, page)))
            else:
                page.edge_props.add(name)
                fields.append((key, "edgeProp", (name, _scalar(edge_type.fields[name].type))))
        return fields

    # -- answers ----------------------------------------------------------------------------

    async def _write_root_page(self, context: Context, plan: _PagePlan, found: Any) -> dict[str, Any]:
        day: dt.date | None = found._day
        nodes: list[Node] = [obj._node for obj in found.nodes]
        trees: dict[str, Reached] = {}
        by_kind: dict[str, list[str]] = {}
        for node in nodes:
            by_kind.setdefault(node.kind, []).append(node.id)
        for kind, group in by_kind.items():
            shape = _merge(plan.entities.get(kind, []), all_props=False)
            for tree in await context.store.read_trees(group, shape, day):
                trees[tree.node.id] = tree
        # The page was cut from these nodes as the list read them; one deleted since keeps its place.
        items: list[tuple[Edge | None, Reached]] = [(None, trees.get(n.id) or Reached(n)) for n in nodes]
        return self._write_page(plan, found._page, items, day)

    def _write_page(
        self, plan: _PagePlan, page: Page[Any], items: Sequence[tuple[Edge | None, Reached]], day: dt.date | None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, what, detail in plan.fields:
            if what == "nodes":
                out[key] = [self._write_entity(detail[r.node.kind], r, r.node, day) for _, r in items]
            elif what == "edges":
                out[key] = [
                    self._write_edge(detail, edge, reached, cursor, day)
                    for (edge, reached), cursor in zip(items, page.cursors, strict=True)
                ]
            elif what == "total":
                out[key] = page.total
            elif what == "pageInfo":
                type_name, wanted = detail
                answers = {
                    "hasNextPage": page.has_next,
                    "hasPreviousPage": page.has_previous,
                    "startCursor": page.start_cursor,
                    "endCursor": page.end_cursor,
                    "__typename": type_name,
                }
                out[key] = {k: answers[name] for k, name in wanted}
            else:  # const
                out[key] = detail
        return out

    def _write_edge(
        self, fields: list[tuple[str, str, Any]], edge: Edge | None, reached: Reached, cursor: str, day: dt.date | None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, what, detail in fields:
            if what == "node":
                out[key] = self._write_entity(detail[reached.node.kind], reached, reached.node, day)
            elif what == "cursor":
                out[key] = cursor
            elif what == "edgeProp":
                name, (serialize, _) = detail
                value = edge.props.get(name) if edge is not None else None
                out[key] = None if value is None else serialize(value)
            else:
                out[key] = detail
        return out

    def _write_entity(self, plan: _EntityPlan, reached: Reached, node: Node, day: dt.date | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        props = node.props
        for key, what, detail in plan.fields:
            if what == "prop":
                name, (serialize, listed) = detail
                value = props.get(name)
                if value is None:
                    out[key] = None
                elif listed:
                    out[key] = [serialize(v) for v in value]  # type: ignore[union-attr]  # a list property
                else:
                    out[key] = serialize(value)
            elif what == "link":
                out[key] = self._write_link(detail, reached, day)
            elif what == "key":
                out[key] = node.id
            elif what == "id":
                out[key] = to_base64(detail, node.id)
            elif what == "version":
                out[key] = node.version
            else:
                out[key] = detail
        return out

    def _write_value(self, plan: _ValuePlan, value: Any) -> Any:
        what, detail = plan.what, plan.detail
        if value is None:
            if what == "nonNull":
                raise _UnsupportedError("null where the schema promises a value")  # graphql-core's error to report
            return None
        if what == "nonNull":
            return self._write_value(detail, value)
        if what == "leaf":
            return detail(value)
        if what == "list":
            return [self._write_value(detail, item) for item in value]
        node = value.__dict__.get("_node")
        kind = node.kind if node is not None else type(value).__strawberry_definition__.name
        object_plan = detail.get(kind)
        if object_plan is None:
            raise _UnsupportedError(f"a {kind} where the schema expects {sorted(detail)}")
        if isinstance(object_plan, _EntityPlan):
            return self._write_entity(object_plan, Reached(node), node, value._day)
        return {
            key: (self._write_value(sub, getattr(value, attribute)) if attribute is not None else sub)
            for key, attribute, sub in object_plan
        }

    def _write_link(self, link: _Link, reached: Reached, day: dt.date | None) -> dict[str, Any]:
        on = link.follow.as_of or day
        pairs = reached.links.get(link.follow, [])  # nothing for a node deleted since its list was read
        # page_of's rules (entities.py) over the reached pairs themselves: no copies per list.
        values, descending, ordering = link.order
        args = link.args
        page = paginate(
            pairs,
            lambda pair: values(pair[1].node),
            descending,
            first=args.get("first"),
            after=args.get("after"),
            last=args.get("last"),
            before=args.get("before"),
            ordering=ordering,
        )
        return self._write_page(link.page, page, page.items, on)
