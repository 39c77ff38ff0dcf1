"""Every root question at state scale, on both stores: p50, p99, the server's peak memory, /healthz under load.

Run by ``bench/questions`` (which installs what it needs first). It reuses
``bench/run``'s setup: its own Neo4j (``--bolt-port``, with its own home), the
synthetic NRW network imported into Neo4j and into an embedded store; then it
starts one kimnet process on each store (one worker each, so that one
process's peak resident memory is the figure), and for each store:

1. asks each root question once cold (the first request after the start pays
   the read cache's build and the day's measures; reported apart), then
   ``--requests`` times, rotating through variants (towns, counties,
   organisations picked by ``--seed``), and prints p50, p99 and the
   process's peak resident memory (``VmHWM``) after the question;
2. sends the question with the highest p50 from 4 clients at once for
   ``--duration`` seconds while a fifth asks ``/healthz`` every 20 ms, and
   prints the health checks' p50 and p99;
3. sends SIGTERM while those 4 clients are busy and prints how long the
   process took to exit (``KIMNET_SHUTDOWN_TIMEOUT`` is ``--grace``).

It prints figures and the targets met or missed; it is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j

from bench.load import HttpClient, graphql_body
from bench.machine import memory_mb
from bench.run import CACHE, PASSWORD, PYTHON, ROOT, Setup, _kimnet_env, _load, _neo4j_env, _token, _wait_for

DAY = "2021-07-01"

#: The root questions, each with the variables it rotates through (filled by ``_variants``).
QUESTIONS: dict[str, str] = {
    "neighbourhood": 'query($org: ID!) { neighbourhood(id: $org, depth: 2, asOf: "2021-07-01") '
    "{ entities { distance entity { id } } links { type source target } } }",
    "cooperationPath": 'query($org: ID!, $other: ID!) { cooperationPath(from: $org, to: $other, asOf: "2021-07-01") { key name } }',
    "brokers": 'query { brokers(asOf: "2021-07-01", top: 10) { organisation { key name } betweenness } }',
    "missingTies": 'query { missingTies(asOf: "2021-07-01") { first { code } second { code } } }',
    "impactOfLeaving": 'query($org: ID!) { impactOfLeaving(organisation: $org, asOf: "2021-07-01") '
    "{ offersLost { key } offersShared { key } gapsOpened { municipality { key } need { key } } partners { key } "
    "pairsDisconnected isolated { key } } }",
    "duplicates (county)": 'query($towns: [ID!]) { duplicates(asOf: "2021-07-01", municipalities: $towns) '
    "{ municipality { key } need { key } offers { key } providers { key } } }",
    "duplicates (state)": 'query { duplicates(asOf: "2021-07-01") { municipality { key } need { key } offers { key } providers { key } } }',
    "coverage": 'query($town: ID!) { coverage(municipality: $town, asOf: "2021-07-01") { need { key } level offers { offer { key } level } } }',
    "coverageGaps": 'query { coverageGaps(asOf: "2021-07-01") { municipality { key } need { key } population } }',
    "coverageChanges": 'query { coverageChanges(from: "2021-07-01", to: "2023-01-01") '
    "{ opened { municipality { key } need { key } } closed { municipality { key } } ended { key } started { key } } }",
    "referral": "query($case: CaseInput!) { referral(case: $case) { needs { need { key } offers { offer { key } level } } "
    "excluded { offer { key } } responsibilities { legalDomain { code } organisations { key } } "
    "caseManagers { post { key } } conference { anchor { key } members { organisation { key } } } } }",
    "responsibilities": 'query($town: ID!) { responsibilities(municipality: $town, asOf: "2021-07-01") '
    "{ legalDomain { code } organisations { key name } } }",
}

STORES = ("kimnet-neo4j", "kimnet-embedded")


def store_names(text: str) -> list[str]:
    """``--stores``: a comma-separated choice of ``STORES``; anything else is refused, not measured as nothing."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in STORES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"{', '.join(unknown) or 'nothing'}: choose from {', '.join(STORES)}")
    return names


@dataclass(slots=True)
class Row:
    cold_ms: float
    times_ms: list[float]
    peak_mb: float

    def percentile(self, p: float) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass(slots=True)
class Figures:
    rows: dict[tuple[str, str], Row] = field(default_factory=dict)
    health: dict[str, tuple[str, float, float, int]] = field(default_factory=dict)
    sigterm: dict[str, tuple[float, int]] = field(default_factory=dict)


async def _variants(bolt: str, seed: int, count: int) -> list[dict[str, Any]]:
    """Per request i, the variables every question may take, picked by ``seed`` (the same on both stores)."""
    rng = random.Random(seed)
    driver = neo4j.AsyncGraphDatabase.driver(bolt, auth=("neo4j", PASSWORD))
    try:
        counties = (
            await driver.execute_query(
                "MATCH (m:Municipality)-[:PART_OF]->(r:Region {kind: 'county'}) "
                "RETURN r.id AS county, collect(m.id) AS towns ORDER BY county"
            )
        ).records
        towns = [r["id"] for r in (await driver.execute_query("MATCH (m:Municipality) RETURN m.id AS id ORDER BY id")).records]
        orgs = [
            r["id"]
            for r in (
                await driver.execute_query(
                    "MATCH (o:Organisation)-[:COOPERATES_WITH]-() WITH DISTINCT o RETURN o.id AS id ORDER BY id"
                )
            ).records
        ]
        needs = [r["id"] for r in (await driver.execute_query("MATCH (n:Need) RETURN n.id AS id ORDER BY id")).records]
    finally:
        await driver.close()
    found = []
    for _ in range(count):
        county = rng.choice(counties)
        org, other = rng.sample(orgs, 2)
        town = rng.choice(towns)
        case = {"municipality": town, "age": rng.randint(16, 60), "needs": rng.sample(needs, 2), "asOf": DAY}
        found.append({"org": org, "other": other, "towns": sorted(county["towns"]), "town": town, "case": case})
    return found


def _used(query: str, variables: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in variables.items() if f"${k}" in query}


async def _ask(client: HttpClient, query: str, variables: dict[str, Any]) -> float:
    start = time.perf_counter()
    status, body = await client.post(graphql_body(query, _used(query, variables)))
    took = (time.perf_counter() - start) * 1000
    if status != 200 or b'"errors"' in body:
        raise SystemExit(f"bench: {query[:60]}… failed: {status} {body[:400]!r}")
    return took


async def _questions(
    store: str, port: int, pid: int, headers: dict[str, str], variants: list[dict[str, Any]], figures: Figures
) -> None:
    client = HttpClient("127.0.0.1", port, "/graphql", headers)
    try:
        for name, query in QUESTIONS.items():
            cold = await _ask(client, query, variants[0])
            times = [await _ask(client, query, variants[i % len(variants)]) for i in range(1, len(variants))]
            row = figures.rows[(name, store)] = Row(cold, times, memory_mb(pid)[1])
            print(
                f"bench: {store:<16} {name:<20} cold {cold:8.0f} ms  p50 {row.percentile(50):8.1f} ms  "
                f"p99 {row.percentile(99):8.1f} ms  peak RSS {row.peak_mb:6.0f} MB",
                file=sys.stderr,
            )
    finally:
        await client.close()


async def _under_load(
    store: str,
    port: int,
    process: subprocess.Popen[bytes],
    headers: dict[str, str],
    variants: list[dict[str, Any]],
    figures: Figures,
    seconds: float,
) -> None:
    """4 clients send the heaviest question; a fifth asks /healthz; then SIGTERM while they are busy."""
    heaviest = max(QUESTIONS, key=lambda n: figures.rows[(n, store)].percentile(50))
    query = QUESTIONS[heaviest]
    stop = time.monotonic() + seconds
    sent: list[int] = [0]

    async def client(worker: int) -> None:
        http = HttpClient("127.0.0.1", port, "/graphql", headers)
        try:
            i = worker
            while time.monotonic() < stop:
                await http.post(graphql_body(query, _used(query, variants[i % len(variants)])))
                sent[0] += 1
                i += 4
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass  # SIGTERM below
        finally:
            await http.close()

    async def health() -> list[float]:
        waits = []
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < stop:
                start = time.perf_counter()
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: kimnet\r\n\r\n")
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length"))
                await reader.readexactly(length)
                waits.append((time.perf_counter() - start) * 1000)
                await asyncio.sleep(0.02)
        finally:
            writer.close()
        return waits

    clients = [asyncio.ensure_future(client(w)) for w in range(4)]
    waits = await health()
    waits.sort()
    figures.health[store] = (
        heaviest,
        statistics.median(waits),
        waits[min(len(waits) - 1, round(0.99 * (len(waits) - 1)))],
        sent[0],
    )
    print(
        f"bench: {store} /healthz under 4× {heaviest}: p50 {figures.health[store][1]:.1f} ms, p99 {figures.health[store][2]:.1f} ms",
        file=sys.stderr,
    )
    # SIGTERM while the 4 clients are still busy (they keep sending until it ends them).
    stop = time.monotonic() + 3600
    clients += [asyncio.ensure_future(client(w)) for w in range(4)]
    await asyncio.sleep(1.0)
    start = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = await asyncio.to_thread(process.wait, 120)
    figures.sigterm[store] = (time.monotonic() - start, code)
    for task in clients:
        task.cancel()
    await asyncio.gather(*clients, return_exceptions=True)


@contextmanager
def _neo4j(setup: Setup, args: argparse.Namespace) -> Iterator[None]:
    env = _neo4j_env(setup)
    started = subprocess.run([ROOT / "scripts" / "neo4j", "status"], env=env, capture_output=True).returncode != 0
    if started:
        subprocess.run([ROOT / "scripts" / "neo4j", "start"], env=env, check=True)
    try:
        yield
    finally:
        if started and not args.keep_neo4j:
            subprocess.run([ROOT / "scripts" / "neo4j", "stop"], env=env, check=False)


def _serve(setup: Setup, store: str, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    where = ["--neo4j-uri", setup.bolt] if store == "kimnet-neo4j" else ["--data-dir", str(setup.embedded)]
    logs = CACHE / f"logs{setup.suffix}"
    logs.mkdir(parents=True, exist_ok=True)
    env = {**_kimnet_env(), "KIMNET_SHUTDOWN_TIMEOUT": str(args.grace)}
    command = [PYTHON, "-m", "kimnet.service.cli", "serve", "--port", str(setup.ports[store]), *where]
    log = (logs / f"questions-{store}.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    _wait_for(store, setup.ports[store], logs / f"questions-{store}.log")
    return process


def report(args: argparse.Namespace, setup: Setup, figures: Figures, load: tuple[float, float]) -> str:
    lines = [
        f"kimnet questions benchmark: synthetic:nrw seed {args.seed} scale {args.scale} "
        f"({setup.figures['nodes']:,.0f} nodes, {setup.figures['edges']:,.0f} relationships), asOf {DAY}; "
        f"{args.requests - 1} requests per question after a cold one, c=1; one kimnet process per store; "
        f"load average {load[0]:.2f} before, {load[1]:.2f} after (the machine is shared: figures are noisy)",
        "",
        "| question | neo4j cold ms | p50 ms | p99 ms | peak RSS MB | embedded cold ms | p50 ms | p99 ms | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in QUESTIONS:
        row = [name]
        for store in STORES:
            found = figures.rows.get((name, store))
            row += (
                [f"{found.cold_ms:.0f}", f"{found.percentile(50):.1f}", f"{found.percentile(99):.1f}", f"{found.peak_mb:.0f}"]
                if found
                else ["–"] * 4
            )
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    for store in STORES:
        if store in figures.health:
            heaviest, p50, p99, sent = figures.health[store]
            took, code = figures.sigterm[store]
            lines.append(
                f"{store}: /healthz p50 {p50:.1f} ms, p99 {p99:.1f} ms while 4 clients sent {heaviest} "
                f"({sent} answers in {args.duration:g} s); SIGTERM to exit {took:.1f} s with 4 in flight (exit code {code}, grace {args.grace:g} s)"
            )
    lines += ["", "targets:"]

    def check(ok: bool, text: str) -> None:
        lines.append(f"  {'met   ' if ok else 'MISSED'}  {text}")

    for (name, store), row in figures.rows.items():
        check(row.percentile(50) <= 1000 and row.percentile(99) <= 3000, f"{name} on {store}: p50 ≤ 1 s and p99 ≤ 3 s")
    for store in STORES:
        peak = max((r.peak_mb for (_, s), r in figures.rows.items() if s == store), default=0.0)
        check(peak <= 1536, f"{store}: peak RSS {peak:.0f} MB (≤ 1.5 GB)")
        if store in figures.health:
            check(figures.health[store][2] <= 100, f"{store}: /healthz p99 {figures.health[store][2]:.1f} ms (≤ 100 ms)")
            check(
                figures.sigterm[store][0] <= args.grace + 2,
                f"{store}: SIGTERM to exit {figures.sigterm[store][0]:.1f} s (≤ grace + 2 s)",
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/questions", description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic network and of the variants (default 1)")
    parser.add_argument("--scale", type=float, default=1.0, help="size of the synthetic network (default 1.0: state scale)")
    parser.add_argument("--requests", type=int, default=31, help="requests per question, the first cold (default 31)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of the /healthz measure under load (default 20)")
    parser.add_argument("--grace", type=float, default=5.0, help="KIMNET_SHUTDOWN_TIMEOUT of the servers (default 5)")
    parser.add_argument(
        "--stores", type=store_names, default=list(STORES), help=f"which servers to measure, of {','.join(STORES)} (default both)"
    )
    parser.add_argument("--bolt-port", type=int, default=7697, help="Bolt port of the benchmark's own Neo4j (default 7697)")
    parser.add_argument("--port-base", type=int, default=8101, help="first of the two HTTP ports on loopback (default 8101)")
    parser.add_argument("--keep-neo4j", action="store_true", help="leave the benchmark's Neo4j running afterwards")
    parser.add_argument("--output", type=Path, default=CACHE / "questions.md", help="also write the table here")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    setup = Setup(args.bolt_port, {store: args.port_base + i for i, store in enumerate(STORES)})
    stores = [s for s in STORES if s in args.stores]
    figures = Figures()
    load_before = os.getloadavg()[0]
    with _neo4j(setup, args):
        asyncio.run(_load(setup, args))
        variants = asyncio.run(_variants(setup.bolt, args.seed, args.requests))
        setup.token = _token()
        headers = {"Authorization": f"Bearer {setup.token}"}
        for store in stores:
            process = _serve(setup, store, args)
            try:
                asyncio.run(_questions(store, setup.ports[store], process.pid, headers, variants, figures))
                asyncio.run(_under_load(store, setup.ports[store], process, headers, variants, figures, args.duration))
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
    text = report(args, setup, figures, (load_before, os.getloadavg()[0]))
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n")
    print(f"\nbench: the table is also in {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
