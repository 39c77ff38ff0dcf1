"""The store's readiness comes back by itself after failures that waiting fixes, and only after those."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from kimnet.graph.model.errors import KimnetError, StoreCorruptedError, StoreTimeoutError, StoreUnavailableError
from kimnet.graph.stores.embedded import EmbeddedStore
from kimnet.service.readiness import Readiness


class _Flaky(EmbeddedStore):
    """An embedded store whose ping fails with ``failures`` in turn, then answers."""

    failures: list[KimnetError]

    async def ping(self) -> None:
        if self.failures:
            raise self.failures.pop(0)


async def _until(predicate: object, within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "readiness did not settle"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    "failure",
    [StoreUnavailableError("Neo4j is unavailable"), StoreTimeoutError("the database ended the transaction after 3 s")],
)
async def test_a_store_that_is_down_or_too_busy_for_a_while_becomes_ready_by_itself(tmp_path: Path, failure: KimnetError) -> None:
    store = _Flaky.open(tmp_path)
    store.failures = [failure, failure, failure]
    readiness = Readiness(store, None, first_pause=0.01, max_pause=0.02)
    try:
        await readiness.start()  # the first failure does not stop the start
        assert not readiness.ready
        await _until(lambda: readiness.ready)
        store.failures = [failure]
        readiness.lost("a request found the database gone")
        await _until(lambda: readiness.ready)
    finally:
        await readiness.stop()
        await store.close()


async def test_a_failure_that_waiting_cannot_fix_stops_the_retries_and_says_why(tmp_path: Path) -> None:
    store = _Flaky.open(tmp_path)
    store.failures = []
    readiness = Readiness(store, None, first_pause=0.01, max_pause=0.02)
    try:
        await readiness.start()
        assert readiness.ready
        store.failures = [StoreCorruptedError("journal.kim line 3 is damaged")]
        readiness.lost()
        await _until(lambda: readiness.reason == "journal.kim line 3 is damaged")
        await asyncio.sleep(0.05)
        assert not readiness.ready
    finally:
        await readiness.stop()
        await store.close()
