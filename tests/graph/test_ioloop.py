"""The store's own event loop in a thread (graph.stores.ioloop): results, errors, cancellation, context, closing."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Iterator

import pytest

from kimnet.graph.stores.ioloop import IoLoop

_asked_by: contextvars.ContextVar[str] = contextvars.ContextVar("asked_by", default="nobody")


@pytest.fixture
def io() -> Iterator[IoLoop]:
    found = IoLoop("test-io")
    yield found
    found.close()


async def test_a_call_runs_on_the_loops_thread_with_the_callers_context(io: IoLoop) -> None:
    async def where() -> tuple[str, str]:
        return threading.current_thread().name, _asked_by.get()

    _asked_by.set("request 7")
    assert await io.run(where) == ("test-io", "request 7")


async def test_an_error_reaches_the_caller(io: IoLoop) -> None:
    async def fails() -> None:
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        await io.run(fails)


async def test_a_caller_that_gives_up_cancels_the_call(io: IoLoop) -> None:
    started, cancelled = threading.Event(), threading.Event()

    async def slow() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    call = asyncio.ensure_future(io.run(slow))
    assert await asyncio.to_thread(started.wait, 5)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert await asyncio.to_thread(cancelled.wait, 5)


async def test_a_closed_loop_refuses_calls_and_closes_once(io: IoLoop) -> None:
    async def nothing() -> None:
        return None

    io.close()
    io.close()
    assert io.closed
    with pytest.raises(RuntimeError, match="closed"):
        await io.run(nothing)
