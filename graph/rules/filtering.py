"""Filters over entities as plain data: a small predicate tree and its field tests.

The GraphQL ``where`` inputs become these predicates; the tests on a node's own
fields are pure and live here. Tests over related entities (``Related``) need
the neighbours, which the caller fetches in batches and passes in.

>>> from kimnet.graph.model.kinds import Node
>>> olfen = Node("Municipality", "mun:olfen", {"name": "Olfen", "population": 12900})
>>> test_field(olfen, FieldTest("population", "gte", 10000))
True
>>> test_field(olfen, FieldTest("name", "startsWith", "Ol"))
True
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, TypeAlias

from kimnet.graph.model.kinds import Node, Value

__all__ = ["AllOf", "Anchor", "AnyOf", "FieldTest", "Not", "Op", "Predicate", "Related", "anchor", "test_field"]

Op: TypeAlias = Literal[
    "eq", "ne", "in", "notIn", "contains", "startsWith", "gt", "gte", "lt", "lte", "isNull", "includes", "includesAny", "isEmpty"
]


@dataclass(frozen=True, slots=True)
class FieldTest:
    """Compare a field of the node (``id`` is its stable id) with a value."""

    field: str
    op: Op
    value: object


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Predicate


@dataclass(frozen=True, slots=True)
class Related:
    """Some (or none) of the entities reached over relationship field ``field`` match ``part``."""

    field: str
    quantifier: Literal["some", "none"]
    part: Predicate


Predicate: TypeAlias = FieldTest | AllOf | AnyOf | Not | Related


def _value(node: Node, field: str) -> Value | None:
    return node.id if field == "id" else node.props.get(field)


def _ordered(a: object, b: object) -> tuple[object, object] | None:
    """The two values if they can be compared by size, else None."""
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return a, b
    if (isinstance(a, str) and isinstance(b, str)) or (isinstance(a, dt.date) and isinstance(b, dt.date)):
        return a, b
    return None


def test_field(node: Node, test: FieldTest) -> bool:
    """Tell whether ``node`` passes ``test``. A missing value passes only ``isNull: true``, ``ne`` and ``notIn``."""
    value, target, op = _value(node, test.field), test.value, test.op
    if op == "isNull":
        return (value is None) == bool(target)
    if op == "isEmpty":
        return (not value) == bool(target)
    if value is None:
        return op in ("ne", "notIn")
    if op == "eq":
        return value == target
    if op == "ne":
        return value != target
    if op == "in":
        return value in target  # type: ignore[operator]
    if op == "notIn":
        return value not in target  # type: ignore[operator]
    if op == "contains":
        return isinstance(value, str) and str(target).casefold() in value.casefold()
    if op == "startsWith":
        return isinstance(value, str) and value.casefold().startswith(str(target).casefold())
    if op == "includes":
        return isinstance(value, tuple) and target in value
    if op == "includesAny":
        return isinstance(value, tuple) and bool(set(value) & set(target))  # type: ignore[call-overload]
    pair = _ordered(value, target)
    if pair is None:
        return False
    a, b = pair
    if op == "gt":
        return bool(a > b)  # type: ignore[operator]
    if op == "gte":
        return bool(a >= b)  # type: ignore[operator]
    if op == "lt":
        return bool(a < b)  # type: ignore[operator]
    return bool(a <= b)  # type: ignore[operator]


@dataclass(frozen=True, slots=True)
class Anchor:
    """A chain of ``some`` conditions that ends in named ids: only entities linked to those ids can match.

    ``fields`` are the relationship fields from the filtered entity outwards,
    ``ids`` the stable ids the last one must reach. ``whole``: the chain is the
    entire predicate, so the entities it reaches are exactly the matches.
    """

    fields: tuple[str, ...]
    ids: tuple[str, ...]
    whole: bool = True


def anchor(predicate: Predicate) -> Anchor | None:
    """Find a condition of ``predicate`` that every match must meet and that names ids at its end, if any.

    Following such a chain backwards from the ids finds every entity that can
    match, without looking at the others (a county's organisations among all
    of a state's). The predicate itself must still be checked on them.

    >>> anchor(Related("locatedIn", "some", Related("partOf", "some", FieldTest("id", "eq", "reg:kreis"))))
    Anchor(fields=('locatedIn', 'partOf'), ids=('reg:kreis',), whole=True)
    >>> anchor(AllOf((FieldTest("name", "contains", "VHS"), Related("memberOf", "some", FieldTest("id", "in", ("wg:a", "wg:b"))))))
    Anchor(fields=('memberOf',), ids=('wg:a', 'wg:b'), whole=False)
    >>> anchor(Related("locatedIn", "none", FieldTest("id", "eq", "mun:olfen"))) is None
    True
    """
    # if/isinstance, not a match statement: mutmut 2 cannot parse one (scripts/mutation).
    if isinstance(predicate, FieldTest) and predicate.field == "id":
        value = predicate.value
        if predicate.op == "eq" and isinstance(value, str):
            return Anchor((), (value,))
        if predicate.op == "in" and isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            return Anchor((), tuple(value))
    if isinstance(predicate, Related) and predicate.quantifier == "some":
        inner = anchor(predicate.part)
        return Anchor((predicate.field, *inner.fields), inner.ids, inner.whole) if inner is not None else None
    if isinstance(predicate, AllOf):
        found = [a for a in (anchor(p) for p in predicate.parts) if a is not None]
        # The one that names the fewest ids narrows the most; the other parts remain to check.
        best = min(found, key=lambda a: (len(a.ids), -len(a.fields))) if found else None
        return Anchor(best.fields, best.ids, whole=False) if best is not None else None
    return None
