"""Whether the store is ready, and getting it ready again by itself.

kimnet starts even when Neo4j does not answer yet: the store is prepared
(constraints, and the seed if it is empty) by a background task that tries
again with a growing pause (up to ``max_pause`` seconds) until it succeeds.
While the store is not ready, ``/readyz`` is 503 and GraphQL requests get a
"database unavailable" error at once. When a request finds the database gone
(``lost``), the same task starts again; the driver reconnects by itself once
Neo4j is back, and the first successful ping makes the store ready again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from kimnet.graph.model.errors import KimnetError, StoreTimeoutError, StoreUnavailableError
from kimnet.graph.stores.store import Store
from kimnet.service.stores import load_seed

__all__ = ["Readiness"]

log = logging.getLogger("kimnet.readiness")

#: Failures that waiting fixes: a database that does not answer, or one that just restarted and is
#: too busy to answer within the transaction timeout (seen under load: a restarted Neo4j whose
#: first ping ran over KIMNET_NEO4J_TIMEOUT left the service unready for good).
PASSING = (StoreUnavailableError, StoreTimeoutError)


class Readiness:
    """The store's readiness, kept up to date in the background."""

    def __init__(self, store: Store, seed: Path | None, *, first_pause: float = 0.5, max_pause: float = 5.0) -> None:
        self.store = store
        self.seed = seed
        self.ready = False
        self.reason = "starting"
        self.first_pause = first_pause
        self.max_pause = max_pause
        self._task: asyncio.Task[None] | None = None
        self._prepared = False

    async def start(self) -> None:
        """Prepare the store once; if it does not answer, keep trying in the background.

        Raises:
            KimnetError: a failure that waiting will not fix (a bad seed, damaged files).
        """
        try:
            await self._prepare()
        except PASSING as exc:
            self._not_ready(exc)
            self._task = asyncio.create_task(self._retry(), name="kimnet-readiness")

    def lost(self, reason: str = "the database stopped answering") -> None:
        """A request found the store unavailable: not ready until it answers again."""
        if self.ready:
            log.warning("store not ready: %s", reason, extra={"store": self.store.name, "event": "store_lost"})
        self.ready = False
        self.reason = reason
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._retry(), name="kimnet-readiness")

    async def check(self, within: float = 2.0) -> bool:
        """Ping the store (when it is ready) within ``within`` seconds; return whether it is ready."""
        if not self.ready:
            return False
        try:
            await asyncio.wait_for(self.store.ping(), within)
        except (TimeoutError, KimnetError) as exc:
            self.lost(f"the store did not answer a ping ({type(exc).__name__})")
            return False
        return True

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _prepare(self) -> None:
        await self.store.ping()
        if not self._prepared:
            if self.store.name == "neo4j":
                # Imported only here: the driver (and the numpy it imports) costs a worker on the embedded store 50 MB.
                from kimnet.graph.stores.neo4j import Neo4jStore

                if isinstance(self.store, Neo4jStore):
                    await self.store.ensure_schema()
            if self.seed is not None and await self.store.is_empty():
                counts, _digest = await load_seed(self.store, self.seed)
                log.info(
                    "seeded the empty %s store from %s (%s nodes)",
                    self.store.name,
                    self.seed.name,
                    sum(counts.nodes.values()),
                    extra={"store": self.store.name, "event": "seeded"},
                )
            self._prepared = True
        self.ready = True
        self.reason = "ready"

    def _not_ready(self, exc: Exception) -> None:
        self.ready = False
        self.reason = str(exc)
        log.warning(
            "store not ready, retrying in the background: %s", exc, extra={"store": self.store.name, "event": "store_down"}
        )

    async def _retry(self) -> None:
        pause = self.first_pause
        while True:
            await asyncio.sleep(pause)
            try:
                await self._prepare()
            except PASSING as exc:
                self.reason = str(exc)
                pause = min(pause * 2, self.max_pause)
                continue
            except KimnetError as exc:
                # Not a matter of waiting (e.g. a seed that does not load): say so and stay not ready.
                log.error("the store cannot be prepared: %s", exc, extra={"store": self.store.name, "event": "store_failed"})
                self.reason = str(exc)
                return
            log.info("store ready", extra={"store": self.store.name, "event": "store_ready"})
            return
