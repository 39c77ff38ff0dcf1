"""The kimnet benchmark: one run, one Neo4j, one data set, every implementation, one table.

Started by ``bench/run`` (which installs what it needs first). It starts its own
Neo4j (``scripts/neo4j`` with its own home and port), makes the NRW-shaped
synthetic network, imports it into Neo4j (timed, with a progress bar) and into
an embedded store (whose opening is timed in a fresh process), starts kimnet on
Neo4j, kimnet embedded and the peer (@neo4j/graphql 7 on @apollo/server) on
loopback, checks that all of them and the hand-written Cypher floor give the same
answers, measures each view at each concurrency, prints the table of medians and
the targets, and stops everything it started.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j

from bench.load import Cell, HttpClient, graphql_body, measure
from bench.views import DAY, VIEWS, choose_variants

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench"
PYTHON = ROOT / ".venv" / "bin" / "python"
PASSWORD = "kimnet-dev-password"

#: The implementations, in table order.
IMPLEMENTATIONS = ("kimnet-neo4j", "kimnet-embedded", "peer", "floor")


@dataclass(slots=True)
class Setup:
    bolt_port: int
    ports: dict[str, int]
    figures: dict[str, float] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    token: str = ""

    @property
    def suffix(self) -> str:
        """Another Bolt port than the default gets its own Neo4j home and embedded folder, so runs can sit side by side."""
        return "" if self.bolt_port == 7697 else f"-{self.bolt_port}"

    @property
    def embedded(self) -> Path:
        return CACHE / f"embedded{self.suffix}"

    @property
    def bolt(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"

    def headers(self, impl: str) -> dict[str, str]:
        return {} if impl == "peer" else {"Authorization": f"Bearer {self.token}"}


def _neo4j_env(setup: Setup) -> dict[str, str]:
    return {
        **os.environ,
        "KIMNET_NEO4J_HOME": str(ROOT / ".cache" / "neo4j" / f"home-bench{setup.suffix}"),
        "KIMNET_NEO4J_BOLT_PORT": str(setup.bolt_port),
        "KIMNET_NEO4J_PASSWORD": PASSWORD,
    }


@contextmanager
def _services(setup: Setup, args: argparse.Namespace) -> Iterator[None]:
    """Start Neo4j, load the data, start the three servers; stop all of it afterwards."""
    env = _neo4j_env(setup)
    started_neo4j = subprocess.run([ROOT / "scripts" / "neo4j", "status"], env=env, capture_output=True).returncode != 0
    if started_neo4j:
        subprocess.run([ROOT / "scripts" / "neo4j", "start"], env=env, check=True)
    try:
        asyncio.run(_load(setup, args))
        _open_embedded(setup)
        logs = CACHE / f"logs{setup.suffix}"
        logs.mkdir(parents=True, exist_ok=True)
        kimnet_env = _kimnet_env()
        workers = ["--workers", str(args.workers)] if args.workers > 1 else []
        commands = {
            "kimnet-neo4j": (
                [
                    PYTHON,
                    "-m",
                    "kimnet.service.cli",
                    "serve",
                    "--port",
                    str(setup.ports["kimnet-neo4j"]),
                    "--neo4j-uri",
                    setup.bolt,
                    *workers,
                ],
                kimnet_env,
            ),
            "kimnet-embedded": (
                [
                    PYTHON,
                    "-m",
                    "kimnet.service.cli",
                    "serve",
                    "--port",
                    str(setup.ports["kimnet-embedded"]),
                    "--data-dir",
                    str(setup.embedded),
                ],
                kimnet_env,
            ),
            "peer": (
                ["node", ROOT / "bench" / "node" / "server.mjs", str(setup.ports["peer"]), setup.bolt, PASSWORD],
                dict(os.environ),
            ),
        }
        for name, (command, cmd_env) in commands.items():
            log = (logs / f"{name}.log").open("wb")
            setup.processes.append(subprocess.Popen(command, env=cmd_env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT))
        for name in commands:
            _wait_for(name, setup.ports[name], logs / f"{name}.log")
        setup.token = _token()
        yield
    finally:
        for process in setup.processes:
            process.terminate()
        for process in setup.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if started_neo4j and not args.keep_neo4j:
            subprocess.run([ROOT / "scripts" / "neo4j", "stop"], env=env, check=False)


#: The kimnet servers sign and check tokens with this (made afresh for each run).
SECRET = secrets.token_urlsafe(48)


def _kimnet_env() -> dict[str, str]:
    """kimnet as the benchmark runs it: development mode, a caseworker's token for referrals,
    no rate limit and no cost limit (the peer has neither), warnings only in the logs."""
    return {
        **os.environ,
        "KIMNET_NEO4J_PASSWORD": PASSWORD,
        "KIMNET_LOG_LEVEL": "warning",
        "KIMNET_JWT_SECRET": SECRET,
        "KIMNET_RATE_LIMIT": "0",
        "KIMNET_MAX_COST": str(10**9),
    }


def _token() -> str:
    command = [PYTHON, "-m", "kimnet.service.cli", "token", "create", "--role", "caseworker", "--subject", "bench"]
    return subprocess.run(command, env=_kimnet_env(), capture_output=True, text=True, check=True).stdout.strip()


def _wait_for(name: str, port: int, log: Path) -> None:
    deadline = time.monotonic() + 120
    body = json.dumps({"query": "{ __typename }"}).encode()
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/graphql" if name != "peer" else f"http://127.0.0.1:{port}/",
                data=body,
                headers={"content-type": "application/json", "accept": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"bench: {name} did not start; see {log}")


async def _load(setup: Setup, args: argparse.Namespace) -> None:
    from kimnet.graph.io.synthetic import nrw
    from kimnet.graph.model.graphdata import counts
    from kimnet.graph.stores.embedded import EmbeddedStore
    from kimnet.graph.stores.neo4j import Neo4jStore
    from kimnet.service.progress import ProgressBar

    start = time.perf_counter()
    data = nrw(args.seed, args.scale)
    setup.figures["generate_s"] = time.perf_counter() - start
    found = counts(data)
    setup.figures["nodes"] = sum(found.nodes.values())
    setup.figures["edges"] = sum(found.edges.values())
    print(
        f"bench: generated synthetic:nrw seed {args.seed}: {setup.figures['nodes']:,.0f} nodes, {setup.figures['edges']:,.0f} relationships",
        file=sys.stderr,
    )
    store = await Neo4jStore.connect(setup.bolt, "neo4j", PASSWORD)
    try:
        start = time.perf_counter()
        await store.replace_all(data, ProgressBar("bench: importing into Neo4j"))
        setup.figures["import_s"] = time.perf_counter() - start
    finally:
        await store.close()
    folder = setup.embedded
    shutil.rmtree(folder, ignore_errors=True)
    embedded = EmbeddedStore.open(folder)
    try:
        await embedded.replace_all(data, ProgressBar("bench: writing the embedded store"))
    finally:
        await embedded.close()


def _open_embedded(setup: Setup) -> None:
    """Open the embedded store in a fresh process: seconds, and peak resident memory."""
    code = (
        "import resource, sys, time; t = time.perf_counter(); "
        "from kimnet.graph.stores.embedded import EmbeddedStore; "
        f"s = EmbeddedStore.open({str(setup.embedded)!r}); "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    setup.figures["embedded_open_s"] = float(out[0])
    setup.figures["embedded_rss_mb"] = float(out[1]) / 1024


async def _agree(
    setup: Setup, driver: neo4j.AsyncDriver, variants: dict[str, list[dict[str, Any]]], names: str
) -> dict[str, list[str]]:
    """Ask every implementation the first variants of each view; return the disagreements found."""
    problems: dict[str, list[str]] = {}
    for name in names:
        view = VIEWS[name]
        for variables in variants[name][:3]:
            answers: dict[str, Any] = {}
            for impl in ("kimnet-neo4j", "kimnet-embedded", "peer"):
                query = view.peer if impl == "peer" else view.kimnet
                if query is None:
                    continue
                client = HttpClient("127.0.0.1", setup.ports[impl], "/" if impl == "peer" else "/graphql", setup.headers(impl))
                status, body = await client.post(graphql_body(query, variables))
                await client.close()
                payload = json.loads(body)
                if status != 200 or payload.get("errors"):
                    raise SystemExit(f"bench: {impl} fails view {name} for {variables}: {body[:500]!r}")
                answers[impl] = (view.from_peer if impl == "peer" else view.from_kimnet)(payload["data"])
            answers["floor"] = view.from_floor(await view.run_floor(driver, variables))
            reference = answers["kimnet-neo4j"]
            for impl, answer in answers.items():
                if answer != reference:
                    problems.setdefault(name, []).append(f"{impl} differs from kimnet-neo4j for {variables}")
    return problems


async def _measure_all(
    setup: Setup, args: argparse.Namespace
) -> tuple[dict[tuple[str, str, int], list[Cell]], dict[str, list[str]]]:
    driver = neo4j.AsyncGraphDatabase.driver(setup.bolt, auth=("neo4j", PASSWORD), max_connection_pool_size=64)
    try:
        # A user of @neo4j/graphql indexes the id of each of its labels; kimnet finds every node through Entity.id.
        for label in ("Organisation", "Service", "Municipality", "Region", "WorkingGroup"):
            await driver.execute_query(f"CREATE INDEX peer_{label.lower()}_id IF NOT EXISTS FOR (n:{label}) ON (n.id)")  # type: ignore[arg-type]
        await driver.execute_query("CALL db.awaitIndexes(300)")
        variants = await choose_variants(driver, args.seed, args.variants)
        problems = await _agree(setup, driver, variants, args.views)
        cells: dict[tuple[str, str, int], list[Cell]] = {}
        for round_ in range(1, args.rounds + 1):
            for name in args.views:
                view = VIEWS[name]
                for concurrency in args.concurrency:
                    for impl in IMPLEMENTATIONS:
                        if impl == "peer" and view.peer is None:
                            continue
                        cell = await measure(
                            _worker_factory(setup, driver, impl, name, variants[name]), concurrency, args.duration, args.warmup
                        )
                        cells.setdefault((name, impl, concurrency), []).append(cell)
                        print(
                            f"bench: round {round_} view {name} c={concurrency:<2} {impl:<15} {cell.throughput:8.1f} req/s "
                            f"p50 {cell.p50 * 1000:8.1f} ms  p99 {cell.percentile(99) * 1000:8.1f} ms  ({cell.requests} requests)",
                            file=sys.stderr,
                        )
        return cells, problems
    finally:
        await driver.close()


def _worker_factory(setup: Setup, driver: neo4j.AsyncDriver, impl: str, name: str, variants: list[dict[str, Any]]) -> Any:
    view = VIEWS[name]
    if impl == "floor":

        async def make_floor(worker: int) -> Any:
            async def call(w: int, seq: int) -> None:
                await view.run_floor(driver, variants[(w + seq) % len(variants)])

            return call

        return make_floor
    query = view.peer if impl == "peer" else view.kimnet
    assert query is not None
    bodies = [graphql_body(query, v) for v in variants]

    async def make_http(worker: int) -> Any:
        client = HttpClient("127.0.0.1", setup.ports[impl], "/" if impl == "peer" else "/graphql", setup.headers(impl))

        async def call(w: int, seq: int) -> None:
            status, body = await client.post(bodies[(w + seq) % len(bodies)])
            if status != 200 or b'"errors"' in body[:12]:
                raise RuntimeError(f"{impl} failed view {name}: {status} {body[:300]!r}")

        return call

    return make_http


# -- the report ---------------------------------------------------------------------------------


def _machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    try:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        node = "?"
    peer = json.loads((ROOT / "bench" / "node" / "node_modules" / "@neo4j" / "graphql" / "package.json").read_text())["version"]
    apollo = json.loads((ROOT / "bench" / "node" / "node_modules" / "@apollo" / "server" / "package.json").read_text())["version"]
    from importlib.metadata import version

    return [
        f"machine: {cpu}, {os.cpu_count()} cores, {mem / 1024 / 1024:.1f} GiB RAM, {platform.system()} {platform.release()}",
        f"software: Python {platform.python_version()}, strawberry-graphql {version('strawberry-graphql')}, uvicorn {version('uvicorn')}, "
        f"neo4j driver {version('neo4j')}; Node {node}, @neo4j/graphql {peer}, @apollo/server {apollo}; Neo4j {_neo4j_version()} (heap 1g, page cache 512m)",
    ]


def _neo4j_version() -> str:
    lib = ROOT / ".cache" / "neo4j"
    versions = sorted(p.name for p in lib.iterdir() if p.is_dir() and p.name[0].isdigit()) if lib.exists() else []
    return versions[-1] if versions else "?"


def _median(cells: list[Cell], what: str) -> float:
    values = [c.throughput if what == "rps" else (c.p50 if what == "p50" else c.percentile(99)) * 1000 for c in cells]
    return statistics.median(values)


def report(
    setup: Setup,
    args: argparse.Namespace,
    cells: dict[tuple[str, str, int], list[Cell]],
    problems: dict[str, list[str]],
    load: tuple[float, float],
) -> str:
    lines = [
        f"kimnet benchmark, {dt.datetime.now().isoformat(timespec='minutes')}: synthetic:nrw seed {args.seed} scale {args.scale} "
        f"({setup.figures['nodes']:,.0f} nodes, {setup.figures['edges']:,.0f} relationships), asOf {DAY}",
        *_machine(),
        f"run: {args.rounds} rounds x {args.duration:g} s per cell after {args.warmup:g} s warm-up; figures are medians over rounds; "
        f"kimnet on Neo4j with {args.workers} uvicorn worker(s); load average {load[0]:.2f} before, {load[1]:.2f} after",
        "",
        "| view | c | kimnet·neo4j req/s | p50 ms | p99 ms | kimnet·embedded req/s | p50 ms | p99 ms | peer req/s | p50 ms | p99 ms | floor req/s | p50 ms | p99 ms | kimnet·neo4j / peer (req/s) | kimnet / floor (p50 time: neo4j, embedded) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in args.views:
        for concurrency in args.concurrency:
            row = [f"{name}", f"{concurrency}"]
            got: dict[str, tuple[float, float, float]] = {}
            for impl in IMPLEMENTATIONS:
                found = cells.get((name, impl, concurrency))
                if not found:
                    row += ["–", "–", "–"]
                    continue
                got[impl] = (_median(found, "rps"), _median(found, "p50"), _median(found, "p99"))
                row += [f"{got[impl][0]:.1f}", f"{got[impl][1]:.1f}", f"{got[impl][2]:.1f}"]
            row.append(f"{got['kimnet-neo4j'][0] / got['peer'][0]:.2f}×" if "peer" in got and "kimnet-neo4j" in got else "–")
            if "floor" in got:
                ratios = [f"{got[i][1] / got['floor'][1]:.2f}×" for i in ("kimnet-neo4j", "kimnet-embedded") if i in got]
                row.append(", ".join(ratios))
            else:
                row.append("–")
            lines.append("| " + " | ".join(row) + " |")
    f = setup.figures
    lines += [
        "",
        f"import into Neo4j: {f['import_s']:.1f} s ({f['nodes'] + f['edges']:,.0f} rows, staged then swapped); "
        f"embedded store opens in {f['embedded_open_s']:.1f} s, peak RSS {f['embedded_rss_mb']:.0f} MB; generating the network: {f['generate_s']:.1f} s",
    ]
    for name, found in problems.items():
        lines += [f"ANSWERS DIFFER in view {name}: {p}" for p in found]
    lines += ["", *targets(setup, args, cells)]
    return "\n".join(lines)


def targets(setup: Setup, args: argparse.Namespace, cells: dict[tuple[str, str, int], list[Cell]]) -> list[str]:
    out = ["targets:"]

    def check(ok: bool, text: str) -> None:
        out.append(f"  {'met   ' if ok else 'MISSED'}  {text}")

    for name in "ab":
        for concurrency in args.concurrency:
            mine, peer = cells.get((name, "kimnet-neo4j", concurrency)), cells.get((name, "peer", concurrency))
            if mine and peer:
                ratio = _median(mine, "rps") / _median(peer, "rps")
                check(
                    ratio >= 1.0,
                    f"view {name}, c={concurrency}: kimnet on Neo4j at {ratio:.2f}× the throughput of @neo4j/graphql (≥ 1.0×)",
                )
    for name in "cd":
        for impl in ("kimnet-neo4j", "kimnet-embedded"):
            mine, floor = cells.get((name, impl, 1)), cells.get((name, "floor", 1))
            if mine and floor:
                ratio = _median(mine, "p50") / _median(floor, "p50")
                check(ratio <= 2.0, f"view {name}, c=1: {impl} takes {ratio:.2f}× the hand-written Cypher floor (≤ 2×)")
    for impl, limit in (("kimnet-neo4j", 25.0), ("kimnet-embedded", 10.0)):
        if found := cells.get(("c", impl, 1)):
            check(_median(found, "p50") <= limit, f"referral p50 {impl}: {_median(found, 'p50'):.1f} ms (≤ {limit:.0f} ms)")
    for impl in ("kimnet-neo4j", "kimnet-embedded"):
        if found := cells.get(("d", impl, 1)):
            check(_median(found, "p50") <= 1000, f"coverage-gap report {impl}: p50 {_median(found, 'p50'):.0f} ms (≤ 1000 ms)")
    f = setup.figures
    check(f["import_s"] <= 60, f"import into Neo4j: {f['import_s']:.1f} s (≤ 60 s)")
    check(f["embedded_open_s"] <= 5, f"embedded store opens in {f['embedded_open_s']:.1f} s (≤ 5 s)")
    check(f["embedded_rss_mb"] <= 1024, f"embedded store peak RSS {f['embedded_rss_mb']:.0f} MB (≤ 1024 MB)")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic network and of the variants (default 1)")
    parser.add_argument("--scale", type=float, default=1.0, help="size of the synthetic network (default 1.0: state scale)")
    parser.add_argument("--views", default="abcd", help="which views to measure (default abcd)")
    parser.add_argument("--concurrency", default="1,32", help="concurrencies, comma-separated (default 1,32)")
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per cell (default 5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each cell (default 1)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the table shows medians over them (default 3)")
    parser.add_argument(
        "--variants", type=int, default=16, help="counties, towns and cases each view rotates through (default 16)"
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of kimnet on Neo4j (default 2)")
    parser.add_argument("--bolt-port", type=int, default=7697, help="Bolt port of the benchmark's own Neo4j (default 7697)")
    parser.add_argument("--port-base", type=int, default=8101, help="first of the three HTTP ports on loopback (default 8101)")
    parser.add_argument("--keep-neo4j", action="store_true", help="leave the benchmark's Neo4j running afterwards")
    parser.add_argument("--output", type=Path, default=CACHE / "latest.md", help="also write the table here")
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    # SIGTERM (a timeout, a CI stop) must still stop the servers and Neo4j that this run started.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    setup = Setup(args.bolt_port, {impl: args.port_base + i for i, impl in enumerate(IMPLEMENTATIONS[:3])})
    load_before = os.getloadavg()[0]
    with _services(setup, args):
        cells, problems = asyncio.run(_measure_all(setup, args))
    text = report(setup, args, cells, problems, (load_before, os.getloadavg()[0]))
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n")
    print(f"\nbench: the table is also in {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
