"""The long fuzzing run: thousands of generated operations against kimnet, on one store.

    .venv/bin/python -m bench.fuzz [--examples 2000] [--neo4j-uri bolt://127.0.0.1:7692]

Runs kimnet in-process over the Coesfeld seed (a temporary embedded store, or
the Neo4j at ``--neo4j-uri``, whose graph it REPLACES with the seed), sends
``--examples`` operations generated from the schema by hypothesis-graphql
(valid queries, valid mutations as an admin, invalid documents) and fails on
any 5xx or internal error. Prints how the operations ended and the rate.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from starlette.testclient import TestClient

from kimnet.graph.io.seedfile import load_seed_dir
from kimnet.schema.access import Role
from kimnet.service.app import create_app
from kimnet.service.config import Secret
from kimnet.service.stores import open_store
from tests.service.fuzzing import fuzz
from tests.service.hardening import SEED, bearer, settings


async def _reset(config: object) -> None:
    store = await open_store(config)  # type: ignore[arg-type]
    try:
        await store.replace_all(load_seed_dir(SEED))
    finally:
        await store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--neo4j-uri", help="fuzz kimnet on this Neo4j (its graph is replaced with the seed)")
    parser.add_argument("--neo4j-password", default="kimnet-dev-password")
    parser.add_argument("--seed", type=int, help="the random seed (default: derandomised, the same operations every run)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        config = settings(Path(tmp), rate_limit=0.0)
        if args.neo4j_uri:
            config = settings(Path(tmp), rate_limit=0.0, neo4j_uri=args.neo4j_uri, neo4j_password=Secret(args.neo4j_password))
            asyncio.run(_reset(config))
        outcome: Counter[str] = Counter()
        started = time.perf_counter()
        with TestClient(create_app(config), headers=bearer(Role.ADMIN, "fuzzer")) as client:

            def post(document: str) -> tuple[int, bytes]:
                response = client.post("/graphql", json={"query": document})
                return response.status_code, response.content

            fuzz(post, args.examples, outcome, args.seed)
        seconds = time.perf_counter() - started
    total = sum(outcome.values())
    store = "neo4j" if args.neo4j_uri else "embedded"
    print(f"fuzz: {total} operations on {store} in {seconds:.0f} s ({total / seconds:.1f}/s): no 5xx, no internal error")
    for kind, count in outcome.most_common():
        print(f"  {count:6d}  {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
