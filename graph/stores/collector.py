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
import os
import platform
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["ARENAS", "YOUNG", "Freezer", "give_back", "limit_arenas", "paused", "settle"]

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


def _glibc(name: str) -> Callable[..., int] | None:
    """The C library's function ``name`` where the C library is glibc; elsewhere (musl, macOS) None."""
    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        found: Callable[..., int] = getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None
    return found


_trim = _glibc("malloc_trim")
_mallopt = _glibc("mallopt")


def give_back() -> None:
    """Return the C heap's free memory to the system (glibc's ``malloc_trim``; elsewhere nothing).

    Python's own small-object arenas are returned by Python when empty; what this
    returns is the larger blocks (lists, dicts' tables, buffers) freed since. It
    runs without the GIL (a ``ctypes`` call), in milliseconds.
    """
    if _trim is not None:
        _trim(0)


#: The heaps (arenas) glibc's malloc may keep for a process of the service, and ``mallopt``'s name for that limit.
ARENAS = 2
_M_ARENA_MAX = -8


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Let glibc's malloc keep at most ``arenas`` heaps in this process; whether it was set.

    glibc gives a thread that allocates while another holds a heap a heap of its own,
    up to eight per core, and keeps what is freed in each for that heap. The service's
    worker threads (gap reports, network questions) write answers of megabytes, each
    in its own heap: measured in ``bench/mixed``, the embedded process ended at 313
    and 315 MB with glibc's default, 280 and 281 MB with two heaps, and its referrals
    were no slower (p99 82 and 115 ms against 64 and 76 ms): Python's small objects
    come from its own arenas, not from malloc, and the GIL lets one thread at a time
    allocate anyway. Not set where ``MALLOC_ARENA_MAX`` is (glibc has read the
    operator's choice at start), nor on other C libraries.
    """
    if _mallopt is None or "MALLOC_ARENA_MAX" in os.environ:
        return False
    return bool(_mallopt(_M_ARENA_MAX, arenas))


#: Net new objects (of the kinds the collector follows) between two passes over the young ones; CPython's default is 700.
YOUNG = 20_000


def settle(young: int = YOUNG) -> None:
    """Keep what the process made to start out of the collector's passes, and let a request's objects die young.

    A request that writes a large answer holds tens of thousands of objects at once
    (rows, nodes, the answer's dicts) for some milliseconds. With CPython's default
    of a pass every 700 new objects, many of them outlive two passes and count towards
    a full one; a full pass then walks everything not frozen (the modules, the
    GraphQL schema: some 130,000 objects) and the requests' objects in flight.
    Measured over HTTP on Neo4j with 2 workers, view b (a town's offers, providers and
    working groups) at concurrency 1: a full pass of 65 to 80 ms every 0.35 s, 39.4
    requests/s with a p99 of 137.6 ms; with the start frozen and a pass every 20,000
    new objects 62 to 70 requests/s, p99 41 to 46 ms. A request leaves nothing in
    cycles (``schema.compiled``), so passes are rarer without memory piling up.

    Collects first, so that no garbage of the start is frozen for good. The service's
    lifespan calls it once, when the app has been built.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(young, older, oldest)


#: Keeps after which ``Freezer`` renews the freeze, and the least seconds between two renewals.
RENEW_AFTER = 256
RENEW_EVERY = 60.0

#: How much the frozen objects must have grown since the last renewal before the next (a quarter,
#: as CPython's own rule for a full pass).
RENEW_GROWTH = 0.25


class Freezer:
    """What a generation keeps, kept out of the collector's passes (``gc.freeze``); renewed when it has grown.

    The read cache calls it when it keeps something until the next write (a read of
    the graph, a followed write, a day's catalogue): millions of objects that every
    full pass would otherwise walk (0.1 s and more each). ``gc.freeze`` freezes all
    that is alive, the objects of requests in flight too. A request leaves nothing
    in cycles (``schema.compiled``), so what is frozen of it goes when it ends; a
    failed one may (its error's traceback), so does the Neo4j driver for each
    transaction in flight (60 to 200 objects of its own), and what else is in
    cycles when frozen is never freed. So once the frozen objects have grown by ``growth`` since the
    last renewal, after ``renew_after`` keeps and at most once every ``every``
    seconds, it unfreezes, collects once and freezes again: one full pass (half a
    second at state scale, every request waits) bounds what can be lost.

    Renewed on a count of keeps alone, the freeze was renewed once a minute at 10
    writes a second, and each renewal stalled every request (3 s, with the cycles
    that every request then left: 700,000 objects a minute).
    """

    def __init__(self, renew_after: int | None = None, every: float | None = None, growth: float | None = None) -> None:
        self.renew_after = RENEW_AFTER if renew_after is None else renew_after
        self.every = RENEW_EVERY if every is None else every
        self.growth = RENEW_GROWTH if growth is None else growth
        self.renewals = 0
        self._keeps = 0
        self._renewed = time.monotonic()
        self._base: int | None = None  # the objects frozen at the first keep or the last renewal
        self._lock = threading.Lock()  # keeps come from the event loop and from worker threads

    def __call__(self) -> None:
        with self._lock:
            self._keeps += 1
            gc.freeze()
            if self._base is None:
                self._base = gc.get_freeze_count()
            if self._keeps < self.renew_after or time.monotonic() - self._renewed < self.every:
                return
            # Counted only now: counting walks every frozen object (5 ms at state scale).
            self._keeps, self._renewed = 0, time.monotonic()
            if gc.get_freeze_count() >= self._base * (1 + self.growth):
                self.renewals += 1
                gc.unfreeze()
                gc.collect()
                gc.freeze()
                self._base = gc.get_freeze_count()
