"""Pausing the cyclic garbage collector while a whole graph is read into memory, and giving memory back after.

The embedded store's opening and the read cache's reads of a graph use it. A read
of a state's graph makes millions of objects that all stay alive, and
every allocation counts towards the next collection: measured at state scale
on Neo4j, a read with the collector on ran 3,500 collections, 13 of them full
passes of up to 0.3 s each holding the GIL (every request of the process
waited), and took 5.3 s instead of 2.2 s (and one pass of 0.4 s after it, see
``ReadCache._read``). Pauses may overlap (two stores in
one process): the collector runs again when the last one ends, and only if it
ran before the first.

A read also frees much of what it made (the driver's answers, the lists the index
is sorted from); glibc keeps freed heap for the process unless asked to give it
back (``give_back``): measured at state scale on Neo4j, 22 to 29 MB resident after
each read of the graph, in 2 to 5 ms.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import platform
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["Freezer", "give_back", "paused"]

_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cyclic collector within the block (refcounting still frees what is dropped).

    >>> import gc
    >>> with paused():
    ...     with paused():
    ...         pass
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library is another (musl, macOS)."""
    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


_trim = _malloc_trim()


def give_back() -> None:
    """Return the C heap's free memory to the system (glibc's ``malloc_trim``; elsewhere nothing).

    Python's own small-object arenas are returned by Python when empty; what this
    returns is the larger blocks (lists, dicts' tables, buffers) freed since. It
    runs without the GIL (a ``ctypes`` call), in milliseconds.
    """
    if _trim is not None:
        _trim(0)


#: Keeps after which ``Freezer`` renews the freeze, and the least seconds between two renewals.
RENEW_AFTER = 256
RENEW_EVERY = 60.0


class Freezer:
    """What a generation keeps, kept out of the collector's passes (``gc.freeze``); renewed now and then.

    The read cache calls it when it keeps something until the next write (a read of
    the graph, a followed write, a day's catalogue): millions of objects that every
    full pass would otherwise walk (0.1 s and more each). ``gc.freeze`` freezes all
    that is alive, the objects of requests in flight too, and those in cycles are
    never freed once their requests end: measured embedded, 122,000 of them after
    300 followed writes. So after ``renew_after`` keeps, and at most once every
    ``every`` seconds, it unfreezes, collects once (what the requests left is freed)
    and freezes again: one full pass (about half a second at state scale) bounds
    what is lost to some hundred keeps' worth of requests.
    """

    def __init__(self, renew_after: int | None = None, every: float | None = None) -> None:
        self.renew_after = RENEW_AFTER if renew_after is None else renew_after
        self.every = RENEW_EVERY if every is None else every
        self.renewals = 0
        self._keeps = 0
        self._renewed = time.monotonic()
        self._lock = threading.Lock()  # keeps come from the event loop and from worker threads

    def __call__(self) -> None:
        with self._lock:
            self._keeps += 1
            due = self._keeps >= self.renew_after and time.monotonic() - self._renewed >= self.every
            if due:
                self._keeps, self._renewed = 0, time.monotonic()
                self.renewals += 1
                gc.unfreeze()
                gc.collect()
            gc.freeze()
