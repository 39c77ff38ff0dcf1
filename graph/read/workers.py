"""Worker threads for pure-Python work that must not hold up the event loop.

The rules and the read cache's builds are pure Python; run on the event loop,
work of a second would stall every other request and ``/healthz`` with it.
``run_in_worker`` runs a call in one of a few worker threads instead and
awaits it (``schema.offload`` adds the request's deadline).

Threads, not processes: the read cache (some hundreds of MB at state scale)
is shared by the threads of one process, where each process would need its
own copy, and answers need not be pickled. The GIL still lets one thread run
Python at a time; it changes hands every ``sys.getswitchinterval()``, which
the pool lowers to 1 ms (``SWITCH_INTERVAL``), so the event loop gets its turn
within milliseconds of asking.

The threads are daemon threads: a process that exits does not wait for work
whose answer nobody awaits any more.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from kimnet.graph.rules.deadline import Budget, budget

__all__ = ["THREADS", "run_in_worker"]

#: Worker threads per process. More than the cores: a light question must not queue behind
#: heavy ones for long, and the GIL shares the time anyway.
THREADS = 4

#: How long a thread may hold the GIL while another waits for it (Python's default: 5 ms). The
#: service sets it for its process when it starts (``service.app``): the event loop then waits at
#: most about this long for its turn between a worker's steps. With 5 ms, /healthz p99 under four
#: heavy questions measured 250 to 650 ms on a loaded 2-core machine; with 1 ms, 60 to 130 ms.
SWITCH_INTERVAL = 0.001

T = TypeVar("T")


class _Pool:
    """A fixed set of daemon threads taking calls from one queue (``ThreadPoolExecutor``'s are joined at exit)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._queue: queue.SimpleQueue[tuple[concurrent.futures.Future[Any], Callable[[], Any]]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, call: Callable[[], T]) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            if len(self._threads) < self._size:
                thread = threading.Thread(target=self._work, name=f"kimnet-worker-{len(self._threads)}", daemon=True)
                thread.start()
                self._threads.append(thread)
        self._queue.put((future, call))
        return future

    def _work(self) -> None:
        while True:
            future, call = self._queue.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(call())
            except BaseException as error:  # handed to the awaiting request, whatever it is
                future.set_exception(error)
            # An idle thread must not keep the last answer alive (an old generation's read cache, say).
            del future, call


_POOL = _Pool(THREADS)


async def run_in_worker(call: Callable[[], T], within: Budget | None = None) -> T:
    """Run ``call`` in a worker thread with this task's context variables, under ``within`` if given.

    Cancelling the awaiting task cancels the budget, so the call stops at its
    next checkpoint (a call without a budget runs to its end).
    """
    context = contextvars.copy_context()

    def run() -> T:
        if within is None:
            return context.run(call)
        return context.run(_under, within, call)

    future = _POOL.submit(run)
    # If nobody awaits it any more, its error is nobody's to report.
    future.add_done_callback(lambda done: done.cancelled() or done.exception())
    try:
        return await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        if within is not None:
            within.cancel()
        future.cancel()  # not started yet: it never will be
        raise


def _under(within: Budget, call: Callable[[], T]) -> T:
    with budget(within):
        return call()
