"""Answers written from plans (``schema.plans``): the dicts graphql-core would complete, field by field, made directly.

Each entity is written from its node and what a tree read reached below it
(``graph.stores.trees.Reached``); each scalar with its type's own ``serialize``;
relationship fields with the ``where`` test, order, paging and day of
``schema.list_arguments`` and ``schema.tree_filters``, as the fallback resolver
applies them. Plain answers (a referral, the coverage) are written from their
objects' attributes.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from graphql import FieldNode, GraphQLOutputType, VariableNode, Visitor, visit
from strawberry.relay import to_base64

from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.stores.trees import Reached
from kimnet.schema.pagination import Page
from kimnet.schema.plans import EntityPlan, LinkPlan, PagePlan, Planner, UnsupportedError, ValuePlan

if TYPE_CHECKING:
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = ["Writers", "shared", "value_writer", "write_entity", "write_page", "write_value"]


def write_page(
    plan: PagePlan, page: Page[Any], items: Sequence[tuple[Edge | None, Reached]], day: dt.date | None
) -> dict[str, Any]:
    """A Connection or LinkConnection of ``page``, whose ``items`` are its (edge, reached entity) pairs."""
    out: dict[str, Any] = {}
    for key, what, detail in plan.fields:
        if what == "nodes":
            out[key] = [write_entity(detail[r.node.kind], r, r.node, day) for _, r in items]
        elif what == "edges":
            out[key] = [
                _write_edge(detail, edge, reached, cursor, day)
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
    fields: list[tuple[str, str, Any]], edge: Edge | None, reached: Reached, cursor: str, day: dt.date | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, what, detail in fields:
        if what == "node":
            out[key] = write_entity(detail[reached.node.kind], reached, reached.node, day)
        elif what == "cursor":
            out[key] = cursor
        elif what == "edgeProp":
            name, (serialize, _) = detail
            value = edge.props.get(name) if edge is not None else None
            out[key] = None if value is None else serialize(value)
        else:
            out[key] = detail
    return out


def write_entity(plan: EntityPlan, reached: Reached | None, node: Node, day: dt.date | None) -> dict[str, Any]:
    """An entity read for ``day``, with what ``reached`` holds below it (None: a plan without relationship fields)."""
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
            assert reached is not None
            out[key] = _write_link(detail, reached, day)
        elif what == "key":
            out[key] = node.id
        elif what == "id":
            out[key] = to_base64(detail, node.id)
        elif what == "version":
            out[key] = node.version
        else:
            out[key] = detail
    return out


def _reached_node(pair: tuple[Edge, Reached]) -> Node:
    return pair[1].node


def _write_link(link: LinkPlan, reached: Reached, day: dt.date | None) -> dict[str, Any]:
    on = link.args.day(day)
    pairs = reached.links.get(link.follow, [])  # nothing for a node deleted since its list was read
    if link.test is not None:
        holds = link.test.holds
        pairs = [pair for pair in pairs if holds(pair[1])]
    page = link.args.page(pairs, _reached_node, link.ordering)
    return write_page(link.page, page, page.items, on)


def write_value(plan: ValuePlan, value: Any) -> Any:
    """A plain answer (objects whose fields are attributes, entities among them) as ``plan`` says.

    Raises:
        UnsupportedError: a null where the schema promises a value, or an object of a kind the plan
            does not know: graphql-core completes the answer and reports what it finds.
    """
    return value_writer(plan)(value)


def value_writer(plan: ValuePlan, nullable: bool = True) -> Callable[[Any], Any]:
    """``write_value`` of ``plan`` as one function, made once per answer.

    A referral's answer is thousands of values: looking at the plan for each one
    (what it is, its detail, a call per nonNull and list wrapper) cost more than
    writing them. Each value is written by one function made for its place in the
    plan, which also checks it for a null where the schema promises a value.
    """
    what, detail = plan.what, plan.detail
    if what == "nonNull":
        return value_writer(detail, nullable=False)
    if what == "leaf":
        serialize: Callable[[Any], Any] = detail
        if nullable:
            return lambda value: None if value is None else serialize(value)

        def leaf(value: Any) -> Any:
            if value is None:
                raise _null()
            return serialize(value)

        return leaf
    if what == "list":
        item = value_writer(detail)

        def many(value: Any) -> Any:
            if value is None:
                if nullable:
                    return None
                raise _null()
            return [item(v) for v in value]

        return many
    return _object_writer(detail, nullable)


#: Where an object that answers share keeps the writer that last wrote it and what it wrote (``shared``).
_WRITTEN = "_kimnet_written"

#: What ``_WRITTEN`` holds in an object not yet written, and stands for "not shared" when absent.
_UNWRITTEN: tuple[object, object] = (None, None)

T = TypeVar("T")


def shared(value: T) -> T:
    """``value``, an object of answers that many answers share, marked to be written once per writer.

    A referral names the same few hundred exclusions and offers for everyone who
    asks in one place (``schema.referral`` keeps them with the place): the
    object keeps what the writer that last wrote it wrote, and that writer gives
    it again. One writer, not one per writer: clients send the same few
    documents, and a dict per object cost as much memory as the objects. So
    neither the object nor anything below it may change once it is shared.
    """
    value.__dict__[_WRITTEN] = _UNWRITTEN
    return value


def _null() -> UnsupportedError:
    return UnsupportedError("null where the schema promises a value")  # graphql-core's error to report


def _object_writer(plans: dict[str, EntityPlan | list[tuple[str, str | None, Any]]], nullable: bool) -> Callable[[Any], Any]:
    """The writer of an object that may be of each kind in ``plans``: an entity from its node, else field by field."""
    entities = {kind: plan for kind, plan in plans.items() if isinstance(plan, EntityPlan)}
    # Per field: its key, and the attribute with its writer, or None with the constant (``__typename``).
    fields = {
        kind: [(key, attribute, value_writer(sub) if attribute is not None else sub) for key, attribute, sub in plan]
        for kind, plan in plans.items()
        if not isinstance(plan, EntityPlan)
    }
    by_class: dict[type, Any] = {}  # the fields of each class met: its kind is a lookup of the strawberry type

    def write(value: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise _null()
        kept = value.__dict__.get(_WRITTEN)
        if kept is None:
            return write_once(value)
        if kept[0] is write:
            return kept[1]
        found = write_once(value)
        value.__dict__[_WRITTEN] = (write, found)
        return found

    def write_once(value: Any) -> Any:
        node = value.__dict__.get("_node")
        if node is None:
            written = by_class.get(type(value))
            if written is None:
                kind = type(value).__strawberry_definition__.name
                if kind not in fields:
                    raise UnsupportedError(f"a {kind} where the schema expects {sorted(plans)}")
                written = by_class[type(value)] = fields[kind]
            # A loop, not a dict comprehension: a referral writes ~500 objects of two to four fields, and
            # the comprehension's own call cost more than its faster stores saved (7 % of the writing).
            out: dict[str, Any] = {}
            for key, attribute, made in written:
                out[key] = made(getattr(value, attribute)) if attribute is not None else made
            return out
        entity = entities.get(node.kind)
        if entity is None:
            raise UnsupportedError(f"a {node.kind} where the schema expects {sorted(plans)}")
        return write_entity(entity, None, node, value._day)  # the planner leaves relationship fields here to graphql-core

    return write


class Writers:
    """The writers of plain root answers (``value_writer`` of ``Planner.value_plan``), kept per selection.

    A referral's plan and writers took a tenth of its CPU, made anew for every
    request although clients send the same few documents, which ``schema.guard``'s
    ``Documents`` keep parsed: a request that reuses a document hands the plan the
    same field nodes. A plan is what graphql-core's field collection makes of those
    nodes, the document's fragments (in the same document) and the values of the
    variables that its ``@skip``/``@include``/``@defer`` read; no field of a plain
    answer takes arguments (``Planner`` leaves those to graphql-core). So a writer
    is kept under the return type, the ids of the field nodes (the entry keeps the
    nodes, so their ids are not reused while it is kept), and the values of every
    variable named anywhere below them or in a fragment.

    Bounded: at most ``size`` selections, the least recently used going first, and
    at most ``variants`` sets of variable values per selection.
    """

    def __init__(self, size: int = 256, variants: int = 16) -> None:
        self.size, self.variants = size, variants
        self._kept: OrderedDict[tuple[GraphQLOutputType, tuple[int, ...]], _Selection] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def writer(
        self, execution: StrawberryGraphQLCoreExecutionContext, graphql_type: GraphQLOutputType, field_details_list: Any
    ) -> Callable[[Any], Any]:
        """The writer of answers of ``graphql_type`` to this selection, made once per selection and variable values.

        Raises:
            UnsupportedError: the plan does not take the selection (nothing is kept: it is tried again next time).
        """
        nodes = tuple(details.node for details in field_details_list)
        key = (graphql_type, tuple(map(id, nodes)))
        selection = self._kept.get(key)
        if selection is None:
            selection = _Selection(nodes, _variables_below(nodes, execution.fragments))
            self._kept[key] = selection
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(key)
        given = execution.variable_values.coerced
        values = tuple(given.get(name, _MISSING) for name in selection.variables)
        try:
            found = selection.writers.get(values)
        except TypeError:  # a value that cannot be a key (a list): made for this request only
            return value_writer(Planner(execution).value_plan(graphql_type, field_details_list))
        if found is None:
            found = value_writer(Planner(execution).value_plan(graphql_type, field_details_list))
            if len(selection.writers) >= self.variants:
                selection.writers.clear()
            selection.writers[values] = found
        return found


#: A variable the request does not give (and has no default): not the same as one given as null.
_MISSING = object()


@dataclass(slots=True)
class _Selection:
    """A root field's selection: its field nodes (kept alive: their ids are the key), the variables named below them,
    and a writer per set of their values."""

    nodes: tuple[FieldNode, ...]
    variables: tuple[str, ...]
    writers: dict[tuple[Any, ...], Callable[[Any], Any]] = field(default_factory=dict)


class _VariableNames(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, None] = {}

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        self.names[node.name.value] = None


def _variables_below(nodes: Sequence[FieldNode], fragments: Mapping[str, Any]) -> tuple[str, ...]:
    """The variables named in the selections below ``nodes`` and in every fragment: all that collecting their fields
    may read (more than the directives' is harmless: a variable that changes nothing only keeps one more writer)."""
    found = _VariableNames()
    for node in nodes:
        if node.selection_set is not None:
            visit(node.selection_set, found)
    for details in fragments.values():
        visit(details.definition, found)
    return tuple(found.names)
