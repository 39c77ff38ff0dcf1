"""An ordered, read-only map whose next version shares every part it does not change.

A generation's read index (``graph.read.index``) holds maps of 60,000 to 74,000
entries at state scale: the nodes by id and by kind, the offers, each day's
catalogue. A followed write (``graph.read.index_update``) changes a handful of
their entries, and the requests in flight keep reading the generation before,
so the write made new maps: copying them took 4.3 ms of CPU in every process for
every write, and letting go of the old ones another millisecond, while the
requests waited for the GIL (a write's whole cost, embedded: about 8 ms).

``Chunked`` keeps its values in chunks of ``CHUNK`` and each key's place in a
dict that versions with the same keys share. ``replaced`` makes a version with
some values changed from copies of the chunks they are in, and shares the rest.
A version with other keys is made anew, in the same time as a dict's copy; adding
and removing are rare (an offer renamed, moved or ended is a change of values).

>>> first = Chunked({"svc:a": 1, "svc:b": 2, "svc:c": 3})
>>> second = first.replaced({"svc:b": 20})
>>> list(second.items()), first["svc:b"]
([('svc:a', 1), ('svc:b', 20), ('svc:c', 3)], 2)
>>> second == {"svc:a": 1, "svc:b": 20, "svc:c": 3}
True
>>> first.replaced({"svc:x": 9})
Traceback (most recent call last):
...
KeyError: 'svc:x'
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import ItemsView, Iterable, Iterator, Mapping, ValuesView
from typing import Any, TypeVar, overload

__all__ = ["CHUNK", "Chunked"]

K = TypeVar("K")
V = TypeVar("V")
D = TypeVar("D")

#: Values per chunk: a change copies one chunk (a few microseconds) and the list of chunks (a state's offers: 118).
SHIFT = 9
CHUNK = 1 << SHIFT
_MASK = CHUNK - 1


class Chunked(Mapping[K, V]):
    """A map in the order it was made in; ``replaced`` gives a new version with some values changed.

    Lookups cost one dict lookup and two list indexings; iterating keys, values
    or items runs at a dict's speed. Never changed in place: versions are shared.
    """

    __slots__ = ("_at", "_chunks")

    def __init__(self, items: Mapping[K, V] | None = None) -> None:
        found: Mapping[K, V] = items if items is not None else {}
        self._at: dict[K, int] = dict(zip(found, _places(len(found)), strict=True))
        self._chunks: list[list[V]] = _chunks_of(list(found.values()))

    def beside(self, values: Iterable[D]) -> Chunked[K, D]:
        """A map of this one's keys, in its order, to ``values`` (one per key, in that order); the keys are shared.

        Raises:
            ValueError: not one value per key.
        """
        found = list(values)
        if len(found) != len(self._at):
            raise ValueError(f"{len(found)} values for {len(self._at)} keys")
        made: Chunked[K, D] = Chunked.__new__(Chunked)
        made._at, made._chunks = self._at, _chunks_of(found)
        return made

    def replaced(self, changes: Mapping[K, V]) -> Chunked[K, V]:
        """This map with the values of ``changes``, each of whose keys it holds; shares the chunks not changed.

        Raises:
            KeyError: a key of ``changes`` that this map does not hold (make a new map for new keys).
        """
        if not changes:
            return self
        chunks = list(self._chunks)
        copied: set[int] = set()
        at = self._at
        for key, value in changes.items():
            place = at[key]
            number = place >> SHIFT
            if number not in copied:
                chunks[number] = list(chunks[number])
                copied.add(number)
            chunks[number][place & _MASK] = value
        made: Chunked[K, V] = Chunked.__new__(Chunked)
        made._at, made._chunks = at, chunks
        return made

    def __getitem__(self, key: K) -> V:
        place = self._at[key]
        return self._chunks[place >> SHIFT][place & _MASK]

    @overload
    def get(self, key: K, /) -> V | None: ...
    @overload
    def get(self, key: K, default: D, /) -> V | D: ...
    def get(self, key: K, default: Any = None) -> Any:
        place = self._at.get(key)
        if place is None:
            return default
        return self._chunks[place >> SHIFT][place & _MASK]

    def __contains__(self, key: object) -> bool:
        return key in self._at

    def __iter__(self) -> Iterator[K]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)

    def values(self) -> ValuesView[V]:
        return _Values(self)

    def items(self) -> ItemsView[K, V]:
        return _Items(self)

    def _values(self) -> Iterator[V]:
        return itertools.chain.from_iterable(self._chunks)

    def __repr__(self) -> str:
        return f"Chunked({dict(self.items())!r})"


class _Values(ValuesView[V]):
    _mapping: Chunked[Any, V]

    def __iter__(self) -> Iterator[V]:
        return self._mapping._values()


class _Items(ItemsView[K, V]):
    _mapping: Chunked[K, V]

    def __iter__(self) -> Iterator[tuple[K, V]]:
        return zip(self._mapping._at, self._mapping._values(), strict=True)


def _chunks_of(values: list[V]) -> list[list[V]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


#: The places 0, 1, 2, ... as one set of int objects that every map's key places share (28 bytes each otherwise).
_PLACES: list[int] = []
_GROWING = threading.Lock()  # indexes are built in worker threads


def _places(count: int) -> list[int]:
    if len(_PLACES) < count:
        with _GROWING:
            _PLACES.extend(range(len(_PLACES), count))
    return _PLACES[:count]
