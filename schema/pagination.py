"""Relay connections with keyset cursors: stable under inserts and deletes.

A cursor encodes the sort key of the item it points at (the ``orderBy`` values
and the stable id), not a position. ``after: c`` means "items whose key sorts
after c's key", so inserting or deleting other items never shifts a page.

>>> items = ["d", "b", "a", "c"]
>>> page = paginate(items, lambda s: (s,), first=2)
>>> page.items, page.has_next
(['a', 'b'], True)
>>> paginate(items + ["bb"], lambda s: (s,), first=2, after=page.end_cursor).items
['bb', 'c']
>>> paginate(items, lambda s: (s,), [True], last=1, before=encode_cursor(("b",))).items
['c']
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import itertools
import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from kimnet.graph.model.errors import CursorError

__all__ = ["MAX_PAGE", "Page", "SortKey", "decode_cursor", "encode_cursor", "paginate", "sort_key"]

T = TypeVar("T")

#: The largest page a client may ask for.
MAX_PAGE = 500

SortKey = tuple[Any, ...]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"d"}:
        return dt.date.fromisoformat(value["d"])
    if isinstance(value, list):
        return tuple(_typed(v) for v in value)
    return value


def encode_cursor(key: SortKey, ordering: str = "") -> str:
    """Return the opaque cursor for an item with sort key ``key`` in the order named ``ordering``."""
    payload = [ordering, *(_plain(v) for v in key)]
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()).decode()


def decode_cursor(cursor: str, ordering: str = "") -> SortKey:
    """Return the sort key in ``cursor``; raise CursorError for anything else.

    A cursor handed out for one ordering is refused for another: its position
    would mean nothing there.
    """
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor.encode()), parse_constant=_no_constants)
        if not isinstance(raw, list) or not raw or not isinstance(raw[0], str):
            raise ValueError
    except (ValueError, binascii.Error, UnicodeError, TypeError, KeyError):
        raise CursorError(f"{cursor[:60]!r} is not a cursor of this API; use a cursor from pageInfo or edges") from None
    if raw[0] != ordering:
        raise CursorError("the cursor belongs to another ordering; start again without after/before")
    try:
        return tuple(_typed(v) for v in raw[1:])
    except (ValueError, TypeError, KeyError):
        raise CursorError(f"{cursor[:60]!r} is not a cursor of this API; use a cursor from pageInfo or edges") from None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a cursor")


def sort_key(values: Sequence[Any], descending: Sequence[bool]) -> SortKey:
    """Make a sort key that orders missing values last and honours DESC per position.

    Each position becomes (is-missing, value) so that None never meets a value in a
    comparison; DESC positions are wrapped so that they compare in reverse.
    """
    return tuple((v is None, _Reverse(v) if desc and v is not None else v) for v, desc in zip(values, descending, strict=True))


class _Reverse:
    """Wraps a value so that it sorts in reverse; equal values stay equal."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Reverse) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reverse) and bool(self.value == other.value)

    def __hash__(self) -> int:
        return hash(self.value)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of items, with the cursors of its ends and whether more exist.

    Cursors are made when asked for: most answers select ``nodes`` and never need them.
    """

    items: list[T]
    #: The sort values of each item (what its cursor encodes), and the ordering's name.
    values: list[tuple[Any, ...]]
    ordering: str
    has_next: bool
    has_previous: bool
    total: int

    @property
    def cursors(self) -> list[str]:
        return [encode_cursor(v, self.ordering) for v in self.values]

    @property
    def start_cursor(self) -> str | None:
        return encode_cursor(self.values[0], self.ordering) if self.values else None

    @property
    def end_cursor(self) -> str | None:
        return encode_cursor(self.values[-1], self.ordering) if self.values else None


def paginate(
    items: Sequence[T],
    values: Callable[[T], tuple[Any, ...]],
    descending: Sequence[bool] | None = None,
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    ordering: str = "",
) -> Page[T]:
    """Sort ``items`` and cut a page from them as Relay specifies.

    ``values(item)`` gives the item's sort values, ending with its unique id so
    that the order is total; ``descending`` says which positions sort DESC (none
    by default); ``ordering`` names the order (cursors of another are refused).
    Cursors carry these values.

    Raises:
        CursorError: a bad cursor, or ``first``/``last`` below 0 or above MAX_PAGE.
    """
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE:
            raise CursorError(f"{name} must be between 0 and {MAX_PAGE}, not {size}")
    raw = [values(item) for item in items]
    desc = tuple(descending) if descending is not None else (False,) * (len(raw[0]) if raw else 0)

    def key(item_values: tuple[Any, ...]) -> SortKey:
        if len(item_values) != len(desc):
            raise CursorError("the cursor belongs to another ordering; start again without after/before")
        return sort_key(item_values, desc)

    keyed: list[Any]
    if ordering == "" and desc == (False,) and all(map((1).__eq__, map(len, raw))):
        # By id alone: ids are never missing, so they compare as they are (the values are the keys).
        def plain(item_values: tuple[Any, ...]) -> Any:
            if len(item_values) != 1:
                raise CursorError("the cursor belongs to another ordering; start again without after/before")
            return tuple(item_values)

        key = plain
        keyed = raw
    else:
        keyed = [key(r) for r in raw]
    # Each item before the next (the stores' order, mostly): compared in C, pairwise (hundreds of lists per answer).
    if all(map(operator.lt, keyed, itertools.islice(keyed, 1, None))):
        if first is None and last is None and after is None and before is None:
            return Page(list(items), raw, ordering, False, False, len(items))  # all of it, in the order given
        order = list(range(len(items)))  # stores hand neighbours over sorted by id already
    else:
        order = sorted(range(len(items)), key=keyed.__getitem__)
    start, end = 0, len(order)
    if after is not None:
        bound = key(decode_cursor(after, ordering))
        start = next((n for n, i in enumerate(order) if _compare(keyed[i], bound) > 0), len(order))
    if before is not None:
        bound = key(decode_cursor(before, ordering))
        end = next((n for n, i in enumerate(order) if _compare(keyed[i], bound) >= 0), len(order))
    end = max(start, end)
    window = order[start:end]
    has_next = end < len(order)
    has_previous = start > 0
    if first is not None:
        has_next = has_next or len(window) > first
        window = window[:first]
    if last is not None:
        has_previous = has_previous or len(window) > last
        window = window[len(window) - last :] if last else []
    return Page([items[i] for i in window], [raw[i] for i in window], ordering, has_next, has_previous, len(items))


def _compare(a: SortKey, b: SortKey) -> int:
    try:
        return (a > b) - (a < b)
    except TypeError:
        raise CursorError("the cursor belongs to another ordering; start again without after/before") from None
