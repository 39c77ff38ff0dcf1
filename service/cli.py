"""The ``kimnet`` command line: load, serve, stats, schema, neo4j; export, import, report (``cli_coordinators``); token (``cli_token``).

Exit codes: 0 done, 1 the store failed or is unavailable, 2 bad input (the
message says what was wrong; nothing was written).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from kimnet.graph.io.seedfile import load_seed_dir
from kimnet.graph.io.synthetic import nrw
from kimnet.graph.model.errors import KimnetError, NoStoreError, StoreInUseError, ValidationError
from kimnet.graph.model.graphdata import GraphData, checksum, counts
from kimnet.service import cli_coordinators, cli_token
from kimnet.service.config import Settings
from kimnet.service.progress import ProgressBar
from kimnet.service.stores import open_store

__all__ = ["main"]

NEO4J_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "neo4j"

#: Where a running service serves what the file commands write (README, "For coordinators").
RUNNING_SERVICE_HINT = "GET /export/{graphml,gexf,csv,hsds} and /report/coverage.{png,pdf,html}, or the explorer's buttons"

#: ``kimnet load synthetic:nrw`` makes a network instead of reading one.
SYNTHETIC = "synthetic:"


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
        workers=getattr(args, "workers", None),
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kimnet", description="The integration partner network as a GraphQL service.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    load = commands.add_parser("load", help="replace the store's graph with a seed folder or a synthetic network")
    load.add_argument(
        "path", help="a seed folder, e.g. seeds/coesfeld, or synthetic:nrw (a state-sized network made from --seed)"
    )
    load.add_argument("--check", action="store_true", help="only check the seed; write nothing")
    load.add_argument(
        "--seed", type=int, default=1, help="synthetic:nrw only: the random seed (default 1); same seed, same graph"
    )
    load.add_argument(
        "--scale", type=float, default=1.0, help="synthetic:nrw only: size factor (default 1.0, about 74,000 nodes)"
    )
    _store_options(load)

    serve = commands.add_parser("serve", help="run the GraphQL service")
    serve.add_argument("--host", help="address to listen on (KIMNET_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (KIMNET_PORT, default 8000)")
    serve.add_argument("--workers", type=int, help="server processes, with Neo4j only (KIMNET_WORKERS, default 1)")
    _store_options(serve)

    stats = commands.add_parser("stats", help="print the store's counts per kind and its content checksum")
    _store_options(stats)

    commands.add_parser("schema", help="print the GraphQL schema (SDL)")

    cli_coordinators.add_commands(commands, _store_options)  # export, import csv, report coverage
    cli_token.add_commands(commands)  # token create

    neo4j = commands.add_parser("neo4j", help="start, stop or inspect the development Neo4j (scripts/neo4j)")
    neo4j.add_argument("action", choices=["start", "stop", "status", "fetch", "uri"])
    return parser


def _source(args: argparse.Namespace) -> GraphData:
    """The graph that ``kimnet load`` names: a seed folder, or a synthetic network."""
    if args.path.startswith(SYNTHETIC):
        name = args.path[len(SYNTHETIC) :]
        if name != "nrw":
            raise ValueError(f"there is no synthetic network {name!r}; the one there is: {SYNTHETIC}nrw")
        return nrw(args.seed, args.scale)
    return load_seed_dir(Path(args.path))


async def _load(args: argparse.Namespace) -> int:
    data = _source(args)
    if args.check:
        found = counts(data)
        print(json.dumps({"ok": True, "nodes": found.nodes, "edges": found.edges, "checksum": checksum(data)}, indent=2))
        return 0
    settings = _settings(args)
    store = await open_store(settings)
    try:
        await store.replace_all(data, ProgressBar(f"loading into {store.name}"))
    finally:
        await store.close()
    found, digest = counts(data), checksum(data)
    print(json.dumps({"store": store.name, "nodes": found.nodes, "edges": found.edges, "checksum": digest}, indent=2))
    return 0


async def _stats(args: argparse.Namespace) -> int:
    store = await open_store(_settings(args), existing=True)
    try:
        data = await store.snapshot()
    finally:
        await store.close()
    found = counts(data)
    print(json.dumps({"store": store.name, "nodes": found.nodes, "edges": found.edges, "checksum": checksum(data)}, indent=2))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from kimnet.service.server import serve  # logs, graceful shutdown, clean start-up errors

    return serve(_settings(args))


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
        if args.command in cli_token.COMMANDS:
            return cli_token.run(args, Settings.from_env())
        if args.command in cli_coordinators.COMMANDS:
            return asyncio.run(cli_coordinators.run(args, _settings(args)))
        if args.command == "stats":
            return asyncio.run(_stats(args))
        if args.command == "serve":
            return _serve(args)
        if args.command == "schema":
            from kimnet.schema.root import schema

            print(schema.as_str())
            return 0
        return _neo4j(args)
    except (ValidationError, NoStoreError, FileNotFoundError, ValueError) as exc:
        print(f"kimnet: {exc}", file=sys.stderr)
        return 2
    except StoreInUseError as exc:
        # The usual cause: the service runs on this folder. It serves the same files itself.
        print(f"kimnet: {exc}; while it runs, download exports and reports from it: {RUNNING_SERVICE_HINT}", file=sys.stderr)
        return 1
    except KimnetError as exc:
        print(f"kimnet: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"kimnet: {exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # A command never ends in a traceback; this is a bug, and the message says so.
        print(f"kimnet: internal error ({type(exc).__name__}: {exc}); please report it", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
