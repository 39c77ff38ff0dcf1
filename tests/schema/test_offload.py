"""Questions in worker threads: held to the request's deadline, stopped at their next checkpoint past it."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from kimnet.graph.model.errors import DeadlineError
from kimnet.graph.rules.deadline import checkpoint
from kimnet.graph.stores.embedded import EmbeddedStore
from kimnet.schema.context import Context
from kimnet.schema.offload import offload
from kimnet.service.config import Settings


def _context(tmp_path: object, timeout: float) -> Context:
    return Context(EmbeddedStore.open(f"{tmp_path}/store"), timeout=timeout)


async def test_an_answer_comes_back_from_a_worker_thread(tmp_path: object) -> None:
    context = _context(tmp_path, 5.0)
    assert await offload(context, lambda: threading.current_thread().name) != threading.current_thread().name


async def test_work_past_the_deadline_ends_with_deadline_error_and_stops_at_its_next_checkpoint(tmp_path: object) -> None:
    context = _context(tmp_path, 0.2)
    steps: list[int] = []
    stopped = threading.Event()

    def long_work() -> None:
        try:
            for step in range(1000):
                checkpoint()
                steps.append(step)
                time.sleep(0.01)
        except DeadlineError:
            stopped.set()
            raise

    start = time.monotonic()
    with pytest.raises(DeadlineError, match="KIMNET_REQUEST_TIMEOUT"):
        await offload(context, long_work)
    assert time.monotonic() - start < 1.0
    assert await asyncio.to_thread(stopped.wait, 2.0), "the work must stop at its next checkpoint"
    assert len(steps) < 100


async def test_a_cancelled_request_stops_its_work(tmp_path: object) -> None:
    context = _context(tmp_path, 30.0)
    stopped = threading.Event()

    def long_work() -> None:
        try:
            while True:
                checkpoint()
                time.sleep(0.01)
        except DeadlineError:
            stopped.set()

    task = asyncio.ensure_future(offload(context, long_work))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(stopped.wait, 2.0)


def test_the_request_timeout_is_read_from_the_environment() -> None:
    assert Settings.from_env({}).request_timeout == 30.0
    assert Settings.from_env({"KIMNET_REQUEST_TIMEOUT": "2.5"}).request_timeout == 2.5
    with pytest.raises(ValueError, match=r"KIMNET_REQUEST_TIMEOUT must be at least 0\.1"):
        Settings.from_env({"KIMNET_REQUEST_TIMEOUT": "0"})
