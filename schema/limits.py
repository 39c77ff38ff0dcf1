"""Limits on what one GraphQL request may ask for, checked before it runs.

The defaults follow graphql-armor's spirit (depth, aliases, tokens, cost),
sized so that every question in the README fits with room to spare:

- ``max_depth``: nesting of fields (introspection fields do not count; the
  schema bounds them).
- ``max_aliases``: aliased fields in the whole document, fragments expanded.
- ``max_tokens``: tokens of the query text; the parser stops at the limit.
- ``max_cost``: each field costs 1, and a connection multiplies what is
  below it by its page size: ``first``/``last``, or when neither is given,
  ``max_page_size`` for a list at the root and ``assumed_page_size`` for a
  relationship (an organisation has a handful of offers, not hundreds);
  ``nodes(ids:)`` by the number of ids. So the cost grows with connection
  sizes multiplied down the depth.
  A root question also costs the work it does before it answers
  (``ROOT_WORK``: what it reads and computes, in the same units), and a
  root question that answers a list without pages multiplies what is below
  it by how many items it may return (``_root_items``: ``top`` brokers,
  ``first`` duplicates, a neighbourhood's entities by its depth, gaps by the
  municipalities asked). So fifteen aliases of a whole-state question are
  refused where fifteen lookups are not; ``docs/api.md`` gives each root
  question's cost.
- ``max_page_size``: ``first``/``last`` of any connection.
- ``max_string_length``, ``max_list_length``, ``max_input_depth``: every
  argument value, literal or variable.

Fragments are measured once each, so a fragment bomb (fragments that spread
the next one many times) is measured in linear time and refused by its
exponential cost, never expanded. Messages say the limit, the value found and
the setting that changes it; they never repeat input values.

Most of the check depends on the document alone: ``check_limits`` returns a
``Checked`` that repeats for another request with the same document, schema
and limits only what its variables decide (their lengths and depth, and the
cost when a variable gives a page size or the ids).

>>> from graphql import parse
>>> measure(parse("{ a { b } c }"), None, {}, Limits())
Measure(depth=2, aliases=0, cost=3)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    get_named_type,
)

from kimnet.graph.model.errors import LimitError
from kimnet.graph.read.neighbourhood import MAX_DEPTH as NEIGHBOURHOOD_DEPTH
from kimnet.graph.read.neighbourhood import MAX_ENTITIES as NEIGHBOURHOOD_ENTITIES

__all__ = [
    "ROOT_WORK",
    "Checked",
    "Limits",
    "Measure",
    "check_inputs",
    "check_limits",
    "check_literals",
    "check_variables",
    "measure",
]


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may ask for; each has a ``KIMNET_*`` setting (see the README)."""

    max_depth: int = 12
    max_aliases: int = 15
    max_tokens: int = 1000
    max_cost: int = 250_000
    max_page_size: int = 500
    assumed_page_size: int = 20
    max_string_length: int = 10_000
    max_list_length: int = 500
    max_input_depth: int = 20


@dataclass(frozen=True, slots=True)
class Measure:
    """How deep a selection goes, how many aliases it has and what it costs."""

    depth: int
    aliases: int
    cost: int

    def beside(self, other: Measure) -> Measure:
        return Measure(max(self.depth, other.depth), self.aliases + other.aliases, self.cost + other.cost)


_NOTHING = Measure(0, 0, 0)

#: What each root question's own work costs, whatever it selects: the state-wide questions most
#: (betweenness, duplicates, gaps of every municipality), lookups in one municipality least.
ROOT_WORK = {
    "brokers": 20_000,
    "duplicates": 20_000,
    "impactOfLeaving": 10_000,
    "coverageChanges": 10_000,
    "coverageGaps": 5_000,
    "missingTies": 5_000,
    "neighbourhood": 1_000,
    "cooperationPath": 1_000,
    "referral": 500,
    "coverage": 200,
    "responsibilities": 100,
}

#: Root questions whose answer is a list without pages: their items multiply what is below them.
_LISTS = frozenset({"brokers", "coverageGaps", "coverageChanges", "missingTies", "neighbourhood", "cooperationPath"})


class _Walk:
    """One measurement: the document's fragments, the request's variables, memoised fragments."""

    def __init__(
        self, document: DocumentNode, schema: GraphQLSchema | None, variables: Mapping[str, Any], limits: Limits
    ) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.schema = schema
        self.variables = variables
        self.limits = limits
        self.memo: dict[str, Measure] = {}
        self.open: set[str] = set()
        #: Whether a page size or ids came from a variable, so that the cost depends on the request's values.
        self.sized_by_variables = False

    def type_named(self, name: str) -> GraphQLNamedType | None:
        return self.schema.get_type(name) if self.schema is not None else None

    def selection(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None) -> Measure:
        total = _NOTHING
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                total = total.beside(self.field(node, parent))
            elif isinstance(node, InlineFragmentNode):
                condition = self.type_named(node.type_condition.name.value) if node.type_condition else parent
                total = total.beside(self.selection(node.selection_set, condition))
            elif isinstance(node, FragmentSpreadNode):
                total = total.beside(self.fragment(node.name.value))
        return total

    def fragment(self, name: str) -> Measure:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.open:
            return _NOTHING  # unknown or cyclic: validation reports it
        self.open.add(name)
        found = self.selection(definition.selection_set, self.type_named(definition.type_condition.name.value))
        self.open.discard(name)
        self.memo[name] = found
        return found

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        fields = getattr(parent, "fields", None) or {}
        definition = fields.get(node.name.value)
        child_type = get_named_type(definition.type) if definition is not None else None
        below = self.selection(node.selection_set, child_type)
        aliases = below.aliases + (1 if node.alias else 0)
        root = self.schema is not None and parent is not None and parent in (self.schema.query_type, self.schema.mutation_type)
        size = self.size(node, definition.args if definition is not None else {}, root)
        if node.name.value.startswith("__"):
            return Measure(0, aliases, 1 + below.cost)  # introspection: bounded by the schema, not by depth
        work = 0
        if self.schema is not None and parent is self.schema.query_type:
            work = ROOT_WORK.get(node.name.value, 0)
            if node.name.value in _LISTS:
                size = self._root_items(node)
        return Measure(1 + below.depth, aliases, 1 + work + size * below.cost)

    def _root_items(self, node: FieldNode) -> int:
        """How many items a root question without pages may answer with."""
        given = {a.name.value: a.value for a in node.arguments or ()}
        name = node.name.value
        if name == "brokers":
            top = self.value(given["top"]) if "top" in given else 10
            return top if isinstance(top, int) and top > 0 else 10
        if name == "neighbourhood":
            depth = self.value(given["depth"]) if "depth" in given else 1
            # Capped before the power: a hostile depth must not make the measuring itself costly.
            steps = min(depth, NEIGHBOURHOOD_DEPTH) if isinstance(depth, int) and depth >= 0 else 1
            items: int = self.limits.assumed_page_size**steps
            return min(items, NEIGHBOURHOOD_ENTITIES)
        if name in ("coverageGaps", "coverageChanges"):
            places = self.value(given["municipalities"]) if "municipalities" in given else None
            if isinstance(places, list):
                return max(1, len(places)) * self.limits.assumed_page_size
            return self.limits.max_page_size
        return self.limits.assumed_page_size

    def size(self, node: FieldNode, args: Mapping[str, Any], root: bool) -> int:
        """How many items this field multiplies what is below it by."""
        nodes = {a.name.value: a.value for a in node.arguments or ()}
        # Only these three are read, so that ``sized_by_variables`` says whether the cost can change with the variables.
        given = {name: self.value(nodes[name]) for name in ("first", "last", "ids") if name in nodes}
        if "first" in args or "last" in args:
            sizes = [v for k in ("first", "last") if isinstance(v := given.get(k), int)]
            for name in ("first", "last"):
                value = given.get(name)
                if isinstance(value, int) and value > self.limits.max_page_size:
                    raise LimitError(
                        f"{name} must be between 0 and {self.limits.max_page_size}, not {value} (KIMNET_MAX_PAGE_SIZE)"
                    )
            if sizes:
                return max(sizes)
            return self.limits.max_page_size if root else self.limits.assumed_page_size
        ids = given.get("ids")
        return max(1, len(ids)) if isinstance(ids, list) else 1

    def value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            self.sized_by_variables = True
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            try:
                return int(node.value)
            except ValueError:
                return None
        if isinstance(node, ListValueNode):
            return list(node.values)
        return None


def measure(document: DocumentNode, schema: GraphQLSchema | None, variables: Mapping[str, Any], limits: Limits) -> Measure:
    """Measure every operation of ``document``: the deepest, and aliases and cost summed.

    Raises:
        LimitError: a ``first``/``last`` above ``max_page_size``.
    """
    return _measure(_Walk(document, schema, variables, limits), document)


def _measure(walk: _Walk, document: DocumentNode) -> Measure:
    total = _NOTHING
    schema = walk.schema
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = None
            if schema is not None:
                root = {"query": schema.query_type, "mutation": schema.mutation_type}.get(definition.operation.value)
            total = total.beside(walk.selection(definition.selection_set, root))
    return total


def check_inputs(document: DocumentNode, variables: Mapping[str, Any], limits: Limits) -> None:
    """Refuse argument values that are too long, too many or nested too deep: the variables, then the literals.

    Raises:
        LimitError: the message names the limit and its setting, never the value.
    """
    check_variables(variables, limits)
    check_literals(document, limits)


def _too_long(length: int, limits: Limits) -> LimitError:
    return LimitError(
        f"a text argument has {length} characters; at most {limits.max_string_length} are allowed (KIMNET_MAX_STRING_LENGTH)"
    )


def _too_many(length: int, limits: Limits) -> LimitError:
    return LimitError(
        f"a list argument has {length} entries; at most {limits.max_list_length} are allowed (KIMNET_MAX_LIST_LENGTH)"
    )


def _too_deep(limits: Limits) -> LimitError:
    return LimitError(f"an argument is nested more than {limits.max_input_depth} levels deep (KIMNET_MAX_INPUT_DEPTH)")


def check_variables(variables: Mapping[str, Any], limits: Limits) -> None:
    """Refuse variable values that are too long, too many or nested too deep.

    Raises:
        LimitError: the message names the limit and its setting, never the value.
    """
    # Iterative, so that hostile nesting cannot exhaust the Python stack.
    stack: list[tuple[Any, int]] = [(v, 1) for v in variables.values()]
    while stack:
        value, depth = stack.pop()
        if depth > limits.max_input_depth:
            raise _too_deep(limits)
        if isinstance(value, str) and len(value) > limits.max_string_length:
            raise _too_long(len(value), limits)
        if isinstance(value, list):
            if len(value) > limits.max_list_length:
                raise _too_many(len(value), limits)
            stack += [(v, depth + 1) for v in value]
        elif isinstance(value, dict):
            stack += [(v, depth + 1) for v in value.values()]


def check_literals(document: DocumentNode, limits: Limits) -> None:
    """Refuse literal arguments in ``document`` that are too long, too many or nested too deep.

    Raises:
        LimitError: the message names the limit and its setting, never the value.
    """
    # Levels are counted as check_variables counts them, so that one value is refused or not
    # whether it is written in the document or passed as a variable: the argument's value is at
    # level 1 and every value inside a list or object, a scalar too, one level deeper.
    nodes: list[tuple[Any, int]] = [(document, 1)]
    while nodes:
        node, depth = nodes.pop()
        if isinstance(node, ValueNode) and depth > limits.max_input_depth:
            raise _too_deep(limits)
        if isinstance(node, StringValueNode) and len(node.value) > limits.max_string_length:
            raise _too_long(len(node.value), limits)
        if isinstance(node, ListValueNode | ObjectValueNode):
            if isinstance(node, ListValueNode) and len(node.values) > limits.max_list_length:
                raise _too_many(len(node.values), limits)
            nodes += [(v, depth + 1) for v in node.values] if isinstance(node, ListValueNode) else []
            nodes += [(f.value, depth + 1) for f in node.fields] if isinstance(node, ObjectValueNode) else []
            continue
        for key in getattr(node, "keys", ()):
            if key == "loc":
                continue
            child = getattr(node, key, None)
            if isinstance(child, tuple | list):
                nodes += [(c, depth) for c in child if hasattr(c, "keys")]
            elif hasattr(child, "keys") and not isinstance(child, dict):
                nodes.append((child, depth))


def check_limits(document: DocumentNode, schema: GraphQLSchema | None, variables: Mapping[str, Any], limits: Limits) -> Checked:
    """Refuse a request over any limit, before it is validated or run.

    Returns what a later request with the same document, schema and limits still
    has to check (``Checked.recheck``).

    Raises:
        LimitError: the message says which limit, what was found and the setting.
    """
    check_inputs(document, variables, limits)
    walk = _Walk(document, schema, variables, limits)
    _check_measure(_measure(walk, document), limits)
    return Checked(document, schema, limits, walk.sized_by_variables)


@dataclass(frozen=True, slots=True, eq=False)
class Checked:
    """A document that passed ``check_limits``: what it and the limits decide is settled, its variables are not."""

    document: DocumentNode
    schema: GraphQLSchema | None
    limits: Limits
    #: Whether a page size or the ids come from a variable: then the cost is measured again.
    sized_by_variables: bool

    def recheck(self, variables: Mapping[str, Any]) -> None:
        """``check_limits`` for another request with this document: the same answer, without walking it again.

        The literals and, unless a variable sizes a connection, the depth, aliases
        and cost depend on the document alone; they passed when this was made.

        Raises:
            LimitError: as ``check_limits`` would for these variables.
        """
        check_variables(variables, self.limits)
        if self.sized_by_variables:
            _check_measure(measure(self.document, self.schema, variables, self.limits), self.limits)


def _check_measure(found: Measure, limits: Limits) -> None:
    if found.depth > limits.max_depth:
        raise LimitError(f"the query is {found.depth} levels deep; at most {limits.max_depth} are allowed (KIMNET_MAX_DEPTH)")
    if found.aliases > limits.max_aliases:
        raise LimitError(f"the query has {found.aliases} aliases; at most {limits.max_aliases} are allowed (KIMNET_MAX_ALIASES)")
    if found.cost > limits.max_cost:
        cost = f"{found.cost:,}" if found.cost < 10**15 else "more than 10^15"
        raise LimitError(
            f"the query would cost {cost} (each field 1, times the page size of every connection above it); "
            f"at most {limits.max_cost:,} is allowed (KIMNET_MAX_COST): ask for smaller pages with first or last, "
            "or nest fewer lists"
        )
