"""A thread with an event loop of its own, for a store's network I/O (the Neo4j driver's).

A worker process's event loop runs the requests' pure Python in steps of
milliseconds (a referral: 3 to 8 ms), and a coroutine that waits for the
network is resumed only when the loop gets to it, after every step that became
ready before it. A round trip through the async Neo4j driver is tens of such
waits: on a busy worker a one-row read took 100 to 200 ms and a write half a
second and more (bench/mixed, 2 workers at concurrency 8). On a loop of its own,
which runs nothing but the driver, each wait ends as soon as the reply is there
and the thread gets its turn at the GIL (within ``graph.read.workers.SWITCH_INTERVAL``);
the caller's loop waits for the whole call as one step.

>>> import asyncio
>>> io = IoLoop("doctest-io")
>>> async def where() -> str:
...     return threading.current_thread().name
>>> asyncio.run(io.run(where))
'doctest-io'
>>> io.close()
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["IoLoop"]

T = TypeVar("T")


class IoLoop:
    """An event loop running in a daemon thread; ``run`` awaits a coroutine there from any other loop."""

    def __init__(self, name: str) -> None:
        self._loop = _new_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()

    async def run(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Await ``make()`` on this loop, with the caller's context variables; on it already, await it here.

        Cancelling the caller cancels the call (the driver then lets go of its connection).

        Raises:
            RuntimeError: the loop is closed.
        """
        if asyncio.get_running_loop() is self._loop:
            return await make()
        if self._loop.is_closed():
            raise RuntimeError("the store is closed")
        context = contextvars.copy_context()
        future = asyncio.run_coroutine_threadsafe(_within(context, make), self._loop)
        return await asyncio.wrap_future(future)  # a cancelled wait cancels the future, and so the call

    @property
    def closed(self) -> bool:
        return self._loop.is_closed()

    def close(self) -> None:
        """Stop the loop and its thread (calls still running there are dropped); again, nothing."""
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()


def _new_loop() -> asyncio.AbstractEventLoop:
    """uvloop's where installed (uvicorn[standard] brings it), whatever loop the caller runs: the driver reads a
    large answer in many chunks, and on asyncio's own loop view a took 35 ms in process against 22 ms on uvloop's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


async def _within(context: contextvars.Context, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    # A task of its own, so that it sees the caller's context variables (a request id in the logs).
    return await asyncio.get_running_loop().create_task(make(), context=context)
