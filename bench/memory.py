"""Resident memory of one kimnet worker at state scale, stage by stage (printed figures, not a test).

    .venv/bin/python -m bench.memory [--scale 1.0] [--store embedded|neo4j --neo4j-uri bolt://...]

What a worker goes through, in one process, through ``schema.execute`` (no HTTP):
the imports a worker makes (``kimnet.service.app``, uvicorn), the store opened,
the first read of the graph (the read cache's index), ``--requests`` referrals
and gap reports (``bench.views``' views c and d; every eighth request the gap
report), ``--writes`` renames of an offer through the ``updateService`` mutation,
each followed by the read cache, then ``--outside`` writes made without kimnet,
each noticed and read again in full while referrals go on (on Neo4j a Cypher
``SET`` through a driver of its own, noticed by ``ReadCache._check_outside`` as a
worker notices it; embedded has no writer but kimnet, so the cache is told as
``_check_outside`` tells it), the first requests again, and last referrals of
``--worlds`` cases in distinct places, each in German and in English: the most
referral worlds (``graph.read.reads.WORLDS``) the read cache keeps, with what
the answers share in each. After each stage it prints the resident memory now
(VmRSS) and at its peak so far (VmHWM), and the CPU time the stage took.

The embedded store is made in a subprocess (``kimnet load synthetic:nrw
--data-dir``, in a temporary folder) so that making the network does not count;
on Neo4j the graph there is used as it is (``--load`` replaces it first, also in a
subprocess). The read cache is made as the service makes it (``keep=Freezer()``).

``--top N`` also prints, after each stage, the N source lines that hold the most
memory by tracemalloc (slow: tracing doubles a read's time).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.machine import memory_mb

ROOT = Path(__file__).resolve().parent.parent
KIMNET = Path(sys.executable).parent / "kimnet"
PASSWORD = "kimnet-dev-password"

UPDATE = (
    "mutation($id: ID!, $version: Int!, $name: String!) { updateService(id: $id, version: $version, input: {name: $name}) "
    "{ entity { version } errors { code message } } }"
)
# What a data engineer's tool would run: no kimnet, no log step, no version (as bench.mixed_http's writer).
CYPHER_RENAME = "MATCH (s:Entity {id: $id}) SET s.name = $name"


class Stages:
    """Prints one line per stage: resident memory now and at peak, and the stage's CPU and wall time."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.cpu, self.wall = time.process_time(), time.perf_counter()
        self.rows: list[tuple[str, float, float]] = []

    def mark(self, stage: str, note: str = "") -> None:
        now, peak = memory_mb()
        cpu, wall = time.process_time() - self.cpu, time.perf_counter() - self.wall
        self.rows.append((stage, now, peak))
        print(f"{stage:44} RSS {now:6.0f} MB  peak {peak:6.0f} MB  cpu {cpu:6.2f} s  wall {wall:6.2f} s  {note}", flush=True)
        if self.top:
            import tracemalloc

            snapshot = tracemalloc.take_snapshot()
            total = sum(s.size for s in snapshot.statistics("filename"))
            print(f"  tracemalloc: {total / 2**20:.1f} MB traced")
            for stat in snapshot.statistics("lineno")[: self.top]:
                frame = stat.traceback[0]
                print(f"  {stat.size / 2**20:7.1f} MB {stat.count:9,} blocks  {frame.filename}:{frame.lineno}")
        self.cpu, self.wall = time.process_time(), time.perf_counter()


def _cases(towns: list[str], needs: list[str], seed: int, count: int) -> list[dict[str, Any]]:
    """View c's cases, drawn as ``bench.views.choose_variants`` draws them (the same cases for the same seed)."""
    rng = random.Random(seed)
    statuses = ["DULDUNG", "GESTATTUNG", "AUFENTHALTSERLAUBNIS", "EU", None]
    cases = []
    for municipality in rng.sample(towns, count):
        case: dict[str, Any] = {"municipality": municipality, "needs": rng.sample(needs, rng.randint(1, 2)), "asOf": "2025-06-01"}
        case["age"] = rng.randint(16, 60)
        if status := rng.choice(statuses):
            case["residenceStatus"] = status
        case["languages"] = rng.sample(["ar", "fa", "tr", "uk", "en"], rng.randint(0, 2))
        cases.append(case)
    return cases


def _load(args: argparse.Namespace, where: list[str]) -> None:
    command = [str(KIMNET), "load", "synthetic:nrw", "--seed", str(args.seed), "--scale", str(args.scale), *where]
    env = {**os.environ, "KIMNET_NEO4J_PASSWORD": args.neo4j_password}
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)


async def main_async(args: argparse.Namespace, stages: Stages, folder: Path) -> dict[str, str]:
    """Run the stages; return the answers of the first stage of requests, by case."""
    # What a worker imports (the app and its server), before anything is read.
    import uvicorn  # noqa: F401

    from kimnet.service import app  # noqa: F401

    stages.mark("imports (kimnet.service.app, uvicorn)")

    from bench.views import DAY, GAPS_KIMNET, REFERRAL_KIMNET
    from kimnet.graph.read.readcache import ReadCache
    from kimnet.graph.read.reads import WORLDS
    from kimnet.graph.read.workers import SWITCH_INTERVAL
    from kimnet.graph.stores.collector import Freezer
    from kimnet.schema.access import Principal, Role
    from kimnet.schema.context import Context
    from kimnet.schema.root import schema
    from kimnet.schema.wording import LANGUAGES, Language
    from kimnet.service.config import Secret, Settings
    from kimnet.service.stores import open_store

    # As a worker opens it (service.stores: the driver is imported only for Neo4j).
    if args.store == "embedded":
        settings = Settings(data_dir=folder / "store")
    else:
        settings = Settings(neo4j_uri=args.neo4j_uri, neo4j_password=Secret(args.neo4j_password))
    store = await open_store(settings)
    # As the service's lifespan makes it (service.app).
    cache = ReadCache(store, keep=Freezer())
    sys.setswitchinterval(SWITCH_INTERVAL)
    stages.mark(f"store opened ({store.name})")

    reads_cpu: list[float] = []
    cpu = time.process_time()
    reads = await cache.reads()
    reads_cpu.append(time.process_time() - cpu)
    index = reads.index
    stages.mark("first read of the graph", f"(read cpu {reads_cpu[-1]:.2f} s; {len(index.by_id):,} nodes)")

    principal = Principal("bench", Role.ADMIN)
    towns = sorted(
        i
        for i, n in index.kinds["Municipality"].items()
        if isinstance(p := n.props.get("population"), int) and 10_000 <= p <= 200_000
    )
    needs = sorted(index.kinds["Need"])
    cases = _cases(towns, needs, args.seed, 16)
    del reads, index

    async def ask(query: str, variables: dict[str, Any], language: Language = "en") -> dict[str, Any]:
        context = Context(store, cache=cache, principal=principal, language=language)
        result = await schema.execute(query, variable_values=variables, context_value=context)
        assert not result.errors, result.errors
        assert result.data is not None
        return result.data

    answers: dict[str, str] = {}

    async def request(number: int) -> None:
        if number % 8 == 7:
            data = await ask(GAPS_KIMNET, {"day": DAY})
            key = "gaps"
        else:
            case = cases[number % len(cases)]
            data = await ask(REFERRAL_KIMNET, {"case": case})
            key = json.dumps(case, sort_keys=True)
        answers.setdefault(key, json.dumps(data, sort_keys=True))

    for number in range(args.requests):
        await request(number)
    stages.mark(f"{args.requests} referrals and gap reports", f"({len(answers)} distinct answers)")
    first = dict(answers)  # to compare two versions byte for byte: before any write of this run

    # An offer the first referral lists, renamed through kimnet and followed (no read of the graph).
    listed = [
        o["offer"]["key"]
        for case in cases
        for n in (await ask(REFERRAL_KIMNET, {"case": case}))["referral"]["needs"]
        for o in n["offers"]
    ]
    offer = listed[0]
    version_query = "query($id: ID!) { node(id: $id) { ... on Service { version } } }"
    version = (await ask(version_query, {"id": offer}))["node"]["version"]
    name_query = "query($id: ID!) { node(id: $id) { ... on Service { name } } }"
    original = (await ask(name_query, {"id": offer}))["node"]["name"]
    for number in range(args.writes):
        data = await ask(UPDATE, {"id": offer, "version": version, "name": f"bench memory {number}"})
        assert not data["updateService"]["errors"], data
        version = data["updateService"]["entity"]["version"]
        await request(number)
    stages.mark(f"{args.writes} writes through kimnet, followed", f"(followed {cache.followed}, read {cache.kept})")

    for number in range(args.outside):
        kept = cache.kept
        if args.store == "neo4j":
            import neo4j

            driver = neo4j.AsyncGraphDatabase.driver(args.neo4j_uri, auth=("neo4j", args.neo4j_password))
            try:
                await driver.execute_query(CYPHER_RENAME, id=offer, name=f"bench memory outside {number}")
            finally:
                await driver.close()
            await asyncio.sleep(2.05)  # OUTSIDE_CHECK: the next request compares commit marks
        else:
            # The embedded store has no writer but kimnet: tell the cache as _check_outside does when it notices one.
            cache._outside = True
            cache.outside += 1
            cache._begin(None)
        # Requests go on while the graph is read again in the background, until the new reads are kept.
        cpu = time.process_time()
        served = 0
        while cache.kept == kept:
            await request(served)
            served += 1
            await asyncio.sleep(0.05)
        reads_cpu.append(time.process_time() - cpu)
        stages.mark(f"write from outside {number + 1}, read again", f"(cpu with {served} requests {reads_cpu[-1]:.2f} s)")

    for number in range(args.requests):
        await request(number)
    stages.mark(f"{args.requests} referrals and gap reports again")

    # The most that referrals make a worker keep: every referral world the read cache keeps, each of a
    # case in another municipality or for other needs, answered in German and in English.
    every = _cases(towns, sorted(needs), args.seed + 1, min(args.worlds, len(towns)))
    for case in every:
        for language in LANGUAGES:
            await ask(REFERRAL_KIMNET, {"case": case}, language)
    stages.mark(f"referrals in {len(every)} places (reads.WORLDS {WORLDS}), de and en")
    # The offer's name as it was (on Neo4j the graph outlives the run: the next run's answers must be the same).
    version = (await ask(version_query, {"id": offer}))["node"]["version"]
    data = await ask(UPDATE, {"id": offer, "version": version, "name": original})
    assert not data["updateService"]["errors"], data
    await store.close()
    return first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--store", choices=("embedded", "neo4j"), default="embedded")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=64, help="referrals and gap reports per stage (default 64)")
    parser.add_argument("--writes", type=int, default=20, help="renames through kimnet (default 20)")
    parser.add_argument(
        "--worlds", type=int, default=160, help="cases in distinct places at the end, each asked in de and en (default 160)"
    )
    parser.add_argument("--outside", type=int, default=2, help="writes from outside, each read again (default 2)")
    parser.add_argument("--neo4j-uri", help="the Neo4j to read (with --store neo4j), e.g. bolt://127.0.0.1:7687")
    parser.add_argument("--neo4j-password", default=PASSWORD)
    parser.add_argument("--load", action="store_true", help="neo4j: replace its graph with the synthetic state first")
    parser.add_argument("--answers", help="write the first stage's answers to this file (to compare versions)")
    parser.add_argument("--top", type=int, default=0, help="also print the N lines holding most memory (tracemalloc)")
    args = parser.parse_args()
    if args.store == "neo4j" and not args.neo4j_uri:
        parser.error("--store neo4j needs --neo4j-uri")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        if args.store == "embedded":
            _load(args, ["--data-dir", str(folder / "store")])
        elif args.load:
            _load(args, ["--neo4j-uri", args.neo4j_uri])
        if args.top:
            import tracemalloc

            tracemalloc.start()
        print(
            f"kimnet memory, {args.store}: synthetic:nrw seed {args.seed} scale {args.scale}; "
            f"{args.requests} requests a stage, {args.writes} writes, {args.outside} from outside; Python {sys.version.split()[0]}",
            flush=True,
        )
        stages = Stages(args.top)
        stages.mark("start")
        answers = asyncio.run(main_async(args, stages, folder))
    if args.answers:
        Path(args.answers).write_text(json.dumps(answers, sort_keys=True, indent=0))


if __name__ == "__main__":
    main()
