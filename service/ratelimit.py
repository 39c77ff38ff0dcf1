"""A per-client rate limit: one token bucket per client.

Each client may send ``burst`` requests at once and ``rate`` per second on
average. A client is the token's subject when the request carries a valid
token, else its address. The table of buckets is bounded: when it is full, the
buckets idle longest are dropped (a dropped bucket starts full again, which
only ever errs towards letting a request in).

>>> limiter = RateLimiter(rate=1, burst=2)
>>> [limiter.allow("a", now=0.0) for _ in range(3)]
[0.0, 0.0, 1.0]
>>> limiter.allow("a", now=1.0)
0.0
"""

from __future__ import annotations

import time
from collections import OrderedDict

__all__ = ["RateLimiter"]


class RateLimiter:
    """Token buckets by client key."""

    def __init__(self, rate: float, burst: int, max_clients: int = 10_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, last time)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def allow(self, key: str, now: float | None = None) -> float:
        """Take one request from ``key``'s bucket; return 0 if allowed, else seconds until it would be."""
        if not self.enabled:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait
