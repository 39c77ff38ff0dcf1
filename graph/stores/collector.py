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
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["give_back", "paused"]

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
