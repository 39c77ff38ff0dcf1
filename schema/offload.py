"""Questions run off the event loop, each held to its request's deadline.

The rules (coverage, duplicates, network measures) are pure Python over the
read cache; ``offload`` runs one in a worker thread (``graph.read.workers``: why
threads, not processes) so that ``/healthz`` and light requests keep
answering, and the work each question may do is bounded by design
(``graph.rules.duplicates``, ``graph.rules.measures``).

Deadline. ``Context.deadline`` (``KIMNET_REQUEST_TIMEOUT``, 30 s by default,
from the start of the request) bounds the wait; when it passes, the request
gets ``DeadlineError`` (``extensions.code: TIMEOUT``) at once, and the work,
which cannot be killed, stops at its next ``graph.rules.deadline.checkpoint()``.
The same happens when the awaiting request is cancelled (the client went
away, or the server's shutdown grace period ended).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from kimnet.graph.model.errors import DeadlineError
from kimnet.graph.read.workers import run_in_worker
from kimnet.graph.rules.deadline import Budget

if TYPE_CHECKING:
    from kimnet.schema.context import Context

__all__ = ["offload"]

T = TypeVar("T")


async def offload(context: Context, call: Callable[[], T]) -> T:
    """Answer ``call`` in a worker thread by the request's deadline.

    Raises:
        DeadlineError: the deadline passed first (the work is told to stop).
    """
    within = Budget(context.deadline)
    if within.spent:
        raise _late(context)
    try:
        return await asyncio.wait_for(run_in_worker(call, within), within.remaining())
    except TimeoutError:
        within.cancel()
        raise _late(context) from None
    except DeadlineError:
        raise _late(context) from None


def _late(context: Context) -> DeadlineError:
    return DeadlineError(
        f"the request took longer than {context.timeout:g} s (KIMNET_REQUEST_TIMEOUT) and was stopped; "
        "ask for less (fewer municipalities, needs or aliases, a smaller depth) or retry later"
    )
