"""Requests per second of views a and b (``bench.views``), in-process, on both stores (printed figures, not a test).

    .venv/bin/python -m bench.views_inprocess [--scale 0.3] [--seconds 5] [--concurrency 1 8] [--neo4j-uri URI]

A quick check of the answer-building path without HTTP, the peer or a benchmark
Neo4j of its own: it makes the synthetic state at ``--scale``, loads it into an
embedded store in a temporary folder and (with ``--neo4j-uri``) into that Neo4j,
replacing its graph, and runs each view through ``schema.execute`` with that
many concurrent callers, rotating through counties (a) and towns (b) chosen by
``--seed`` as ``bench.run`` chooses them. Each cell warms up for a second, then
counts the answers of ``--seconds`` and the process's CPU time per answer.
``bench/run`` remains the benchmark of record.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.views import DAY, VIEWS
from kimnet.graph.io.synthetic import nrw
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.stores.embedded import EmbeddedStore
from kimnet.graph.stores.neo4j import Neo4jStore
from kimnet.graph.stores.store import Store
from kimnet.schema.access import Principal, Role
from kimnet.schema.context import Context
from kimnet.schema.root import schema

PRINCIPAL = Principal("bench", Role.ADMIN)


def _variants(data: GraphData, seed: int, count: int = 20) -> dict[str, list[dict[str, Any]]]:
    """Counties for view a and mid-sized towns for view b, picked like ``bench.views.choose_variants``."""
    rng = random.Random(seed)
    counties = sorted(n.id for n in data.nodes.values() if n.kind == "Region" and n.props.get("kind") == "county")
    towns = sorted(
        n.id
        for n in data.nodes.values()
        if n.kind == "Municipality" and isinstance(p := n.props.get("population"), int) and 10_000 <= p <= 200_000
    )
    return {
        "a": [{"county": c, "day": DAY} for c in rng.sample(counties, min(count, len(counties)))],
        "b": [{"municipality": m, "day": DAY} for m in rng.sample(towns, min(count, len(towns)))],
    }


async def _ask(store: Store, query: str, variables: dict[str, Any]) -> None:
    result = await schema.execute(query, variable_values=variables, context_value=Context(store, principal=PRINCIPAL))
    assert not result.errors, result.errors


async def _cell(store: Store, view: str, variants: list[dict[str, Any]], concurrency: int, seconds: float) -> tuple[float, float]:
    """Answers per second of ``view`` at ``concurrency`` callers, after a second of warm-up, and CPU ms per answer.

    The CPU time is this process's (the answer path, and on Neo4j its driver); on a machine
    shared with other work it moves far less than the wall-clock rate.
    """
    query = VIEWS[view].kimnet
    done = 0
    counting = False

    async def caller(number: int, until: float) -> None:
        nonlocal done
        turn = number
        while time.monotonic() < until:
            await _ask(store, query, variants[turn % len(variants)])
            turn += concurrency
            done += counting
            await asyncio.sleep(0)  # the embedded store never waits: let the other callers in, as a server would

    await asyncio.gather(*(caller(i, time.monotonic() + 1.0) for i in range(concurrency)))
    counting = True
    start, cpu = time.monotonic(), time.process_time()
    await asyncio.gather(*(caller(i, start + seconds) for i in range(concurrency)))
    return done / (time.monotonic() - start), (time.process_time() - cpu) * 1000 / max(done, 1)


async def _measure(name: str, store: Store, data: GraphData, args: argparse.Namespace) -> None:
    await store.replace_all(data)
    variants = _variants(data, args.seed)
    for view in ("a", "b"):
        for concurrency in args.concurrency:
            rate, cpu_ms = await _cell(store, view, variants[view], concurrency, args.seconds)
            print(
                f"{name:9} view {view}  concurrency {concurrency:2}  {rate:8.1f} requests/s  {cpu_ms:7.2f} CPU ms/request",
                flush=True,
            )


async def main_async(args: argparse.Namespace) -> None:
    data = nrw(args.seed, args.scale)
    print(f"synthetic:nrw seed {args.seed} scale {args.scale}: {len(data.nodes):,} entities, {len(data.edges):,} relationships")
    with tempfile.TemporaryDirectory() as folder:
        embedded = EmbeddedStore.open(Path(folder) / "store")
        try:
            await _measure("embedded", embedded, data, args)
        finally:
            await embedded.close()
    if args.neo4j_uri:
        neo4j = await Neo4jStore.connect(args.neo4j_uri, "neo4j", args.neo4j_password)
        try:
            await _measure("neo4j", neo4j, data, args)
        finally:
            await neo4j.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--neo4j-uri", help="also measure on this Neo4j (its graph is replaced), e.g. bolt://127.0.0.1:7687")
    parser.add_argument("--neo4j-password", default="kimnet-dev-password")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
