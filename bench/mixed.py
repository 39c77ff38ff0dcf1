"""Reads under writes, in one process: referrals and gap reports at concurrency 8 while a writer updates offers.

``python -m bench.mixed [--scale 0.1] [--seconds 20] [--rates 1 10]`` loads the
synthetic state at ``--scale`` into an embedded store in a temporary folder and,
per rate, runs 8 readers (referrals for random cases, and every eighth request the
whole gap report) through the GraphQL schema, in-process, while a writer updates
one offer's name ``rate`` times a second. It prints p50 and p99 of referral, gap
report and write, how many reads were followed or rebuilt, and the freshness:
time from a write's acknowledgement until a referral reads the new name (same
process). Printed figures, not a test. Not yet the issue's full benchmark: no HTTP,
one process, no Neo4j or second worker.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import tempfile
import time
from pathlib import Path

from kimnet.graph.io.synthetic import nrw
from kimnet.graph.model.changes import UpdateNode
from kimnet.graph.read.readcache import ReadCache
from kimnet.graph.stores.embedded import EmbeddedStore
from kimnet.schema.access import Principal, Role
from kimnet.schema.context import Context
from kimnet.schema.root import schema

READERS = 8
DAY = "2021-07-01"
REFERRAL = (
    "query($case: CaseInput!) { referral(case: $case) { needs { need { key } offers { offer { key } level } } "
    "excluded { offer { key } } conference { anchor { key } members { organisation { key } } } } }"
)
GAPS = 'query { coverageGaps(asOf: "2021-07-01") { municipality { key } need { key } population } }'
PRINCIPAL = Principal("bench", Role.ADMIN)


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def _run(cache: ReadCache, store: EmbeddedStore, query: str, variables: dict[str, object] | None = None) -> None:
    context = Context(store, principal=PRINCIPAL, cache=cache)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    assert not result.errors, result.errors


async def _measure(store: EmbeddedStore, cache: ReadCache, rate: float, seconds: float, seed: int) -> None:
    index = (await cache.reads()).index
    towns, needs = list(index.kinds["Municipality"]), list(index.kinds["Need"])
    offer = next(iter(index.offers))
    rng = random.Random(seed)
    times: dict[str, list[float]] = {"referral": [], "gap report": [], "write": []}
    freshness: list[float] = []
    until = time.monotonic() + seconds
    kept, followed = cache.kept, cache.followed

    async def reader(number: int) -> None:
        count = 0
        while time.monotonic() < until:
            count += 1
            start = time.perf_counter()
            if count % 8 == number % 8 == 0:
                await _run(cache, store, GAPS)
                times["gap report"].append(time.perf_counter() - start)
            else:
                case = {"municipality": rng.choice(towns), "age": rng.randint(16, 60), "needs": rng.sample(needs, 2), "asOf": DAY}
                await _run(cache, store, REFERRAL, {"case": case})
                times["referral"].append(time.perf_counter() - start)
            # The embedded store never waits for I/O: without this, readers would hold the loop (a server yields to HTTP).
            await asyncio.sleep(0)

    async def writer() -> None:
        version = (await store.get_nodes([offer]))[offer].version
        number = 0
        while time.monotonic() < until:
            number += 1
            start = time.perf_counter()
            await store.write([UpdateNode(offer, version, {"name": f"Angebot {number}"})])
            acknowledged = time.perf_counter()
            times["write"].append(acknowledged - start)
            version += 1
            # Polling is the measurement: what a referral would read, as soon as it reads it.
            while (await cache.reads()).index.by_id[offer].props.get("name") != f"Angebot {number}":  # noqa: ASYNC110
                await asyncio.sleep(0.001)
            freshness.append(time.perf_counter() - acknowledged)
            await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - start)))

    await asyncio.gather(writer(), *(reader(i) for i in range(READERS)))
    print(
        f"\n{rate:g} writes/s, {READERS} readers, {seconds:g} s: {cache.followed - followed} followed, {cache.kept - kept} rebuilt"
    )
    for name, found in times.items():
        ms = [t * 1000 for t in found]
        print(f"  {name:12} n={len(ms):6}  p50 {_pct(ms, 50):8.1f} ms  p99 {_pct(ms, 99):8.1f} ms")
    ms = [t * 1000 for t in freshness]
    print(f"  {'freshness':12} n={len(ms):6}  p50 {_pct(ms, 50):8.1f} ms  p99 {_pct(ms, 99):8.1f} ms")
    if ms:
        print(f"  mean freshness {statistics.mean(ms):.1f} ms")


async def main_async(scale: float, seconds: float, rates: list[float]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = EmbeddedStore.open(Path(folder) / "store")
        try:
            data = nrw(scale=scale)
            await store.replace_all(data)
            print(
                f"embedded store, synthetic state at scale {scale}: {len(data.nodes):,} entities, {len(data.edges):,} relationships"
            )
            cache = ReadCache(store, keep=gc.freeze)  # as the service keeps it
            await _run(cache, store, GAPS)  # warm: the index and the day's catalogue
            for rate in rates:
                await _measure(store, cache, rate, seconds, seed=1)
        finally:
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rates", type=float, nargs="+", default=[1.0, 10.0])
    args = parser.parse_args()
    asyncio.run(main_async(args.scale, args.seconds, args.rates))


if __name__ == "__main__":
    main()
