"""A light load generator: keep-alive HTTP/1.1 over asyncio streams, and the measuring loop.

It is kept small on purpose: on a 2-core machine the client shares the CPU with
the servers it measures, so it parses no more than the status line, the headers
and the body length, and checks each answer with a byte search. The first
answer of every cell is parsed in full and compared by the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Cell", "HttpClient", "measure"]


class HttpClient:
    """One keep-alive connection that POSTs JSON to one URL."""

    def __init__(self, host: str, port: int, path: str, headers: dict[str, str] | None = None) -> None:
        self.host, self.port, self.path = host, port, path
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        #: The last response's header fields, names in lower case.
        self.headers: dict[str, str] = {}

    async def post(self, body: bytes) -> tuple[int, bytes]:
        """Send ``body``; return (status, response body). Reconnects once if the server closed the connection."""
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Accept: application/json\r\nContent-Length: {len(body)}\r\n{self.extra}\r\n"
        )
        return await self._send(head.encode() + body)

    async def get(self, path: str) -> tuple[int, bytes]:
        """GET ``path`` on the same connection (so from the same server process)."""
        return await self._send(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.extra}\r\n".encode())

    async def _send(self, request: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port, limit=2**26)
            assert self._reader is not None
            try:
                self._writer.write(request)
                return await self._response(self._reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        header = await reader.readuntil(b"\r\n\r\n")
        lines = header.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        self.headers = fields
        if "content-length" in fields:
            body = await reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                parts.append(await reader.readexactly(size + 2))
                if size == 0:
                    break
            body = b"".join(p[:-2] for p in parts)
        else:
            body = await reader.read()
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, body

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


@dataclass(frozen=True, slots=True)
class Cell:
    """What one (view, implementation, concurrency) run measured."""

    requests: int
    seconds: float
    latencies: list[float]  # seconds, one per request

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)


#: One request: takes the worker's number and the request's sequence number, raises on a wrong answer.
Call = Callable[[int, int], Awaitable[None]]


async def measure(make_worker: Callable[[int], Awaitable[Call]], concurrency: int, seconds: float, warmup: float) -> Cell:
    """Run ``concurrency`` workers that call in a loop: first ``warmup`` seconds unmeasured, then ``seconds`` measured.

    Every worker completes at least one measured request, so a slow view still
    gives figures; throughput is the measured requests over the wall time from
    the start of measuring until the last of them completed.
    """
    calls = [await make_worker(w) for w in range(concurrency)]
    latencies: list[float] = []
    sequence = 0

    async def loop(call: Call, worker: int, until: float, record: bool) -> None:
        nonlocal sequence
        done = 0
        while time.perf_counter() < until or (record and done == 0):
            sequence += 1
            start = time.perf_counter()
            await call(worker, sequence)
            if record:
                latencies.append(time.perf_counter() - start)
            done += 1

    if warmup > 0:
        until = time.perf_counter() + warmup
        await asyncio.gather(*(loop(c, w, until, False) for w, c in enumerate(calls)))
    start = time.perf_counter()
    await asyncio.gather(*(loop(c, w, start + seconds, True) for w, c in enumerate(calls)))
    return Cell(len(latencies), time.perf_counter() - start, latencies)


def graphql_body(query: str, variables: dict[str, Any]) -> bytes:
    return json.dumps({"query": query, "variables": variables}, separators=(",", ":")).encode()
