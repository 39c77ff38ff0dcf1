"""Plans: what a root field's selection asks for, turned once per request into what to read and what to write.

A plan is made of the query's selection below a root field (a dozen fields,
however many entities answer them) by graphql-core's own field collection, so
fragments, aliases and ``@skip``/``@include`` come out as graphql-core sees them.
An entity plan says which properties to write, and for each relationship field
what to read (a ``graph.stores.trees.Follow``), its arguments (``schema.list_arguments``),
its ``where`` test (``schema.tree_filters``, read in the same tree) and the plan
of the page below. A value plan says how to write a root answer of plain objects
(a referral, the coverage): each field an attribute, written with its type's
serializer.

``UnsupportedError`` says a selection asks for what a plan does not take:
``@defer``, a field with a resolver of its own (the freshness fields), a
relationship field below a plain answer. The execution context
(``schema.compiled``) then leaves the root field to graphql-core and the resolvers.
"""

from __future__ import annotations

import enum
import weakref
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
from strawberry.types.arguments import convert_arguments

from kimnet.graph.model.domain import MODEL
from kimnet.graph.stores.trees import Follow, Shape
from kimnet.schema.entities import TYPES
from kimnet.schema.filters import to_predicate
from kimnet.schema.kinds import direction_of, targets_of
from kimnet.schema.list_arguments import ListArguments, Ordering
from kimnet.schema.tree_filters import TreeFilter, tree_filter

if TYPE_CHECKING:
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = ["EntityPlan", "LinkPlan", "PagePlan", "Planner", "UnsupportedError", "ValuePlan", "merge_shapes"]

#: A scalar's serializer, and whether the value is a list of them.
Scalar = tuple[Callable[[Any], Any], bool]


class UnsupportedError(Exception):
    """The selection asks for something a plan does not take; graphql-core and the resolvers answer it."""


@dataclass(slots=True)
class LinkPlan:
    """A relationship field: what to read, which of it to keep, how to page it, and what to write of each page."""

    follow: Follow
    args: ListArguments
    ordering: Ordering
    #: The ``where`` test, or None.
    test: TreeFilter | None
    page: PagePlan


@dataclass(slots=True)
class EntityPlan:
    """The fields of one entity type, in answer order: (response key, what, detail)."""

    label: str
    fields: list[tuple[str, str, Any]] = field(default_factory=list)
    props: set[str] = field(default_factory=set)
    links: list[LinkPlan] = field(default_factory=list)


@dataclass(slots=True)
class PagePlan:
    """The fields of a Connection or LinkConnection: (response key, what, detail)."""

    fields: list[tuple[str, str, Any]] = field(default_factory=list)
    #: Every entity plan below, by kind: ``nodes`` and ``edges { node }`` alike.
    entities: dict[str, list[EntityPlan]] = field(default_factory=dict)
    all_props: bool = False  # orderBy reads any property of the related nodes
    #: The relationship properties ``edges`` asks for.
    edge_props: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class ValuePlan:
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
        raise UnsupportedError(f"{named} is not a scalar")
    return named.serialize, listed


#: Per enum type: its ``serialize`` as a lookup (see ``_enum_serializer``).
_ENUMS: weakref.WeakKeyDictionary[GraphQLEnumType, Callable[[Any], Any]] = weakref.WeakKeyDictionary()


def _enum_serializer(enum_type: GraphQLEnumType) -> Callable[[Any], Any]:
    """``enum_type.serialize``, looking up the name of a member of its Python enum instead of searching for it.

    strawberry's enums search their values one by one for a member's (each a property
    read): a referral writes hundreds of codes, levels and kinds. The names are the
    ones ``serialize`` gives; anything but a member is left to it.
    """
    found = _ENUMS.get(enum_type)
    if found is None:
        serialize = enum_type.serialize
        members: type[enum.Enum] | None = getattr(enum_type, "wrapped_cls", None)
        if members is None:
            return serialize
        names = {member: serialize(member) for member in members}

        def found(value: Any) -> Any:
            return names[value] if type(value) is members else serialize(value)

        _ENUMS[enum_type] = found
    return found


def merge_shapes(plans: Sequence[EntityPlan], all_props: bool) -> Shape:
    """The read shape that answers every one of ``plans`` (of one kind)."""
    props: set[str] = set()
    follows: dict[Follow, None] = {}
    for plan in plans:
        props |= plan.props
        follows |= dict.fromkeys(link.follow for link in plan.links)
    return Shape(None if all_props else frozenset(props), tuple(follows))


class Planner:
    """Makes the plans of one request, with its execution context's field collection and variables."""

    def __init__(self, execution: StrawberryGraphQLCoreExecutionContext) -> None:
        self.execution = execution
        self.schema = execution.schema

    def value_plan(self, graphql_type: GraphQLOutputType, field_details_list: Any) -> ValuePlan:
        """How to write a value of ``graphql_type`` whose objects hold their fields as attributes."""
        if is_non_null_type(graphql_type):
            return ValuePlan("nonNull", self.value_plan(graphql_type.of_type, field_details_list))
        if is_list_type(graphql_type):
            return ValuePlan("list", self.value_plan(graphql_type.of_type, field_details_list))
        named = get_named_type(graphql_type)
        if isinstance(named, GraphQLEnumType):
            return ValuePlan("leaf", _enum_serializer(named))
        if isinstance(named, GraphQLScalarType):
            return ValuePlan("leaf", named.serialize)
        kinds = self.schema.get_possible_types(named) if is_abstract_type(named) else [named]
        plans: dict[str, Any] = {}
        for kind in kinds:
            assert isinstance(kind, GraphQLObjectType)
            plans[kind.name] = self._object_plan(kind, field_details_list)
        return ValuePlan("object", plans)

    def _object_plan(self, object_type: GraphQLObjectType, field_details_list: Any) -> EntityPlan | list[Any]:
        if object_type.name in TYPES:
            plan = self.entity_plan(object_type, field_details_list)
            if plan.links:
                raise UnsupportedError("relationship fields below a plain answer")  # each would be a read
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
                raise UnsupportedError(f"{object_type.name}.{name}")
            fields.append((key, made.python_name, self.value_plan(field_def.type, details)))
        return fields

    def _subfields(self, object_type: GraphQLObjectType, field_details_list: Any) -> Any:
        grouped, defers, _ = self.execution.collect_subfields(object_type, field_details_list)
        if defers:
            raise UnsupportedError("@defer")
        return grouped

    def entity_plan(self, object_type: GraphQLObjectType, field_details_list: Any) -> EntityPlan:
        label = object_type.name
        if label not in TYPES:
            raise UnsupportedError(f"{label} is not an entity type")
        plan = EntityPlan(label)
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
                raise UnsupportedError(f"{label}.{name}")
        return plan

    def _arguments(self, object_type: GraphQLObjectType, name: str, details: Any) -> ListArguments:
        """The field's arguments as its resolver gets them: ``where`` and ``orderBy`` as strawberry's input classes."""
        field_def = object_type.fields[name]
        given = get_argument_values(field_def, details[0].node, self.execution.variable_values)
        if given.get("where") is not None or given.get("orderBy") is not None:
            strawberry_schema = self.schema._strawberry_schema  # type: ignore[attr-defined]  # set by strawberry.Schema
            given = convert_arguments(
                given,
                field_def.extensions["strawberry-definition"].arguments,
                scalar_registry=strawberry_schema.schema_converter.scalar_registry,
                config=strawberry_schema.config,
            )
        return ListArguments.of(given)

    def _link(self, object_type: GraphQLObjectType, label: str, name: str, details: Any) -> LinkPlan:
        args = self._arguments(object_type, name, details)
        page_type = get_named_type(object_type.fields[name].type)
        assert isinstance(page_type, GraphQLObjectType)
        page = self.page_plan(page_type, details, args.order_by)
        # The filter is tested on every related entity, of every kind the field reaches, whatever the answer shows.
        targets = targets_of(label, name)
        test = tree_filter(to_predicate(args.where), targets) if args.where is not None else None
        below: list[tuple[str, Shape]] = []
        for kind in dict.fromkeys([*page.entities, *(targets if test is not None else ())]):
            shape = merge_shapes(page.entities.get(kind, []), page.all_props)
            below.append((kind, test.shape(kind, shape.props, shape.follows) if test is not None else shape))
        rel, _ = MODEL.link_fields(label)[name]
        follow = Follow(rel.type, direction_of(label, name), args.as_of, tuple(below), frozenset(page.edge_props))
        return LinkPlan(follow, args, args.ordering(), test, page)

    def page_plan(self, page_type: GraphQLObjectType, field_details_list: Any, order_by: Any) -> PagePlan:
        plan = PagePlan(all_props=bool(order_by))
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
                raise UnsupportedError(f"{page_type.name}.{name}")
        return plan

    def _item_plans(self, item_type: GraphQLOutputType, details: Any, page: PagePlan) -> dict[str, EntityPlan]:
        """A plan per kind the items may be (a union such as Area has several)."""
        named = get_named_type(item_type)
        kinds = self.schema.get_possible_types(named) if is_abstract_type(named) else [named]
        plans = {}
        for kind in kinds:
            assert isinstance(kind, GraphQLObjectType)
            plans[kind.name] = plan = self.entity_plan(kind, details)
            page.entities.setdefault(kind.name, []).append(plan)
        return plans

    def _edge_plan(self, edge_list_type: GraphQLOutputType, details: Any, page: PagePlan) -> list[tuple[str, str, Any]]:
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
