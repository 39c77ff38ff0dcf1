"""The ``kimnet`` command line: load, serve, stats, schema, neo4j.

Exit codes: 0 done, 1 the store failed or is unavailable, 2 bad input (the
message says what was wrong; nothing was written).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from kimnet.graph.errors import KimnetError, ValidationError
from kimnet.graph.graphdata import checksum, counts
from kimnet.graph.seedfile import load_seed_dir
from kimnet.service.config import Settings
from kimnet.service.stores import load_seed, open_store

__all__ = ["main"]

NEO4J_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "neo4j"


def _store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="folder of the embedded store (KIMNET_DATA_DIR)")
    parser.add_argument("--neo4j-uri", help="use Neo4j at this URI, e.g. bolt://127.0.0.1:7687 (KIMNET_NEO4J_URI)")
    parser.add_argument("--neo4j-user", help="Neo4j user (KIMNET_NEO4J_USER, default neo4j)")
    parser.add_argument("--neo4j-password", help="Neo4j password (KIMNET_NEO4J_PASSWORD; prefer the variable)")
    parser.add_argument("--neo4j-database", help="Neo4j database (KIMNET_NEO4J_DATABASE, default the server's)")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        data_dir=args.data_dir,
        neo4j_uri=args.neo4j_uri,
        neo4j_user=args.neo4j_user,
        neo4j_password=args.neo4j_password,
        neo4j_database=args.neo4j_database,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kimnet", description="The integration partner network as a GraphQL service.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    load = commands.add_parser("load", help="replace the store's graph with a seed folder")
    load.add_argument("path", type=Path, help="a seed folder, e.g. seeds/coesfeld")
    load.add_argument("--check", action="store_true", help="only check the seed; write nothing")
    _store_options(load)

    serve = commands.add_parser("serve", help="run the GraphQL service")
    serve.add_argument("--host", help="address to listen on (KIMNET_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (KIMNET_PORT, default 8000)")
    _store_options(serve)

    stats = commands.add_parser("stats", help="print the store's counts per kind and its content checksum")
    _store_options(stats)

    commands.add_parser("schema", help="print the GraphQL schema (SDL)")

    neo4j = commands.add_parser("neo4j", help="start, stop or inspect the development Neo4j (scripts/neo4j)")
    neo4j.add_argument("action", choices=["start", "stop", "status", "fetch", "uri"])
    return parser


async def _load(args: argparse.Namespace) -> int:
    data = load_seed_dir(args.path)
    if args.check:
        found = counts(data)
        print(json.dumps({"ok": True, "nodes": found.nodes, "edges": found.edges, "checksum": checksum(data)}, indent=2))
        return 0
    settings = _settings(args)
    store = await open_store(settings)
    try:
        found, digest = await load_seed(store, args.path)
    finally:
        await store.close()
    print(json.dumps({"store": store.name, "nodes": found.nodes, "edges": found.edges, "checksum": digest}, indent=2))
    return 0


async def _stats(args: argparse.Namespace) -> int:
    store = await open_store(_settings(args))
    try:
        data = await store.snapshot()
    finally:
        await store.close()
    found = counts(data)
    print(json.dumps({"store": store.name, "nodes": found.nodes, "edges": found.edges, "checksum": checksum(data)}, indent=2))
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from kimnet.service.app import create_app

    settings = _settings(args)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    where = (settings.neo4j_uri and "Neo4j") or f"the embedded store in {settings.data_dir}"
    print(f"kimnet serves {where} at http://{settings.host}:{settings.port}/graphql", file=sys.stderr)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level, lifespan="on")
    return 0


def _neo4j(args: argparse.Namespace) -> int:
    if not NEO4J_SCRIPT.exists():
        print("kimnet neo4j needs a source checkout (scripts/neo4j); start Neo4j another way", file=sys.stderr)
        return 2
    return subprocess.call([str(NEO4J_SCRIPT), args.action], env=os.environ.copy())


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "load":
            return asyncio.run(_load(args))
        if args.command == "stats":
            return asyncio.run(_stats(args))
        if args.command == "serve":
            return _serve(args)
        if args.command == "schema":
            from kimnet.schema.root import schema

            print(schema.as_str())
            return 0
        return _neo4j(args)
    except (ValidationError, FileNotFoundError, ValueError) as exc:
        print(f"kimnet: {exc}", file=sys.stderr)
        return 2
    except KimnetError as exc:
        print(f"kimnet: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
