"""Pausing the cyclic garbage collector while a whole graph is read into memory.

The embedded store's opening and the read cache's reads of a graph use it. A read
of a state's graph makes millions of objects that all stay alive, and
every allocation counts towards the next collection: measured at state scale
on Neo4j, a read with the collector on ran 3,500 collections, 13 of them full
passes of up to 0.3 s each holding the GIL (every request of the process
waited), and took 5.3 s instead of 2.2 s (and one pass of 0.4 s after it, see
``ReadCache._read``). Pauses may overlap (two stores in
one process): the collector runs again when the last one ends, and only if it
ran before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]

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
