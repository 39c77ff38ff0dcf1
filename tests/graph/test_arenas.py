"""The service keeps glibc's malloc to two heaps (``collector.limit_arenas``), not one per thread."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from kimnet.graph.stores.collector import ARENAS, limit_arenas

#: Heaps to limit are glibc's; on another C library the service says it set nothing (the test does not skip).
GLIBC = platform.libc_ver()[0] == "glibc"

# Run in a fresh process: 8 threads, alive together, each allocate once (glibc gives each new thread a
# heap of its own while there are fewer than the limit; a finished thread's heap goes to the next), then
# glibc's own report (malloc_info) counts the heaps.
_COUNT_HEAPS = """
import ctypes, sys, threading
from kimnet.graph.stores.collector import limit_arenas
print(limit_arenas() if sys.argv[1] == "limit" else "default")
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.open_memstream.restype = ctypes.c_void_p
kept, together = [], threading.Barrier(8)
def allocate():
    kept.append(libc.malloc(4096))
    together.wait()
threads = [threading.Thread(target=allocate) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
text, size = ctypes.c_char_p(), ctypes.c_size_t()
stream = libc.open_memstream(ctypes.byref(text), ctypes.byref(size))
libc.malloc_info(0, ctypes.c_void_p(stream))
libc.fclose(ctypes.c_void_p(stream))
print(ctypes.string_at(text, size.value).decode().count("<heap nr="))
"""


def _heaps(mode: str) -> tuple[str, int]:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", _COUNT_HEAPS, mode], env=env, capture_output=True, text=True, check=True, timeout=60
    )
    said, heaps = done.stdout.split()
    return said, int(heaps)


def test_the_service_keeps_two_heaps_where_threads_would_each_have_one() -> None:
    if not GLIBC:
        assert limit_arenas() is False
        return
    assert _heaps("default")[1] > ARENAS  # glibc's own: one per thread here
    said, heaps = _heaps("limit")
    assert said == "True"
    assert heaps <= ARENAS


def test_the_operators_malloc_arena_max_stands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_arenas() is False
