"""The read cache: what referrals and coverage questions read, held in memory per store generation.

A referral or a coverage report reads thousands of offers with their links;
reading them from the store for every request cost most of its time (tens of
round trips, or tens of thousands of decoded records). Instead, ``ReadCache.reads``
returns the ``Reads`` of the store's generation (``Store.generation``): the whole
graph as a ``GraphIndex``, read once, with the plain data that ``graph.read.gather``
selects from it (kept where selecting costs more than a little: the catalogue per
day, the organisation network per day and set of organisations).

What a request sees. Every write through kimnet, from any process, and every
``replace_all`` changes the generation in the same transaction.

- A write of this process is followed before it returns: the store awaits its
  listeners (``Store.listeners``), and the cache applies the write's steps to
  its index then (``graph.read.index_update``: milliseconds, no read of the
  store). A request that arrives after the write was acknowledged finds it in
  the reads; one that arrives while it is being followed, before anyone was
  told of it, is answered from the reads before it and does not wait.
- A write of another process (uvicorn workers, replicas on the same Neo4j) is
  seen within ``STALE`` seconds at most, and within ``POLL`` and the time to
  follow it while requests keep coming. A request that finds the last check of
  the generation (one small round trip) older than ``POLL`` starts one in the
  background and is answered from the reads it finds; if that check finds a
  generation this process did not write, the writes are taken from the
  store's log (``Store.writes_since``) and followed in the background, or, if
  they are not all there, the graph is read again (seconds at state scale,
  during which requests are answered from the reads before). Only a request that finds
  the last check older than ``STALE`` (after a quiet spell) waits for a check,
  and for the reads it calls for. On Neo4j, a round trip per request was a
  third of a referral's cost, and a request that waited for one waited behind
  every other request of its process twice: no request waits for a write, a
  check or a follow while others keep the process busy.

A build whose reads straddle a write (the generation differs after them) is
brought up to date by the writes since, or served to the requests waiting for
it (its reads are as fresh as theirs) but never kept.

Ownership. Whoever opens a store makes its ``ReadCache`` and hands it to every
request (the service: one per store, in its lifespan, with ``keep=gc.freeze`` so
that what is kept for a generation stays out of the cyclic collector's passes).
Nothing here is process-wide.

Bounds. One kept generation at a time, and one build in flight: while it runs,
the reads it replaces stay in use, so two generations are alive for its time (a
followed write shares all but what it changed; a read of the graph is a second
copy for seconds). Within a generation the per-day and per-network entries are
a few, least recently used first out. Concurrent requests share one build. The
per-day data of the old generation is carried over where the writes cannot have
changed it (the network and its measures, when no organisation, working group,
cooperation or membership changed), and made anew otherwise.

Writes made without kimnet (Cypher run in Neo4j Browser, an ETL job) are logged
by the database's trigger where APOC allows one (``graph.stores.neo4j_log``): they
make a generation and a step like kimnet's, and are followed the same way (the
store reads the entities they touched). Without the trigger they change neither
the generation nor the log. Every ``OUTSIDE_CHECK`` seconds a request
compares the database's last committed transaction id with kimnet's count of
its writes (``Store.commit_mark``, one small round trip); once the id has moved
further than the count since the last read of the graph, the graph is read
again, in the background: requests are answered from the current reads until
the new ones are made. So such a write is seen within ``OUTSIDE_CHECK`` seconds
of the next request and a read of the graph; a writer that renews the generation
token in its own transaction is seen as kimnet's writes are (README, "Writes made without kimnet"). In a Neo4j cluster, a
reader that reaches a lagging member may see an older generation, exactly as
it sees older data.

Everything handed out is shared between requests: callers must not change it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
import time
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from kimnet.graph.model.changes import Step
from kimnet.graph.model.errors import StoreError
from kimnet.graph.read.index import read_index
from kimnet.graph.read.reads import Reads
from kimnet.graph.read.workers import run_in_worker
from kimnet.graph.stores import collector
from kimnet.graph.stores.store import Store, Written

__all__ = ["ReadCache"]

log = logging.getLogger(__name__)

#: Writes of this process a cache remembers to follow (``ReadCache``); further behind, it reads the store.
FOLLOWED = 256

#: Seconds between two checks for writes made without kimnet (``Store.commit_mark``): how long they may go unseen.
OUTSIDE_CHECK = 2.0

#: Seconds after a check of the store's generation before a request starts the next one, in the background:
#: while requests keep coming, how long the writes of other processes go unseen, besides following them.
POLL = 0.1

#: Seconds after the last check of the generation that answered before a request waits for a check: the
#: longest the writes of other processes go unseen (after a quiet spell, or while the store does not answer).
STALE = 1.0

#: Times a write of this process waits for a build that follows it, when builds keep being thrown away.
_FOLLOW_TRIES = 3


class _Build:
    """One build of ``Reads`` in flight, and when it began among the builds of its cache."""

    def __init__(self, number: int, task: asyncio.Task[Reads]) -> None:
        self.number = number
        self.task = task


class ReadCache:
    """The ``Reads`` of one store's current generation, built by one request at a time."""

    def __init__(self, store: Store, keep: Callable[[], None] = lambda: None) -> None:
        self._store = store
        # Called when something is kept until the next write (a build, a followed write, a day's
        # catalogue): the service moves what is alive then out of the cyclic collector's full passes
        # (``gc.freeze``; see service.app), a tool that reads once has no need to.
        self._keep = keep
        self._current: Reads | None = None
        self._current_number = 0  # the number of the build that made it
        self._build: _Build | None = None
        self._builds = 0  # builds begun so far: a build numbered above a request's count began after it arrived
        #: Builds kept and builds thrown away (their reads straddled a write), for tests and metrics.
        self.kept = 0
        self.discarded = 0
        #: Reads made by following writes instead of reading the store (see the module's docstring).
        self.followed = 0
        #: Times a write made without kimnet was noticed (and the graph read again).
        self.outside = 0
        # The commit mark of the last kept read of the graph, and when marks were last compared.
        self._base: tuple[int, int] | None = None
        self._checked = time.monotonic()
        self._polled = -math.inf  # when the last check of the generation began (see POLL)
        self._verified = -math.inf  # when the last check that the store answered began (see STALE)
        self._polling = False  # a check runs in the background
        #: The generations made by writes of this process that are being followed before they return.
        self._following: set[str] = set()
        self._outside = False  # a write made without kimnet has been noticed: the next build reads the graph
        #: Writes of this process by the generation they found: how to get from one generation to the next.
        self._writes: OrderedDict[str, Written] = OrderedDict()
        cache = weakref.ref(self)

        async def wrote(written: Written) -> None:
            found = cache()
            if found is not None:
                await found._wrote(written)

        # Through a weak reference, and gone with the cache: a store outlives the caches made for it (tests make many).
        store.listeners.append(wrote)
        weakref.finalize(self, _forget, store.listeners, wrote)

    async def _wrote(self, written: Written) -> None:
        """Follow a write of this process before it returns (awaited by the store: see the module's docstring)."""
        if written.steps is None:
            self._verified = -math.inf  # the whole graph was replaced: the next request checks, and waits for a read of it
            return
        self._remember(written)
        mark = self._builds  # a build begun after this point follows the write
        self._following.add(written.after)
        try:
            for _ in range(_FOLLOW_TRIES):
                if self._current is None or self._current_number > mark:
                    return  # followed; or nothing to follow yet: the next request reads the graph
                build = self._build or self._begin(self._current)
                await asyncio.shield(build.task)
            self._verified = -math.inf  # builds kept being thrown away: the next request checks and waits
        except Exception:
            # The write is committed; the store logs the fault. The next request checks and
            # finds a generation it cannot take as this process's: it waits for new reads.
            self._verified = -math.inf
            raise
        finally:
            self._following.discard(written.after)

    def _remember(self, written: Written) -> None:
        self._writes[written.before] = written
        while len(self._writes) > FOLLOWED:
            self._writes.popitem(last=False)

    def _path(self, current: Reads | None, generation: str) -> list[Written] | None:
        """The writes that lead from ``current`` to ``generation``, in order; None if not all are known."""
        if current is None:
            return None
        path: list[Written] = []
        at = current.generation
        while at != generation:
            written = self._writes.get(at)
            if written is None or len(path) >= FOLLOWED:
                return None
            path.append(written)
            at = written.after
        return path

    async def reads(self) -> Reads:
        """Return reads with every write of this process that returned before this call, and those of others
        acknowledged ``STALE`` seconds before it (under load: ``POLL`` seconds, and followed since).

        No round trip, unless the last check of the generation is older than
        ``STALE``: then one, and if it finds a generation written elsewhere, a wait
        for a build (a followed write, or the whole graph: one round trip per node
        kind and relationship type).

        Raises:
            StoreError: the store failed while reading; the next call tries again.
        """
        current = self._current
        now = time.monotonic()
        if current is None or now - self._verified >= STALE:
            return await self._checked_reads()
        if now - self._polled >= POLL and not self._polling:
            self._polling = True
            self._polled = now
            task = asyncio.ensure_future(self._poll(now))
            task.add_done_callback(lambda done: done.cancelled() or done.exception())
        return current

    async def _poll(self, began: float) -> None:
        """Check the generation in the background; begin a build if another process wrote (see the module's docstring)."""
        try:
            generation = await self._check(began)
        except StoreError as exc:
            log.warning("could not check the store's generation (%s); the next request asks again", exc)
            return
        except Exception:
            log.exception("could not check the store's generation; the next request asks again")
            return
        finally:
            self._polling = False
        current = self._current
        written_elsewhere = current is not None and current.generation != generation and generation not in self._following
        if written_elsewhere and self._build is None:
            self._begin(current)

    async def _checked_reads(self) -> Reads:
        """Reads at least as new as every write acknowledged before this call (``reads`` without ``STALE``)."""
        arrived = self._builds
        began = self._polled = time.monotonic()  # requests meanwhile take this check as theirs
        generation = await self._check(began)
        while True:
            current = self._current
            if current is not None and (
                current.generation == generation
                # Begun after this request arrived (a write landed between the two); or a write of
                # this process that is being followed before anyone is told of it.
                or self._current_number > arrived
                or generation in self._following
            ):
                return current
            build = self._build or self._begin(current)
            # Shielded: a request that gives up must not cancel the build others wait for.
            found = await asyncio.shield(build.task)
            if build.number > arrived:
                return found  # its reads all began after this request arrived
            generation = await self._store.generation()

    async def _check(self, began: float) -> str:
        """One check begun at ``began``: for writes made without kimnet when due, then the generation."""
        if began - self._checked >= OUTSIDE_CHECK:
            await self._check_outside()
        generation = await self._store.generation()
        self._verified = max(self._verified, began)
        return generation

    async def _known_path(self, current: Reads, generation: str) -> list[Written] | None:
        """The writes from ``current`` to ``generation``: told by this process, else from the store's log; None if not all known."""
        path = self._path(current, generation)
        if path is None:
            # Logged in each write's transaction: whatever made ``generation`` is in the log now.
            for written in await self._store.writes_since(current.generation):
                self._remember(written)
            path = self._path(current, generation)
        return path

    def _begin(self, current: Reads | None) -> _Build:
        self._builds += 1
        task = asyncio.ensure_future(self._refresh(self._builds, current))
        # Its waiters see its error; if they have all given up, nobody is left to be told.
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        build = self._build = _Build(self._builds, task)
        return build

    async def _check_outside(self) -> None:
        """Notice writes made without kimnet: transactions committed beyond the writes kimnet counted since its last read.

        kimnet counts its writes beside the graph (proposals, verifications) too, so they
        cost no read of the graph; a write from outside is never taken for one of kimnet's.
        """
        base = self._base
        if base is None or self._build is not None:
            # Asked again by the next request: a build in flight either reads the graph (from a
            # mark taken at its start) or follows kimnet's writes (and the base stays where it was).
            return
        self._checked = time.monotonic()
        mark = await self._store.commit_mark()
        if mark is not None and mark[0] - base[0] > mark[1] - base[1]:
            self._outside = True
            self.outside += 1
            # Read in the background while requests are answered from the current reads: kimnet
            # never acknowledged that write to anyone, so they miss nothing they were promised,
            # and a read of a state's graph takes seconds (two generations are alive meanwhile).
            self._begin(None)

    async def _refresh(self, number: int, current: Reads | None) -> Reads:
        """New reads: ``current`` with the writes since applied, if they are all known, else read from the store.

        The writes of this process are known from ``Store.listeners``; those of other
        processes (workers, replicas) from the store's log (``Store.writes_since``).
        """
        try:
            if current is not None and not self._outside:
                # Asked here, after the build began, not taken from the request that began it: that
                # request may have asked before a write that a request waiting for this build saw
                # acknowledged (the same reason _read asks again).
                generation = await self._store.generation()
                path = await self._known_path(current, generation)
                if path is not None:
                    done = _steps(path)
                    # Handed over, not captured: the worker thread lets go of its call only after the
                    # answer is out, and the old generation must not outlive the swap by that race.
                    handed = [current]
                    current = None
                    try:
                        found = await run_in_worker(lambda: handed.pop().following(generation, done))
                    except Exception:
                        # A fault in following must not stop the reads: the graph is read instead.
                        log.exception("could not follow %d writes; reading the graph again", len(path))
                    else:
                        if not self._outside:  # else served to its waiters, not kept
                            self._current, self._current_number = found, number
                        self.followed += 1
                        self._keep()  # as in _read
                        return found
            return await self._read(number)
        finally:
            self._build = None

    async def _caught_up(self, found: Reads, after: str) -> Reads:
        """``found``, read while writes landed, brought to ``after`` by those writes; as it was if they are not all known.

        A read of the whole graph takes seconds at state scale; under a write a second
        it almost never sees one generation, and thrown away it was begun again, and
        again (a write from outside then went unseen for tens of seconds). Every write
        since is in the log with all it changed as it was after it (kimnet's steps, the
        trigger's entities read now), so applied in order over a read that saw some of
        them already, they leave each entity as the last of them did.
        """
        path = await self._known_path(found, after)
        if path is None:
            return found
        done = _steps(path)
        try:
            return await run_in_worker(lambda: found.following(after, done))
        except Exception:
            log.exception("could not bring a read of the graph up to date by %d writes", len(path))
            return found

    async def _read(self, number: int) -> Reads:
        try:
            self._outside = False
            mark = await self._store.commit_mark()  # before the reads: whatever commits after counts
            before = await self._store.generation()
            # Millions of objects that stay (see graph.stores.collector): the collector rests meanwhile.
            with collector.paused():
                index = await read_index(self._store)
                after = await self._store.generation()
                found = await run_in_worker(lambda: Reads(before, index, keep=self._keep))
                if before != after and not self._outside:
                    found = await self._caught_up(found, after)
                if found.generation == after and not self._outside:
                    self._current, self._current_number = found, number
                    self._base, self._checked = mark, time.monotonic()
                    self.kept += 1
                    # One pass first (0.4 s at state scale, in a worker thread): what other requests
                    # left in cycles while the collector rested is not to be kept with the index.
                    await run_in_worker(gc.collect)
                    # And what the read freed back to the system (see graph.stores.collector).
                    await run_in_worker(collector.give_back)
                    self._keep()  # the index lives until the next write
                else:
                    self.discarded += 1
            return found
        finally:
            self._build = None


def _forget(listeners: list[Callable[[Written], Awaitable[None]]], wrote: Callable[[Written], Awaitable[None]]) -> None:
    """Take a dead cache's listener off its store, unless whoever holds the store did already."""
    with contextlib.suppress(ValueError):
        listeners.remove(wrote)


def _steps(path: list[Written]) -> list[Step]:
    """The steps of the writes of ``path`` in order (a ``replace_all`` is never remembered: each has steps)."""
    return [step for written in path for step in written.steps or ()]
