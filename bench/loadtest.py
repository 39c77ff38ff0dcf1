"""The load test: many clients mixing reads, referrals and writes against ``kimnet serve`` on Neo4j.

    .venv/bin/python -m bench.loadtest [--clients 100] [--seconds 60] [--warmup 10] [--neo4j-uri URI]

Loopback only, bounded in time. It replaces the Neo4j graph with the Coesfeld
seed (``kimnet load``), starts ``kimnet serve`` on a free port of 127.0.0.1
with a token secret, and runs ``--clients`` concurrent clients, each with a
token of its own (so each has its own rate-limit bucket), for ``--warmup``
seconds unmeasured and ``--seconds`` measured. Each client loops over a mix:
35% list reads with filters, 15% lookups by id, 10% coverage, 20% referrals,
10% creates and 10% updates of what it created. It samples the server's
resident memory every second and prints throughput, latency percentiles per
kind, status counts and the memory trend; it exits 1 on any 5xx, any wrong
answer, or memory that grows more than 15% after warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import HttpClient
from bench.machine import memory_mb
from kimnet.schema.access import Role
from kimnet.service.auth import create_token
from kimnet.service.config import Secret, Settings

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "coesfeld"
SECRET = "load-test-secret-0123456789abcdefghijklmnopqrstuv"

LIST = """query($m: String!) { services(first: 20, where: {availableIn: {some: {key: {eq: $m}}}}, orderBy: [{field: NAME}]) {
  totalCount edges { cursor node { key name providedBy { nodes { name } } addresses { nodes { key } } } } } }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Organisation { name provides(first: 10) { nodes { name } } } } }"
COVERAGE = 'query($m: ID!) { coverage(municipality: $m, asOf: "2021-07-01") { need { key } level offers { offer { key } } } }'
REFERRAL = """query($case: CaseInput!) { referral(case: $case) {
  needs { offers { offer { key } level } } responsibilities { legalDomain { code } } conference { members { organisation { key } } } } }"""
CREATE = "mutation($i: NeedCreateInput!) { createNeed(input: $i) { entity { key version } errors { code message } } }"
UPDATE = "mutation($id: ID!, $v: Int!, $i: NeedUpdateInput!) { updateNeed(id: $id, version: $v, input: $i) { entity { version } errors { code } } }"

MUNICIPALITIES = ["mun:olfen", "mun:duelmen", "mun:nottuln", "mun:coesfeld", "mun:senden", "mun:luedinghausen"]
ORGANISATIONS = ["org:geba", "org:ki-coesfeld", "org:caritas-coesfeld", "org:jugendamt-stadt-duelmen"]
NEEDS = ["need:ausbildung", "need:sprache", "need:arbeit"]


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[int] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    memory: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, MB)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _body(query: str, variables: dict[str, object]) -> bytes:
    return json.dumps({"query": query, "variables": variables}, separators=(",", ":")).encode()


async def _client(number: int, port: int, until: float, measure_from: float, results: Results, seed: int) -> None:
    token = create_token(Settings(jwt_secret=Secret(SECRET)), Role.COORDINATOR, f"load-{number}", dt.timedelta(hours=2))
    http = HttpClient("127.0.0.1", port, "/graphql", {"Authorization": f"Bearer {token}"})
    rng = random.Random(seed * 1000 + number)
    mine: list[tuple[str, int]] = []  # needs this client created, with their version
    created = 0
    try:
        while time.monotonic() < until:
            roll = rng.random()
            if roll < 0.35:
                kind, body = "list", _body(LIST, {"m": rng.choice(MUNICIPALITIES)})
            elif roll < 0.50:
                kind, body = "node", _body(NODE, {"id": rng.choice(ORGANISATIONS)})
            elif roll < 0.60:
                kind, body = "coverage", _body(COVERAGE, {"m": rng.choice(MUNICIPALITIES)})
            elif roll < 0.80:
                case = {"municipality": rng.choice(MUNICIPALITIES), "age": rng.randint(16, 60), "needs": rng.sample(NEEDS, 2)}
                kind, body = "referral", _body(REFERRAL, {"case": case})
            elif roll < 0.90 or not mine:
                created += 1
                key = f"need:load-{seed}-{number}-{created}"
                kind, body = "create", _body(CREATE, {"i": {"key": key, "name": f"Last {number}/{created}"}})
            else:
                index = rng.randrange(len(mine))
                key, version = mine[index]
                kind, body = "update", _body(UPDATE, {"id": key, "v": version, "i": {"description": f"v{version + 1}"}})
            started = time.monotonic()
            try:
                status, answer = await asyncio.wait_for(http.post(body), timeout=30)
            except (TimeoutError, OSError) as exc:
                results.wrong.append(f"{kind}: no answer ({type(exc).__name__})")
                await http.close()
                continue
            elapsed = time.monotonic() - started
            if started >= measure_from:
                results.latencies[kind].append(elapsed)
                results.statuses[status] += 1
            parsed = json.loads(answer)
            if status != 200 or parsed.get("errors"):
                if status != 429:  # the rate limit is a right answer, counted in the statuses
                    results.wrong.append(f"{kind}: {status} {answer[:200]!r}")
                continue
            if kind == "create":
                payload = parsed["data"]["createNeed"]
                if payload["errors"]:
                    results.wrong.append(f"create: {payload['errors']}")
                else:
                    mine.append((key, payload["entity"]["version"]))
            elif kind == "update":
                payload = parsed["data"]["updateNeed"]
                if payload["errors"]:
                    results.wrong.append(f"update: {payload['errors']}")
                else:
                    mine[index] = (key, payload["entity"]["version"])
    finally:
        await http.close()


async def _sample_memory(pid: int, start: float, until: float, results: Results) -> None:
    while time.monotonic() < until:
        results.memory.append((time.monotonic() - start, memory_mb(pid)[0]))
        await asyncio.sleep(1.0)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def run(clients: int, seconds: float, warmup: float, neo4j_uri: str, password: str, log: Path) -> tuple[Results, str]:
    """Load the seed, start kimnet, run the load test, stop kimnet; return the results and the report."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KIMNET_")},
        "KIMNET_NEO4J_PASSWORD": password,
        "KIMNET_JWT_SECRET": SECRET,
        "KIMNET_LOG_LEVEL": "info",
    }
    cli = [sys.executable, "-m", "kimnet.service.cli"]
    loaded = subprocess.run(
        [*cli, "load", str(SEED), "--neo4j-uri", neo4j_uri], env=env, capture_output=True, text=True, timeout=300
    )
    if loaded.returncode != 0:
        raise SystemExit(f"loadtest: could not load the seed into {neo4j_uri}: {loaded.stderr.strip()}")
    port = _free_port()
    with log.open("wb") as out:
        server = subprocess.Popen([*cli, "serve", "--port", str(port), "--neo4j-uri", neo4j_uri], env=env, stdout=out, stderr=out)
    try:
        results, measured = asyncio.run(_drive(server, port, clients, seconds, warmup, log))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
    return results, _report(results, clients, seconds, warmup, measured)


async def _drive(
    server: subprocess.Popen[bytes], port: int, clients: int, seconds: float, warmup: float, log: Path
) -> tuple[Results, float]:
    deadline = time.monotonic() + 60
    while True:
        try:
            probe = HttpClient("127.0.0.1", port, "/graphql")
            status, _ = await probe.post(b'{"query":"{ __typename }"}')
            await probe.close()
            if status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit(f"loadtest: kimnet did not start; see {log}")
        await asyncio.sleep(0.3)
    results = Results()
    start = time.monotonic()
    measure_from, until = start + warmup, start + warmup + seconds
    seed = int(time.time())
    await asyncio.gather(
        _sample_memory(server.pid, start, until, results),
        *(_client(n, port, until, measure_from, results, seed) for n in range(clients)),
    )
    return results, time.monotonic() - measure_from


def _report(results: Results, clients: int, seconds: float, warmup: float, measured: float) -> str:
    everything = [v for values in results.latencies.values() for v in values]
    lines = [
        f"load test: {clients} clients, {warmup:g} s warm-up, {seconds:g} s measured, kimnet on Neo4j, loopback",
        f"  requests {len(everything)}, throughput {len(everything) / measured:.1f}/s, "
        f"p50 {statistics.median(everything) * 1000:.0f} ms, p95 {_percentile(everything, 95) * 1000:.0f} ms, "
        f"p99 {_percentile(everything, 99) * 1000:.0f} ms",
    ]
    for kind in ("list", "node", "coverage", "referral", "create", "update"):
        values = results.latencies.get(kind, [])
        if values:
            lines.append(
                f"  {kind:9s} {len(values):6d}  p50 {statistics.median(values) * 1000:6.0f} ms  "
                f"p99 {_percentile(values, 99) * 1000:6.0f} ms"
            )
    server_errors = sum(n for s, n in results.statuses.items() if s >= 500)
    lines.append(
        f"  statuses {dict(sorted(results.statuses.items()))}; 5xx: {server_errors}; wrong answers: {len(results.wrong)}"
    )
    head, tail = _memory_ends(results, warmup)
    if head and tail:
        growth = tail - head
        lines.append(
            f"  server memory (RSS): {results.memory[0][1]:.0f} MB at start, {head:.0f} MB after warm-up, "
            f"{tail:.0f} MB at the end (growth {growth:+.1f} MB, {growth / head * 100:+.1f}%), "
            f"peak {max(mb for _, mb in results.memory):.0f} MB"
        )
    return "\n".join(lines)


def _memory_ends(results: Results, warmup: float) -> tuple[float, float]:
    """Mean memory over the first and over the last sixth of the measured time (MB)."""
    after = [mb for t, mb in results.memory if t >= warmup]
    if not after:
        return 0.0, 0.0
    sixth = max(1, len(after) // 6)
    return statistics.mean(after[:sixth]), statistics.mean(after[-sixth:])


def memory_growth(results: Results, warmup: float) -> float:
    """Relative growth of the server's memory after warm-up (first to last sixth of the measured time)."""
    head, tail = _memory_ends(results, warmup)
    return (tail - head) / head if head else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    default_uri = "bolt://127.0.0.1:" + os.environ.get("KIMNET_NEO4J_BOLT_PORT", "7687")
    parser.add_argument("--neo4j-uri", default=default_uri, help=f"its graph is REPLACED with the seed (default {default_uri})")
    parser.add_argument("--neo4j-password", default=os.environ.get("KIMNET_NEO4J_PASSWORD", "kimnet-dev-password"))
    args = parser.parse_args()
    if not args.neo4j_uri.startswith(("bolt://127.", "neo4j://127.", "bolt://localhost", "neo4j://localhost")):
        parser.error("the load test runs on loopback only: give a Neo4j URI on 127.0.0.1")
    with tempfile.TemporaryDirectory() as tmp:
        results, report = run(
            args.clients, args.seconds, args.warmup, args.neo4j_uri, args.neo4j_password, Path(tmp) / "serve.log"
        )
    print(report)
    for wrong in results.wrong[:10]:
        print(f"  wrong: {wrong}")
    failed = any(s >= 500 for s in results.statuses) or results.wrong or memory_growth(results, args.warmup) > 0.15
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
