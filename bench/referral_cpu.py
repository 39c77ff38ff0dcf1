"""CPU milliseconds per referral (view c) and per coverage-gap report (view d), in-process (printed figures, not a test).

    .venv/bin/python -m bench.referral_cpu [--scale 1.0] [--rounds 5] [--repeat 5] [--views c d] [--profile c]

The CPU a request costs is what a worker process of the service spends on it,
and at concurrency 8 on two cores a referral waits for the others' share
(bench/mixed). This measures it without HTTP or a Neo4j: it makes the
synthetic state at ``--scale``, loads it into an embedded store in a temporary
folder, makes one ``ReadCache`` (as the service does, with ``gc.freeze``) and runs the views
through ``schema.execute``: the referral for 16 cases picked by ``--seed`` as
``bench.views.choose_variants`` picks view c's (from the data, not a Neo4j), and
the gap report of all municipalities. After a warm-up (the cache's reads of
the graph, the day's catalogue and networks), each round times ``--repeat``
passes over the cases with ``time.process_time``; it prints the best round's
CPU ms per request of each view, and a digest of the answers (orjson, as the
service writes them): the same digest before and after a change says the
answers are byte-identical. ``--profile c`` (or d) prints a pyinstrument
profile of one more round instead.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from bench.views import DAY, VIEWS, draw_cases
from kimnet.graph.io.synthetic import nrw
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.read.readcache import ReadCache
from kimnet.graph.stores.embedded import EmbeddedStore
from kimnet.schema.access import Principal, Role
from kimnet.schema.context import Context
from kimnet.schema.root import schema

PRINCIPAL = Principal("bench", Role.ADMIN)


def cases(data: GraphData, seed: int, count: int = 16) -> list[dict[str, Any]]:
    """The referral cases of view c, drawn as ``bench.views.choose_variants`` draws them (it reads them from a Neo4j)."""
    rng = random.Random(seed)
    towns = sorted(
        n.id
        for n in data.nodes.values()
        if n.kind == "Municipality" and isinstance(p := n.props.get("population"), int) and 10_000 <= p <= 200_000
    )
    needs = sorted(n.id for n in data.nodes.values() if n.kind == "Need")
    return draw_cases(rng, towns, needs, count)


class Asker:
    """Runs one view's query for variables through ``schema.execute``, as the service does for one request."""

    def __init__(self, store: EmbeddedStore, cache: ReadCache) -> None:
        self.store, self.cache = store, cache

    async def __call__(self, view: str, variables: dict[str, Any]) -> dict[str, Any]:
        context = Context(self.store, cache=self.cache, principal=PRINCIPAL)
        result = await schema.execute(VIEWS[view].kimnet, variable_values=variables, context_value=context)
        assert not result.errors, result.errors
        assert result.data is not None
        return result.data


async def _round(ask: Asker, view: str, variants: list[dict[str, Any]], repeat: int) -> float:
    """CPU ms per request of ``repeat`` passes over ``variants``."""
    start = time.process_time()
    for _ in range(repeat):
        for variables in variants:
            await ask(view, variables)
    return (time.process_time() - start) * 1000 / (repeat * len(variants))


async def main_async(args: argparse.Namespace) -> None:
    data = nrw(args.seed, args.scale)
    print(f"synthetic:nrw seed {args.seed} scale {args.scale}: {len(data.nodes):,} entities, {len(data.edges):,} relationships")
    variants = {"c": cases(data, args.seed), "d": [{"day": DAY}]}
    repeat = {"c": args.repeat, "d": max(1, args.repeat * 2)}
    with tempfile.TemporaryDirectory() as folder:
        store = EmbeddedStore.open(Path(folder) / "store")
        try:
            await store.replace_all(data)
            # As the service keeps its reads (service.app): out of the cyclic collector's full passes,
            # which over a state's graph take a tenth of a second each, charged to whichever request set one off.
            gc.collect()
            gc.freeze()
            ask = Asker(store, ReadCache(store, keep=gc.freeze))
            for view in args.views:
                digest = hashlib.sha256()
                for variables in variants[view]:
                    digest.update(orjson.dumps(await ask(view, variables)))
                if args.profile == view:
                    from pyinstrument import Profiler

                    profiler = Profiler(interval=0.0005)
                    profiler.start()
                    await _round(ask, view, variants[view], repeat[view])
                    profiler.stop()
                    print(profiler.output_text(unicode=False, color=False, show_all=False))
                    continue
                best = min([await _round(ask, view, variants[view], repeat[view]) for _ in range(args.rounds)])
                print(f"view {view}  {best:7.2f} CPU ms/request  (best of {args.rounds})  answers {digest.hexdigest()[:16]}")
        finally:
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=5, help="rounds per view; the best is printed")
    parser.add_argument(
        "--repeat", type=int, default=5, help="passes over the 16 cases per round (the gap report: twice as many)"
    )
    parser.add_argument("--views", nargs="+", choices=["c", "d"], default=["c", "d"], help="the views to measure")
    parser.add_argument("--profile", choices=["c", "d"], help="print a profile of this view instead of its figure")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
