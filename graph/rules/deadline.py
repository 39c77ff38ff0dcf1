"""Deadlines for long work: a budget that the work itself looks at, now and then.

Work in a worker thread cannot be stopped from outside (Python has no way to
kill a thread). Instead the long loops of the domain logic (one municipality
of duplicates, one source of a betweenness sample) call ``checkpoint()``,
which raises ``DeadlineError`` once the budget of the work that runs in this
context is spent or was cancelled (the request was given up, the server shuts
down). Outside a budget ``checkpoint()`` costs a context-variable lookup and
does nothing, so the pure functions stay usable anywhere.

>>> with budget(Budget.within(0.0)):
...     checkpoint()
Traceback (most recent call last):
...
kimnet.graph.model.errors.DeadlineError: the question ran longer than its deadline and was stopped
>>> checkpoint()  # no budget: nothing happens
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Iterator

from kimnet.graph.model.errors import DeadlineError

__all__ = ["Budget", "budget", "checkpoint"]


class Budget:
    """A monotonic deadline that can also be cancelled early, from any thread."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self._cancelled = threading.Event()

    @classmethod
    def within(cls, seconds: float) -> Budget:
        return cls(time.monotonic() + seconds)

    def cancel(self) -> None:
        """Make the next checkpoint of the work under this budget raise."""
        self._cancelled.set()

    @property
    def spent(self) -> bool:
        return self._cancelled.is_set() or time.monotonic() >= self.deadline

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


_current: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("kimnet_budget", default=None)


@contextlib.contextmanager
def budget(found: Budget) -> Iterator[Budget]:
    """Run the block under ``found``: its checkpoints raise once it is spent."""
    token = _current.set(found)
    try:
        yield found
    finally:
        _current.reset(token)


def checkpoint() -> None:
    """Raise DeadlineError if the work running here has spent its budget; otherwise return at once."""
    found = _current.get()
    if found is not None and found.spent:
        raise DeadlineError("the question ran longer than its deadline and was stopped")
