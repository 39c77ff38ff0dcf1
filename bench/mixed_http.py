"""Reads under writes over HTTP, at state scale, on both stores (printed figures, not a test).

Run by ``bench/mixed`` (which installs what it needs first). It reuses
``bench/run``'s setup: its own Neo4j (``--bolt-port``, with its own home), the
synthetic NRW network imported into Neo4j and into an embedded store. Then, per
store, it starts kimnet on loopback (on Neo4j with ``--workers`` uvicorn
workers, embedded in one process: that store belongs to one) and runs phases of
``--seconds`` each:

- 8 readers, each on its own keep-alive connection (spread evenly over the
  workers), send referrals (``bench.views``' view c, rotating through its cases)
  and make every eighth request the coverage-gap report of all municipalities;
- a writer renames one offer ``rate`` times a second: through kimnet's
  ``updateService`` mutation (1, then 10 writes/s), and on Neo4j also directly
  in Cypher through the driver (1 write/s), as a tool other than kimnet would;
- a prober per worker asks a referral that lists the offer, every 20 ms while a
  write is unseen there: on the workers that did *not* take the write (which
  worker answered is in ``X-Kimnet-Worker``; each prober keeps to its worker,
  though uvicorn closes a connection idle for 5 s), and on every worker for
  writes in Cypher. Freshness is the time from a write's
  acknowledgement until the prober's answer shows it (or a later write): for
  Cypher, until every worker's does. Embedded has one process: there it is seen
  by that process, through another connection.

Before the measured phases, a warm-up phase (``--warm-up`` seconds, its row printed
but held against no target) runs the same readers while the writer makes 10 writes
a second, on Neo4j every other one in Cypher: Neo4j's JVM compiles the code that
each kind of work runs hot during its first minutes (its C2 compiler threads took
2.5 to 4.2 s of every 30 s phase on this machine, against 1 s in a fourth, and the
referral's p99 at 1 write/s through kimnet was 7 to 9 ms higher in the first phase than
in the same phase run again), and the issue's targets are about a service that has
been up for a while. The CPU of those compiler threads is printed per phase.

Before each store's phases it waits, up to a minute, until the cores were 90 %
idle over a second: Neo4j works on for a while after an import and after its
phases, and the next store's figures would measure that. It prints, per phase, the
CPU kimnet's workers used per request (the same work takes more CPU time on a
machine that runs it slower: on Neo4j at 1 write/s 4.4 ms in one run, 6.0 in the
next, five minutes later) and the CPU its Neo4j used.

It prints p50 and p99 of referral, gap report and write, the freshness, the
resident memory of each kimnet process at the end, the load average, and the
targets of issue 13 beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j

from bench.load import HttpClient, graphql_body
from bench.machine import compiler_seconds, cpu_seconds, memory_mb, quiet
from bench.mixed_report import Phase, report, row
from bench.questions import _neo4j, store_names
from bench.run import CACHE, PASSWORD, PYTHON, ROOT, Setup, _kimnet_env, _load, _neo4j_env, _wait_for
from bench.views import DAY, GAPS_KIMNET, REFERRAL_KIMNET, choose_variants

READERS = 8
GAP_EVERY = 8  # every eighth request of a reader is the gap report
PROBE_EVERY = 0.02  # seconds between a prober's referrals while a write is unseen
QUIET = 0.9  # idle share of the cores that a store's phases wait for (``bench.machine.quiet``)
STORES = ("kimnet-neo4j", "kimnet-embedded")

PROBE = "query($case: CaseInput!) { referral(case: $case) { needs { offers { offer { key name } } } } }"
VERSION = "query($id: ID!) { node(id: $id) { ... on Service { version } } }"
UPDATE = (
    "mutation($id: ID!, $version: Int!, $name: String!) { updateService(id: $id, version: $version, input: {name: $name}) "
    "{ entity { version } errors { code message } } }"
)
# What a data engineer's tool would run: no kimnet, no log step, no version.
CYPHER_RENAME = "MATCH (s:Entity {id: $id}) SET s.name = $name"

#: The phases: (label, writes per second, through "kimnet" or "cypher").
PHASES = (("1 write/s, kimnet", 1.0, "kimnet"), ("10 writes/s, kimnet", 10.0, "kimnet"), ("1 write/s, Cypher", 1.0, "cypher"))

#: The warm-up before them (see the module's docstring): on Neo4j every other write in Cypher ("both").
WARM_UP = {
    "kimnet-neo4j": ("warm-up: 10 writes/s, kimnet and Cypher", 10.0, "both"),
    "kimnet-embedded": ("warm-up: 10 writes/s, kimnet", 10.0, "kimnet"),
}


@dataclass(slots=True)
class Target:
    """What a run is for: the offer renamed, a case whose referral lists it, the cases readers rotate through."""

    offer: str
    probe_case: dict[str, Any]
    cases: list[dict[str, Any]]


async def _ok(client: HttpClient, body: bytes) -> bytes:
    status, answer = await client.post(body)
    if status != 200 or b'"errors"' in answer[:12]:
        raise SystemExit(f"bench: {status} {answer[:400]!r}")
    return answer


async def _by_worker(port: int, headers: dict[str, str], per_worker: int, workers: int) -> dict[str, list[HttpClient]]:
    """Keep-alive connections, ``per_worker`` on each of the ``workers`` processes (a connection stays with one)."""
    pools: dict[str, list[HttpClient]] = {}
    for _ in range(50 * per_worker * workers):
        if len(pools) == workers and all(len(p) >= per_worker for p in pools.values()):
            return pools
        client = HttpClient("127.0.0.1", port, "/graphql", headers)
        await _ok(client, graphql_body("{ __typename }", {}))
        pool = pools.setdefault(client.headers["x-kimnet-worker"], [])
        if len(pool) < per_worker:
            pool.append(client)
        else:
            await client.close()
    raise SystemExit(f"bench: could not reach {workers} workers with {per_worker} connections each: {list(pools)}")


class Pinned:
    """Requests answered by one worker: uvicorn closes a connection idle for 5 s, and a new one may reach another."""

    def __init__(self, worker: str, client: HttpClient) -> None:
        self.worker, self.client = worker, client

    async def post(self, body: bytes) -> bytes:
        return await self._pinned(lambda: self.client.post(body))

    async def get(self, path: str) -> bytes:
        return await self._pinned(lambda: self.client.get(path))

    async def _pinned(self, send: Callable[[], Awaitable[tuple[int, bytes]]]) -> bytes:
        for _ in range(200):
            status, answer = await send()
            if status != 200 or b'"errors"' in answer[:12]:
                raise SystemExit(f"bench: {status} {answer[:400]!r}")
            if self.client.headers.get("x-kimnet-worker") == self.worker:
                return answer
            await self.client.close()  # answered by another worker: ask again on a new connection
        raise SystemExit(f"bench: worker {self.worker} no longer answers")


def _named(answer: bytes, offer: str, label: str) -> int:
    """The number of the latest write of ``label`` that the probe's answer shows for ``offer`` (0: none)."""
    for need in json.loads(answer)["data"]["referral"]["needs"]:
        for found in need["offers"]:
            if found["offer"]["key"] == offer:
                name = str(found["offer"]["name"])
                return int(name.rsplit(" ", 1)[1]) if name.startswith(label + " ") else 0
    raise SystemExit(f"bench: the probe's referral no longer lists {offer}")


async def _phase(
    phase: Phase,
    pools: dict[str, list[HttpClient]],
    writer: HttpClient,
    probers: dict[str, Pinned],
    target: Target,
    driver: neo4j.AsyncDriver,
    seconds: float,
    version: list[int],
) -> None:
    """Readers, a writer and the probers for ``seconds``; the probers then wait up to 15 s for the last writes."""
    label = f"bench {phase.label.split(',')[0].replace(' ', '')}-{phase.via} {int(time.time())}"
    referral_bodies = [graphql_body(REFERRAL_KIMNET, {"case": case}) for case in target.cases]
    gaps_body = graphql_body(GAPS_KIMNET, {"day": DAY})
    probe_body = graphql_body(PROBE, {"case": target.probe_case})
    acknowledged: dict[int, float] = {}
    acknowledged_by: dict[int, str | None] = {}  # None: written in Cypher, by no worker
    seen: dict[str, dict[int, float]] = {worker: {} for worker in probers}

    def watches(worker: str, number: int) -> bool:
        """Whether ``worker``'s answers count for the freshness of write ``number``: not the one that took it."""
        return len(probers) == 1 or acknowledged_by[number] != worker

    until = time.monotonic() + seconds
    writing = [True]

    async def reader(client: HttpClient, number: int) -> None:
        count = 0
        while time.monotonic() < until:
            count += 1
            gap = count % GAP_EVERY == number % GAP_EVERY
            start = time.perf_counter()
            await _ok(client, gaps_body if gap else referral_bodies[(number + count) % len(referral_bodies)])
            phase.times["gap report" if gap else "referral"].append((time.perf_counter() - start) * 1000)

    async def write() -> None:
        began = time.perf_counter()
        number = 0
        try:
            while time.monotonic() < until:
                number += 1
                name = f"{label} {number}"
                start = time.perf_counter()
                if phase.via == "kimnet" or (phase.via == "both" and number % 2):
                    answer = json.loads(
                        await _ok(writer, graphql_body(UPDATE, {"id": target.offer, "version": version[0], "name": name}))
                    )
                    payload = answer["data"]["updateService"]
                    if payload["errors"]:
                        raise SystemExit(f"bench: the write was refused: {payload['errors']}")
                    version[0] = payload["entity"]["version"]
                    acknowledged_by[number] = writer.headers["x-kimnet-worker"]
                else:
                    await driver.execute_query(CYPHER_RENAME, id=target.offer, name=name)
                    acknowledged_by[number] = None
                acknowledged[number] = time.perf_counter()
                phase.times["write"].append((acknowledged[number] - start) * 1000)
                await asyncio.sleep(max(0.0, began + number / phase.rate - time.perf_counter()))
        finally:
            writing[0] = False

    async def probe(worker: str, client: Pinned) -> None:
        deadline = None
        while True:
            unseen = [n for n in list(acknowledged) if n not in seen[worker] and watches(worker, n)]
            if not writing[0]:
                deadline = deadline or time.monotonic() + 15
                if not unseen or time.monotonic() > deadline:
                    return
            if unseen:
                shown = _named(await client.post(probe_body), target.offer, label)
                now = time.perf_counter()
                for n in unseen:
                    if n <= shown:
                        seen[worker][n] = now
            await asyncio.sleep(PROBE_EVERY)

    readers = [(client, worker) for worker, pool in pools.items() for client in pool]
    load = os.getloadavg()[0]
    await asyncio.gather(
        write(), *(reader(client, i) for i, (client, _) in enumerate(readers)), *(probe(w, c) for w, c in probers.items())
    )
    phase.load = (load, os.getloadavg()[0])
    phase.writes = len(acknowledged)
    for number, at in acknowledged.items():
        times = [seen[worker].get(number) for worker in probers if watches(worker, number)]
        if any(t is None for t in times):
            phase.unseen += 1
        else:
            phase.freshness.append((max(t for t in times if t is not None) - at) * 1000)


async def _target(bolt: str, port: int, headers: dict[str, str], seed: int) -> Target:
    """The cases of view c, and an offer that the first of them lists (renamed by the writer)."""
    driver = neo4j.AsyncGraphDatabase.driver(bolt, auth=("neo4j", PASSWORD))
    try:
        cases = [v["case"] for v in (await choose_variants(driver, seed, 16))["c"]]
    finally:
        await driver.close()
    client = HttpClient("127.0.0.1", port, "/graphql", headers)
    try:
        for case in cases:
            answer = json.loads(await _ok(client, graphql_body(PROBE, {"case": case})))
            offers = [o["offer"]["key"] for n in answer["data"]["referral"]["needs"] for o in n["offers"]]
            if offers:
                return Target(offers[0], case, cases)
    finally:
        await client.close()
    raise SystemExit("bench: no case of view c lists an offer")


async def _index_counts(client: Pinned) -> dict[str, int]:
    """How the index of the process behind ``client`` was made so far (``kimnet_index_*`` in its /metrics)."""
    text = await client.get("/metrics")
    found = {"read": 0, "followed": 0, "outside": 0}
    for line in text.decode().splitlines():
        for how in ("read", "followed"):
            if line.startswith(f'kimnet_index_generations_total{{how="{how}"}}'):
                found[how] = int(float(line.split()[-1]))
        if line.startswith("kimnet_index_outside_writes_total "):
            found["outside"] = int(float(line.split()[-1]))
    return found


@contextmanager
def _served(setup: Setup, store: str, workers: int) -> Iterator[subprocess.Popen[bytes]]:
    where = (
        ["--neo4j-uri", setup.bolt, "--workers", str(workers)] if store == "kimnet-neo4j" else ["--data-dir", str(setup.embedded)]
    )
    logs = CACHE / f"logs{setup.suffix}"
    logs.mkdir(parents=True, exist_ok=True)
    command = [PYTHON, "-m", "kimnet.service.cli", "serve", "--port", str(setup.ports[store]), *where]
    log = (logs / f"mixed-{store}.log").open("wb")
    process = subprocess.Popen(command, env=_kimnet_env(), stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        _wait_for(store, setup.ports[store], logs / f"mixed-{store}.log")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _neo4j_pid(setup: Setup) -> int | None:
    """The benchmark's Neo4j server, from the pid file ``scripts/neo4j`` keeps in its home."""
    try:
        return int((Path(_neo4j_env(setup)["KIMNET_NEO4J_HOME"]) / "run" / "neo4j.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def _token(role: str, subject: str) -> str:
    command = [PYTHON, "-m", "kimnet.service.cli", "token", "create", "--role", role, "--subject", subject]
    return subprocess.run(command, env=_kimnet_env(), capture_output=True, text=True, check=True).stdout.strip()


async def _store(setup: Setup, store: str, args: argparse.Namespace, rss: dict[str, tuple[float, float]]) -> list[Phase]:
    reads = {"Authorization": f"Bearer {_token('caseworker', 'bench-reader')}"}
    writes = {"Authorization": f"Bearer {_token('coordinator', 'bench-writer')}"}
    workers = args.workers if store == "kimnet-neo4j" else 1
    port = setup.ports[store]
    target = await _target(setup.bolt, port, reads, args.seed)
    pools = await _by_worker(port, reads, READERS // workers, workers)
    # Warm every worker: its index, the day's catalogue and gap report (a rebuild would otherwise land in the first phase).
    for pool in pools.values():
        await _ok(pool[0], graphql_body(GAPS_KIMNET, {"day": DAY}))
        await _ok(pool[0], graphql_body(REFERRAL_KIMNET, {"case": target.probe_case}))
    writer_pool = await _by_worker(port, writes, 1, workers)
    probe_pool = await _by_worker(port, reads, 1, workers)
    probers = {worker: Pinned(worker, clients[0]) for worker, clients in probe_pool.items()}
    writer = next(iter(writer_pool.values()))[0]
    answer = json.loads(await _ok(writer, graphql_body(VERSION, {"id": target.offer})))
    version = [int(answer["data"]["node"]["version"])]
    # One write before measuring: the first writes to a database make Neo4j create the tokens of their labels and
    # property keys, each in a transaction of its own, which kimnet takes for writes from outside (once per database).
    warm = json.loads(await _ok(writer, graphql_body(UPDATE, {"id": target.offer, "version": version[0], "name": "bench"})))
    version[0] = warm["data"]["updateService"]["entity"]["version"]
    await asyncio.sleep(2.5)  # readcache.OUTSIDE_CHECK: the next request of each worker checks
    for _ in range(2):
        for pool in pools.values():
            await _ok(pool[0], graphql_body(GAPS_KIMNET, {"day": DAY}))
    driver = neo4j.AsyncGraphDatabase.driver(setup.bolt, auth=("neo4j", PASSWORD))
    phases = []
    planned = [(*WARM_UP[store], args.warm_up, False)] if args.warm_up > 0 else []
    planned += [(label, rate, via, args.seconds, True) for label, rate, via in PHASES]
    try:
        for label, rate, via, seconds, measured in planned:
            if via == "cypher" and store != "kimnet-neo4j":
                continue
            phase = Phase(store, label, rate, via, measured)
            before = {w: await _index_counts(c) for w, c in probers.items()}
            neo4j_pid = _neo4j_pid(setup)
            cpu = [cpu_seconds(neo4j_pid), compiler_seconds(neo4j_pid), *(cpu_seconds(int(w)) for w in pools)]
            await _phase(phase, pools, writer, probers, target, driver, seconds, version)
            cpu_after = [cpu_seconds(neo4j_pid), compiler_seconds(neo4j_pid), *(cpu_seconds(int(w)) for w in pools)]
            used = [None if a is None or b is None else b - a for a, b in zip(cpu, cpu_after, strict=True)]
            phase.neo4j_cpu, phase.neo4j_jit = used[0], used[1]
            phase.kimnet_cpu = None if None in used[2:] else sum(u for u in used[2:] if u is not None)
            after = {w: await _index_counts(c) for w, c in probers.items()}
            phase.made = {w: {k: after[w][k] - before[w][k] for k in after[w]} for w in after}
            phases.append(phase)
            print(row(phase), file=sys.stderr)
        for worker in pools:
            rss[f"{store} worker {worker}"] = memory_mb(worker)
    finally:
        await driver.close()
        for client in [c for p in (pools, writer_pool, probe_pool) for cs in p.values() for c in cs]:
            await client.close()
    return phases


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/mixed", description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic network and of the cases (default 1)")
    parser.add_argument("--scale", type=float, default=1.0, help="size of the synthetic network (default 1.0: state scale)")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds per phase (default 30)")
    parser.add_argument(
        "--warm-up",
        type=float,
        default=60.0,
        help="seconds of the warm-up phase before the measured ones, 0 for none (default 60)",
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of kimnet on Neo4j (default 2)")
    parser.add_argument(
        "--stores", type=store_names, default=list(STORES), help=f"which servers to measure, of {','.join(STORES)} (default both)"
    )
    parser.add_argument("--bolt-port", type=int, default=7697, help="Bolt port of the benchmark's own Neo4j (default 7697)")
    parser.add_argument("--port-base", type=int, default=8101, help="first of the two HTTP ports on loopback (default 8101)")
    parser.add_argument("--keep-neo4j", action="store_true", help="leave the benchmark's Neo4j running afterwards")
    parser.add_argument("--output", type=Path, default=CACHE / "mixed.md", help="also write the table here")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    setup = Setup(args.bolt_port, {store: args.port_base + i for i, store in enumerate(STORES)})
    phases: list[Phase] = []
    rss: dict[str, tuple[float, float]] = {}
    idle: dict[str, float] = {}
    with _neo4j(setup, args):
        asyncio.run(_load(setup, args))
        for store in [s for s in STORES if s in args.stores]:
            # Neo4j goes on for a while after the import and after the phases on it (checkpoints, its
            # collector): the embedded store's phases measured a machine still busy with another store's work.
            idle[store] = quiet(QUIET)
            print(f"bench: the machine was {idle[store]:.0%} idle before {store}", file=sys.stderr)
            with _served(setup, store, args.workers):
                phases += asyncio.run(_store(setup, store, args, rss))
    heading = (
        f"kimnet mixed benchmark, {time.strftime('%Y-%m-%dT%H:%M')}: synthetic:nrw seed {args.seed} scale {args.scale} "
        f"({setup.figures['nodes']:,.0f} nodes, {setup.figures['edges']:,.0f} relationships), asOf {DAY}; "
        f"{READERS} readers (referrals, every {GAP_EVERY}th request the gap report), {args.seconds:g} s per phase; "
        f"kimnet on Neo4j with {args.workers} uvicorn workers, embedded in one process; over HTTP on loopback"
    )
    text = report(heading, phases, rss, idle)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n")
    print(f"\nbench: the table is also in {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
