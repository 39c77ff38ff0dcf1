"""The embedded store copies its graph (a snapshot, a compaction) in a thread, under its write lock.

At state scale a copy takes 280 to 450 ms on the 2-core machine; on the event loop
it held up every request in flight, once per compaction (every ``COMPACT_AFTER``
journal lines) and once per export.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kimnet.graph.model.changes import CreateNode
from kimnet.graph.model.graphdata import GraphData, checksum
from kimnet.graph.model.kinds import Node
from kimnet.graph.stores.embedded import EmbeddedStore

from .test_store_contract import small_graph


class _Watched:
    """Wraps ``EmbeddedStore._copy``: records the threads it ran in, and holds it until ``go`` is set."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.threads: list[threading.Thread] = []
        self.started = threading.Event()
        self.go = threading.Event()
        self.go.set()
        copy = EmbeddedStore._copy

        def watched(store: EmbeddedStore) -> GraphData:
            self.threads.append(threading.current_thread())
            self.started.set()
            assert self.go.wait(10), "the test never let the copy go on"
            return copy(store)

        monkeypatch.setattr(EmbeddedStore, "_copy", watched)


async def _filled(folder: Path, compact_after: int = 10_000) -> EmbeddedStore:
    store = EmbeddedStore.open(folder, compact_after=compact_after)
    await store.replace_all(small_graph())
    return store


async def test_a_snapshot_is_copied_off_the_event_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    watched = _Watched(monkeypatch)
    store = await _filled(tmp_path)
    try:
        assert checksum(await store.snapshot()) == checksum(small_graph())
    finally:
        await store.close()
    assert watched.threads
    assert threading.main_thread() not in watched.threads


async def test_a_compaction_copies_off_the_event_loop_and_keeps_every_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    watched = _Watched(monkeypatch)
    store = await _filled(tmp_path, compact_after=1)
    await store.write([CreateNode(Node("Need", "need:new", {"name": "Neu"}))])
    await store.close()  # waits for the compaction the write started
    assert watched.threads
    assert threading.main_thread() not in watched.threads
    reopened = EmbeddedStore.open(tmp_path)
    try:
        assert "need:new" in await reopened.get_nodes(["need:new"])
    finally:
        await reopened.close()


async def _write_during_a_copy(
    store: EmbeddedStore, watched: _Watched, *, cancel: bool
) -> tuple[asyncio.Future[GraphData], asyncio.Future[object]]:
    """Begin a snapshot and hold its copy; cancel it if asked; begin a write; check that it waits; let the copy go on."""
    watched.go.clear()
    snapshot = asyncio.ensure_future(store.snapshot())
    assert await asyncio.to_thread(watched.started.wait, 10)
    if cancel:
        snapshot.cancel()
    write = asyncio.ensure_future(store.write([CreateNode(Node("Need", "need:new", {"name": "Neu"}))]))
    await asyncio.sleep(0.05)
    assert not write.done(), "a write changed the graph while a thread was copying it"
    watched.go.set()
    return snapshot, write


@pytest.fixture
async def held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[EmbeddedStore, _Watched]]:
    """A filled store whose copies are watched (and let go on, whatever the test did, before it closes)."""
    watched = _Watched(monkeypatch)
    store = await _filled(tmp_path)
    try:
        yield store, watched
    finally:
        watched.go.set()
        await store.close()


async def test_a_write_waits_for_a_copy_in_progress_and_the_copy_is_of_the_graph_before_it(
    held: tuple[EmbeddedStore, _Watched],
) -> None:
    store, watched = held
    snapshot, write = await _write_during_a_copy(store, watched, cancel=False)
    copied = await snapshot
    await write
    assert "need:new" not in copied.nodes
    assert "need:new" in (await store.snapshot()).nodes


async def test_a_cancelled_snapshot_holds_the_write_lock_until_its_copy_is_done(held: tuple[EmbeddedStore, _Watched]) -> None:
    store, watched = held
    snapshot, write = await _write_during_a_copy(store, watched, cancel=True)
    with pytest.raises(asyncio.CancelledError):
        await snapshot
    await write
