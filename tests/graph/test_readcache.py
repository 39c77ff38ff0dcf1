"""The read cache: answers from memory that follow every write through kimnet, on both stores."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import subprocess
import sys
import threading
import weakref

import pytest

from kimnet.graph.model.changes import CreateNode, Link, Step
from kimnet.graph.model.errors import StoreUnavailableError
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.read import readcache
from kimnet.graph.read.index import GraphIndex, read_index
from kimnet.graph.read.readcache import ReadCache
from kimnet.graph.read.reads import Reads
from kimnet.graph.stores.neo4j import Neo4jStore
from kimnet.graph.stores.store import Store, Written
from tests.conftest import NEO4J_PASSWORD, NEO4J_URI
from tests.schema.conftest import make_runner

DAY = "2021-07-01"

GAPS = """{ coverageGaps(programme: "prog:durchstarten", asOf: "2021-07-01") { municipality { key } programme { key } } }"""

REFERRAL = """{ referral(case: {municipality: "mun:olfen", needs: ["need:ausbildung"], age: 22, asOf: "2021-07-01"}) {
  needs { offers { offer { key } } } excluded { offer { key } } conference { members { organisation { key } } } } }"""

#: An offer of module 5 of Durchstarten for the whole county: the gap the seed has everywhere closes.
MODULE_5 = [
    CreateNode(Node("Service", "svc:b5-kreis", {"name": "Baustein 5 im Kreis", "minAge": 18, "maxAge": 27})),
    Link(Edge("PROVIDES", "org:geba", "svc:b5-kreis")),
    Link(Edge("ADDRESSES", "svc:b5-kreis", "need:ausbildung")),
    Link(Edge("FUNDED_BY", "svc:b5-kreis", "prog:durchstarten-b5")),
    Link(Edge("AVAILABLE_IN", "svc:b5-kreis", "reg:kreis-coesfeld")),
]


def _module_5_gaps(data: dict[str, object]) -> int:
    gaps = data["coverageGaps"]
    assert isinstance(gaps, list)
    return sum(g["programme"]["key"] == "prog:durchstarten-b5" for g in gaps)


def _offers(data: dict[str, object]) -> list[str]:
    referral = data["referral"]
    assert isinstance(referral, dict)
    return [o["offer"]["key"] for need in referral["needs"] for o in need["offers"]]


async def test_the_graph_is_read_with_the_cyclic_collector_paused(seeded: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    during: list[bool] = []

    async def reading(store: Store) -> GraphIndex:
        during.append(gc.isenabled())
        return await read_index(store)

    monkeypatch.setattr(readcache, "read_index", reading)
    await ReadCache(seeded).reads()
    assert during == [False]
    assert gc.isenabled()  # and running again after


class _Cycle:
    me: object = None


async def test_what_requests_drop_in_cycles_during_a_read_is_collected_not_frozen(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped: list[weakref.ref[_Cycle]] = []

    async def reading(store: Store) -> GraphIndex:
        garbage = _Cycle()
        garbage.me = garbage  # freed only by the cyclic collector, which is paused here
        dropped.append(weakref.ref(garbage))
        del garbage
        return await read_index(store)

    monkeypatch.setattr(readcache, "read_index", reading)
    await ReadCache(seeded, keep=gc.freeze).reads()  # kept, and frozen out of the collector's passes (as the service does)
    assert dropped[0]() is None


async def test_cached_answers_change_right_after_a_write(seeded: Store) -> None:
    cache = ReadCache(seeded)
    run = make_runner(seeded, cache=cache)
    assert _module_5_gaps(await run(GAPS)) == 11
    assert "svc:b5-kreis" not in _offers(await run(REFERRAL))
    cached = await cache.reads()
    assert await cache.reads() is cached  # the same generation: the same reads
    await seeded.write(MODULE_5)
    assert _module_5_gaps(await run(GAPS)) == 0
    assert "svc:b5-kreis" in _offers(await run(REFERRAL))
    assert await cache.reads() is not cached


async def test_a_referral_world_is_made_once_per_place_day_and_needs_and_not_per_person(seeded: Store) -> None:
    cache = ReadCache(seeded)
    run = make_runner(seeded, cache=cache)
    young, older = REFERRAL, REFERRAL.replace("age: 22", "age: 40")
    assert _offers(await run(young)) != _offers(await run(older))  # the person still decides
    reads = await cache.reads()
    day = dt.date(2021, 7, 1)
    world = reads.referral_world("mun:olfen", day, ["need:ausbildung"])
    assert reads.referral_world("mun:olfen", day, ("need:ausbildung",)) is world
    both = reads.referral_world("mun:olfen", day, ["need:ausbildung", "need:sprache"])
    assert reads.referral_world("mun:olfen", day, ["need:sprache", "need:ausbildung"]) is both is not world
    assert reads.referral_world("mun:duelmen", day, ["need:ausbildung"]) is not world


async def test_cached_answers_change_right_after_an_import(seeded: Store, seed_data: GraphData) -> None:
    run = make_runner(seeded)
    await seeded.write(MODULE_5)
    assert _module_5_gaps(await run(GAPS)) == 0
    await seeded.replace_all(seed_data)
    assert _module_5_gaps(await run(GAPS)) == 11


async def test_while_the_store_is_unchanged_requests_within_a_poll_cost_no_round_trip(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Within a poll by construction: the first request's read of the graph (90 ms here on Neo4j, a
    # third of it the cyclic collector's pass over the test process) took the second past POLL.
    monkeypatch.setattr(readcache, "POLL", 60.0)
    run = make_runner(seeded)
    await run(REFERRAL)
    seeded.round_trips = 0
    await run(REFERRAL)
    await run(GAPS)
    assert seeded.round_trips == 0  # the check of the first request serves them
    monkeypatch.setattr(readcache, "STALE", 0.0)
    await run(REFERRAL)
    await run(GAPS)
    assert seeded.round_trips == 2  # the generation, once per request


async def test_a_write_of_another_process_is_followed_in_the_background_while_requests_are_answered(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readcache, "POLL", 0.0)  # every request starts a check, in the background
    cache = ReadCache(seeded)
    before = await cache.reads()
    told = list(seeded.listeners)
    seeded.listeners.clear()  # the cache is not told: a write of another process
    await seeded.write(MODULE_5[:1])
    seeded.listeners.extend(told)
    assert await asyncio.wait_for(cache.reads(), 5) is before  # answered at once; the check runs meanwhile
    for _ in range(500):
        found = await cache.reads()
        if found is not before:
            break
        await asyncio.sleep(0.01)
    assert "svc:b5-kreis" in found.index.offers
    assert cache.kept + cache.followed == 2


async def test_concurrent_first_requests_share_one_build(seeded: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ReadCache(seeded)
    builds = 0

    async def counted(store: Store) -> GraphIndex:
        nonlocal builds
        builds += 1
        return await read_index(store)

    monkeypatch.setattr(readcache, "read_index", counted)
    found = await asyncio.gather(*(cache.reads() for _ in range(10)))
    assert builds == 1
    assert all(r is found[0] for r in found)
    assert (cache.kept, cache.discarded) == (1, 0)


async def test_a_build_torn_by_a_write_it_cannot_follow_is_served_to_its_requests_but_not_kept(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A torn build is brought up to date by the writes that tore it (test_index_update); when they are not known, it is dropped."""
    cache = ReadCache(seeded)

    async def nothing(generation: str) -> list[Written]:
        return []  # the log no longer reaches back

    async def torn(store: Store) -> GraphIndex:
        index = await read_index(store)
        await store.write(MODULE_5[:1])  # lands while the reads are going on
        cache._writes.clear()  # ... and the cache was not told of it (another process's, beyond the log)
        return index

    monkeypatch.setattr(seeded, "writes_since", nothing)
    monkeypatch.setattr(readcache, "read_index", torn)
    first = await cache.reads()
    assert "svc:b5-kreis" not in first.index.offers
    assert (cache.kept, cache.discarded) == (0, 1)
    monkeypatch.undo()
    second = await cache.reads()
    assert "svc:b5-kreis" in second.index.offers
    assert (cache.kept, cache.discarded) == (1, 1)


async def test_a_request_never_takes_a_build_that_began_before_it(seeded: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ReadCache(seeded)
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(store: Store) -> GraphIndex:
        index = await read_index(store)
        started.set()
        await release.wait()
        return index

    monkeypatch.setattr(readcache, "read_index", slow)
    early = asyncio.ensure_future(cache.reads())
    await started.wait()  # the early build has read the graph
    await seeded.write(MODULE_5[:1])  # acknowledged before the late request asks
    monkeypatch.undo()
    late = asyncio.ensure_future(cache.reads())
    await asyncio.sleep(0)
    release.set()
    await early  # with the write or without (a build torn by a write is brought up to date when it can be)
    assert "svc:b5-kreis" in (await late).index.offers


async def test_a_request_that_asked_before_a_write_takes_the_reads_built_after_it(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readcache, "STALE", 0.0)  # every request waits for a check of the generation
    cache = ReadCache(seeded)
    await cache.reads()
    real = seeded.generation
    asked, answer = asyncio.Event(), asyncio.Event()

    async def slow() -> str:  # the old generation, heard late
        token = await real()
        asked.set()
        await answer.wait()
        return token

    monkeypatch.setattr(seeded, "generation", slow)
    late = asyncio.ensure_future(cache.reads())
    await asked.wait()
    monkeypatch.undo()
    await seeded.write(MODULE_5[:1])
    fresh = await cache.reads()
    answer.set()
    assert await late is fresh  # not a third build
    assert cache.kept + cache.followed == 2


async def test_no_request_waits_for_a_write_of_this_process_and_each_after_it_sees_it(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readcache, "STALE", 0.0)  # every request waits for a check of the generation
    cache = ReadCache(seeded)
    before = await cache.reads()
    following, release = threading.Event(), threading.Event()  # set by one thread, seen by another
    real = Reads.following

    def held(reads: Reads, generation: str, done: list[Step]) -> Reads:
        following.set()
        release.wait(10)  # in a worker thread: the event loop goes on meanwhile
        return real(reads, generation, done)

    monkeypatch.setattr(Reads, "following", held)
    write = asyncio.ensure_future(seeded.write(MODULE_5[:1]))
    assert await asyncio.to_thread(following.wait, 10)
    assert not write.done()  # the write returns once it is followed
    during = await asyncio.wait_for(cache.reads(), 5)  # answered at once, from the reads it found
    assert during is before
    assert "svc:b5-kreis" not in during.index.offers
    release.set()
    await write
    after = await cache.reads()
    assert "svc:b5-kreis" in after.index.offers
    assert (cache.kept, cache.followed) == (1, 1)


async def test_a_failed_build_fails_its_requests_and_the_next_request_builds_again(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ReadCache(seeded)

    async def down(store: Store) -> GraphIndex:
        raise StoreUnavailableError("the database is down")

    monkeypatch.setattr(readcache, "read_index", down)
    with pytest.raises(StoreUnavailableError):
        await asyncio.gather(cache.reads(), cache.reads())
    monkeypatch.undo()
    assert "svc:ds-coaching-cv" in (await cache.reads()).index.offers


async def test_a_cache_whose_listener_its_store_let_go_of_dies_quietly(seeded: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests take every listener off the shared Neo4j store before each test (tests/conftest.py)."""
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    cache = ReadCache(seeded)
    seeded.listeners.clear()
    gone = weakref.ref(cache)
    del cache
    gc.collect()
    assert gone() is None
    assert unraisable == []


async def test_the_cache_lets_go_of_an_old_generation(seeded: Store) -> None:
    cache = ReadCache(seeded)
    old = weakref.ref(await cache.reads())
    await seeded.write(MODULE_5[:1])
    await cache.reads()
    gc.collect()
    assert old() is None


async def test_a_day_is_a_key_of_the_catalogues_not_a_stale_answer(seeded: Store) -> None:
    cached = await ReadCache(seeded).reads()
    before, after = cached.catalogue(dt.date(2021, 7, 1)), cached.catalogue(dt.date(2023, 7, 1))
    assert before is cached.catalogue(dt.date(2021, 7, 1))
    assert before is not after


@pytest.mark.neo4j
async def test_a_write_through_another_neo4j_store_is_seen(neo4j_store: Neo4jStore | None, seed_data: GraphData) -> None:
    assert neo4j_store is not None
    await neo4j_store.replace_all(seed_data)
    run = make_runner(neo4j_store)
    assert _module_5_gaps(await run(GAPS)) == 11
    other = await Neo4jStore.connect(NEO4J_URI, "neo4j", NEO4J_PASSWORD)  # another process would have its own
    try:
        await other.write(MODULE_5)
    finally:
        await other.close()
    await asyncio.sleep(readcache.STALE)  # a write of another process is seen within STALE
    assert _module_5_gaps(await run(GAPS)) == 0


#: Writes MODULE_5's offer from another process, through kimnet's store (argv: URI, password).
WRITER = """
import asyncio, sys
from kimnet.graph.model.changes import CreateNode, Link, Step
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.stores.neo4j import Neo4jStore

async def main():
    store = await Neo4jStore.connect(sys.argv[1], "neo4j", sys.argv[2])
    await store.write([
        CreateNode(Node("Service", "svc:b5-kreis", {"name": "Baustein 5 im Kreis"})),
        Link(Edge("FUNDED_BY", "svc:b5-kreis", "prog:durchstarten-b5")),
        Link(Edge("AVAILABLE_IN", "svc:b5-kreis", "reg:kreis-coesfeld")),
    ])
    await store.close()

asyncio.run(main())
"""


@pytest.mark.neo4j
async def test_a_write_from_another_process_is_seen(neo4j_store: Neo4jStore | None, seed_data: GraphData) -> None:
    assert neo4j_store is not None
    await neo4j_store.replace_all(seed_data)
    run = make_runner(neo4j_store)
    assert _module_5_gaps(await run(GAPS)) == 11
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", WRITER, NEO4J_URI, NEO4J_PASSWORD], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    await asyncio.sleep(readcache.STALE)  # a write of another process is seen within STALE
    assert _module_5_gaps(await run(GAPS)) == 0
