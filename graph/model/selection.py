"""Selecting a page of records by a query: declared once, applied in Python and generated for the database.

The audit trail and the queue of change proposals are listed by a query whose
fields each select by one condition, in a fixed order, a page at a time (keyset
paging: the query names the position the previous page ended at). A ``Selection``
declares that: which query field tests which record field how, the order, and
which query field holds the position. ``select`` applies it in Python (the
embedded store, and the Neo4j store where it reads by id); the Neo4j store
generates its ``WHERE`` and ``ORDER BY`` from the same declaration
(``graph.stores.neo4j_selection``), so the two cannot select differently.

Record fields are named as the store keeps them beside the graph; ``select`` is
given each record's values under those names.

>>> rows = [{"id": "a", "n": 1, "tags": ("x",)}, {"id": "b", "n": 2, "tags": ("y",)}, {"id": "c", "n": 2, "tags": ()}]
>>> by_n = Selection((Condition("least", "n", "from"), Condition("tag", "tags", "names")), ("n", "id"), False, "after")
>>> class Query:
...     least, tag, after, limit = 2, None, None, 10
>>> [r["id"] for r in select(rows, Query(), by_n, lambda r: r)]
['b', 'c']
>>> Query.after = (2, "b")
>>> [r["id"] for r in select(rows, Query(), by_n, lambda r: r)]
['c']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeAlias, TypeVar

__all__ = ["Condition", "Query", "Selection", "Test", "select"]

#: How a query's value tests a record's field: ``is`` equal; ``names``: the field's list holds
#: the value; ``overlaps``: the field's list and the value's share an item; ``among``: the value's
#: list holds the field; ``from``, ``until``: the field is at or after, at or before the value.
Test: TypeAlias = Literal["is", "names", "overlaps", "among", "from", "until"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Condition:
    """The query's field ``asked``, when given, keeps the records whose ``field`` passes ``test``."""

    asked: str
    field: str
    test: Test


@dataclass(frozen=True, slots=True)
class Selection:
    """What a query selects: every given condition holds; records in ``order`` (by these fields,
    ``descending`` or not), only those past the position in the query's field ``past``."""

    conditions: tuple[Condition, ...]
    order: tuple[str, ...]
    descending: bool
    past: str


_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "is": lambda asked, value: bool(value == asked),
    "names": lambda asked, value: asked in value,
    "overlaps": lambda asked, value: bool(set(asked) & set(value)),
    "among": lambda asked, value: value in asked,
    "from": lambda asked, value: bool(value >= asked),
    "until": lambda asked, value: bool(value <= asked),
}


class Query(Protocol):
    """A query of some selection: its conditions' fields, its position, and how many records at most."""

    @property
    def limit(self) -> int: ...


def select(records: Iterable[T], query: Query, selection: Selection, values: Callable[[T], Mapping[str, Any]]) -> list[T]:
    """The records ``query`` selects as ``selection`` says, in its order, at most ``query.limit`` of them.

    ``values`` gives a record's fields by the names the selection uses.
    """
    given = [
        (_TESTS[c.test], getattr(query, c.asked), c.field) for c in selection.conditions if getattr(query, c.asked) is not None
    ]
    past: tuple[Any, ...] | None = getattr(query, selection.past)
    kept: list[tuple[tuple[Any, ...], T]] = []
    for record in records:
        fields = values(record)
        if not all(test(asked, fields[name]) for test, asked, name in given):
            continue
        position = tuple(fields[name] for name in selection.order)
        if past is None or (position < past if selection.descending else position > past):
            kept.append((position, record))
    kept.sort(key=lambda pair: pair[0], reverse=selection.descending)
    return [record for _, record in kept[: query.limit]]
