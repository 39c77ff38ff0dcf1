"""A mapping that keeps the entries used last, made once per key and shared between threads (``graph.read.reads``)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Recent"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """A mapping that keeps the ``size`` entries used last; safe to share between threads.

    Questions run in worker threads (``schema.offload``): concurrent requests for
    one missing key share one ``make`` (the others wait for it), requests for
    other keys do not wait.
    """

    def __init__(self, size: int, keep: Callable[[], None] = lambda: None) -> None:
        self.size = size
        # Called when an entry is made: it is kept until the next write (``ReadCache``'s keep).
        self._keep = keep
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[K, threading.Lock] = {}

    def items(self) -> list[tuple[K, V]]:
        """The entries, least recently used first (a copy)."""
        with self._lock:
            return list(self._entries.items())

    def settled(self) -> list[tuple[K, V]]:
        """The entries, least recently used first (a copy), once the makes in flight now have ended.

        For what the next generation carries over (``Reads.following``): a day's
        catalogue takes a third of a second to make at state scale, and at 10 writes
        a second the next generation came before it was done, made it anew, and so
        on, for seconds.
        """
        with self._lock:
            making = list(self._making.values())
        for lock in making:
            with lock:  # held by its maker until the entry is in (or the make failed)
                pass
        return self.items()

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` under ``key`` (made elsewhere: carried over from another generation)."""
        with self._lock:
            self._entries[key] = value
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def made(self, key: K) -> V | None:
        """The entry for ``key`` if it is made (it counts as used); None if not (yet)."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The entry for ``key``, made by ``make`` if missing (the least recently used one goes)."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                if key in self._entries:
                    return self._entries[key]
            try:
                value = make()
            except BaseException:
                with self._lock:  # a failed make (an unknown id) leaves nothing behind
                    self._making.pop(key, None)
                raise
            with self._lock:
                self._entries[key] = value
                self._making.pop(key, None)
                if len(self._entries) > self.size:
                    self._entries.popitem(last=False)
            self._keep()
            return value
