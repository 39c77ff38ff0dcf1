"""The hot path of every answer: relationship fields resolved past strawberry's wrapper, a level at a time.

An answer with a few hundred entities resolves their relationship fields
(``providedBy``, ``memberOf``, ...) hundreds of times. Through strawberry each
call builds an ``Info`` and converts all seven arguments (about 50 µs), and as a
coroutine each costs a DataLoader call and turns of the event loop. Two things
make that cheap without changing the schema or any answer:

- ``install`` puts a resolver on each relationship field of the entity types at
  graphql-core level: it takes graphql-core's already-coerced arguments and
  converts only ``where`` and ``orderBy`` (input objects) the strawberry way.
- When a relationship field resolves, it looks at the query below it and
  prefetches the next level for all of its entities in one batched store call,
  then the level below that, and so on. Each result waits on its entity, where
  the nested field's resolver returns it without awaiting anything. Round trips
  stay one per level; a field with a ``where`` filter (which needs its own
  lookups) takes the ordinary path.

Access is checked per operation (``schema.guard``), not per field, so nothing
is bypassed.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import strawberry
from graphql import FieldNode, FragmentSpreadNode, GraphQLObjectType, InlineFragmentNode, SelectionSetNode
from graphql.execution.values import VariableValues, get_argument_values
from strawberry.types.arguments import convert_arguments

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.errors import KimnetError
from kimnet.schema.entities import TYPES, LinkConnection, connection, links, page_of
from kimnet.schema.kinds import direction_of

if TYPE_CHECKING:
    from graphql import GraphQLResolveInfo

    from kimnet.schema.context import Context

__all__ = ["convert_link_arguments", "install", "prefetch", "prefetch_below"]

#: Where an entity keeps the connections prefetched for it, by response key.
PREFETCHED = "_prefetched"

#: The schema ``install`` was given; root fields prefetch below them through it.
_installed: list[_Links] = []


class _Links:
    """What the fast resolvers need of the schema: argument conversion for each relationship field."""

    def __init__(self, schema: strawberry.Schema) -> None:
        self.schema = schema
        self.arguments: dict[tuple[str, str], Any] = {}
        for label, cls in TYPES.items():
            definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
            for field_name in MODEL.link_fields(label):
                self.arguments[(label, field_name)] = definition.get_field(field_name).arguments

    def convert(self, label: str, field_name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        """Turn graphql-core's argument values into strawberry's (input objects as their classes)."""
        if kwargs.get("where") is None and kwargs.get("orderBy") is None:
            return kwargs
        return convert_arguments(
            kwargs,
            self.arguments[(label, field_name)],
            scalar_registry=self.schema.schema_converter.scalar_registry,
            config=self.schema.config,
        )


def install(schema: strawberry.Schema) -> None:
    """Put the fast resolver on every relationship field of every entity type of ``schema``."""
    known = _Links(schema)
    _installed[:] = [known]
    for label in TYPES:
        graphql_type = schema._schema.type_map[label]
        assert isinstance(graphql_type, GraphQLObjectType)
        for field_name in MODEL.link_fields(label):
            graphql_type.fields[field_name].resolve = _resolver(known, label, field_name)


def _resolver(known: _Links, label: str, field_name: str) -> Callable[..., Any]:
    rel, _ = MODEL.link_fields(label)[field_name]
    direction = direction_of(label, field_name)

    async def fetch(root: Any, info: GraphQLResolveInfo[Any], kwargs: dict[str, Any]) -> Any:
        args = known.convert(label, field_name, kwargs)
        context: Context = info.context
        found = await links(
            root,
            context,
            rel.type,
            direction,
            args.get("first"),
            args.get("after"),
            args.get("last"),
            args.get("before"),
            args.get("where"),
            args.get("orderBy"),
            args.get("asOf"),
        )
        await prefetch(known, info, found.nodes, info.field_nodes)
        return found

    def resolve(root: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        ready = root.__dict__.get(PREFETCHED)
        if ready is not None and (found := ready.get(info.path.key)) is not None:
            return found
        return fetch(root, info, kwargs)

    return resolve


def _children(field_nodes: Iterable[FieldNode], fragments: dict[str, Any]) -> list[SelectionSetNode]:
    """The selections that apply to the entities of a connection: under ``nodes`` and under ``edges { node }``."""
    found: list[SelectionSetNode] = []
    for node in field_nodes:
        for field in _fields(node.selection_set, None, fragments):
            if field.name.value == "nodes" and field.selection_set is not None:
                found.append(field.selection_set)
            elif field.name.value == "edges":
                found += [
                    f.selection_set
                    for f in _fields(field.selection_set, None, fragments)
                    if f.name.value == "node" and f.selection_set
                ]
    return found


def _fields(selection_set: SelectionSetNode | None, type_name: str | None, fragments: dict[str, Any]) -> list[FieldNode]:
    """The fields a selection set asks of an object of ``type_name`` (None: of any type), through fragments."""
    found: list[FieldNode] = []
    for selection in selection_set.selections if selection_set is not None else ():
        if isinstance(selection, FieldNode):
            found.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if type_name is None or condition is None or condition.name.value == type_name:
                found += _fields(selection.selection_set, type_name, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None and (type_name is None or fragment.type_condition.name.value == type_name):
                found += _fields(fragment.selection_set, type_name, fragments)
    return found


async def prefetch_below(info: GraphQLResolveInfo[Any], entities: list[Any], *, connection: bool = True) -> None:
    """For a root field: prefetch what the query selects below its ``entities`` (a connection's, or its own)."""
    if _installed:
        await prefetch(_installed[0], info, entities, info.field_nodes, connection=connection)


def convert_link_arguments(label: str, field_name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """graphql-core's argument values of relationship field ``field_name`` of ``label``, as its resolver gets them."""
    return _installed[0].convert(label, field_name, kwargs)


async def prefetch(
    known: _Links,
    info: GraphQLResolveInfo[Any],
    entities: list[Any],
    field_nodes: Iterable[FieldNode],
    *,
    connection: bool = True,
) -> None:
    """Fetch, for ``entities`` and every level below, the relationship fields the query selects, a level per round trip.

    ``field_nodes`` select a connection of the entities, or (``connection=False``) the entities themselves.
    """
    if connection:
        selections = _children(field_nodes, info.fragments)
    else:
        selections = [node.selection_set for node in field_nodes if node.selection_set is not None]
    while entities and selections:
        by_kind: dict[str, list[Any]] = defaultdict(list)
        for obj in entities:
            by_kind[obj._node.kind].append(obj)
        jobs = []
        for label, objs in by_kind.items():
            wanted: dict[str, list[FieldNode]] = defaultdict(list)
            for selection_set in selections:
                for field in _fields(selection_set, label, info.fragments):
                    if field.name.value in MODEL.link_fields(label):
                        wanted[field.alias.value if field.alias else field.name.value].append(field)
            jobs += [_level(known, info, label, objs, key, nodes) for key, nodes in wanted.items()]
        found = await asyncio.gather(*jobs)
        entities = [obj for made, _ in found for obj in made]
        selections = [s for _, nodes in found for s in _children(nodes, info.fragments)]


async def _level(
    known: _Links, info: GraphQLResolveInfo[Any], label: str, objs: list[Any], key: str, field_nodes: list[FieldNode]
) -> tuple[list[Any], list[FieldNode]]:
    """Prefetch one relationship field (response ``key``) for ``objs``; return the entities made and the field's nodes."""
    field_name = field_nodes[0].name.value
    graphql_type = info.schema.type_map[label]
    assert isinstance(graphql_type, GraphQLObjectType)
    field_def = graphql_type.fields[field_name]
    # Strawberry hands resolvers the coerced variables as a plain dict; graphql-core wants its container back.
    variables = VariableValues({}, info.variable_values)  # type: ignore[arg-type]
    args = known.convert(label, field_name, get_argument_values(field_def, field_nodes[0], variables))
    if args.get("where") is not None:
        return [], []  # the ordinary path filters through its own lookups
    rel, _ = MODEL.link_fields(label)[field_name]
    direction = direction_of(label, field_name)
    context: Context = info.context
    keys = [(rel.type, direction, args.get("asOf") or obj._day, obj._node.id) for obj in objs]
    lists = await context.loaders.neighbours.load_many(keys)
    made: list[Any] = []
    for obj, (_, _, day, _), found in zip(objs, keys, lists, strict=True):
        try:
            page = page_of(
                list(found), args.get("orderBy"), args.get("first"), args.get("after"), args.get("last"), args.get("before")
            )
        except KimnetError:
            continue  # the field's own resolver raises it, on its own path
        result = connection(LinkConnection, page, day)
        obj.__dict__.setdefault(PREFETCHED, {})[key] = result
        made += result.nodes
    return made, field_nodes
