"""Running the service: ``kimnet serve``.

The store is opened before the server starts, so that damaged files of the
embedded store are reported as one clear line (and exit code 1), not as a
traceback from inside the server. Neo4j need not answer yet (see
``service.readiness``).

SIGTERM and SIGINT shut down gracefully: the server stops accepting
connections, requests in flight finish (for at most
``KIMNET_SHUTDOWN_TIMEOUT`` seconds; then they are cancelled, and their
questions in worker threads stop at their next checkpoint), then the store is
closed (the Neo4j driver with its connections) and the process exits with 0
at once, without tearing the interpreter down (``serve``).

Development mode lets anyone read without a token, so it listens on loopback
only; production mode may listen anywhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import os
import signal
import sys
from typing import Any

from kimnet.service.config import Settings
from kimnet.service.connections import server_options
from kimnet.service.logs import configure
from kimnet.service.stores import open_store

__all__ = ["STARTUP_FAILED", "check_listen_address", "serve", "worker_app"]

log = logging.getLogger("kimnet")

#: Exit code when the app could not start (uvicorn's code for the same).
STARTUP_FAILED = 3


def check_listen_address(settings: Settings) -> None:
    """Refuse a non-loopback address in development mode.

    Raises:
        ValueError: the message says how to listen there.
    """
    if settings.production:
        return
    host = settings.host.strip("[]")
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise ValueError(
            f"development mode lets anyone read without a token, so it listens on loopback only, not {host}; "
            "set KIMNET_ENV=production (with KIMNET_JWT_SECRET or KIMNET_JWT_PUBLIC_KEY_FILE) to listen there"
        )


def serve(settings: Settings) -> int:
    """Run the service until SIGTERM or SIGINT, then end the process with the exit code (with workers: return it).

    Raises:
        ValueError: settings that cannot work (the message says which).
        KimnetError: the store cannot be opened (e.g. StoreCorruptedError).
    """
    configure(settings.log_level, settings.log_format)
    check_listen_address(settings)
    if settings.workers > 1:
        return _run_workers(settings)
    code = asyncio.run(_run(settings))
    # The store is closed and every log line written: the process ends here. Tearing the
    # interpreter down would free the read cache object by object (millions of them at state
    # scale) while worker threads still finish answers nobody awaits; that took over 10 s
    # after a SIGTERM with heavy questions in flight, past the grace period.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _run_workers(settings: Settings) -> int:
    """Serve with several processes on one socket; each opens its own Neo4j driver (the service is stateless)."""
    import uvicorn

    if settings.backend != "neo4j":
        raise ValueError("the embedded store belongs to one process; use --workers (KIMNET_WORKERS) only with --neo4j-uri")
    # The workers start afresh and read their settings from the environment: all of them, options included.
    os.environ.update(settings.to_env())
    log.info("kimnet serves Neo4j at http://%s:%s/graphql with %d workers", settings.host, settings.port, settings.workers)
    uvicorn.run(
        "kimnet.service.server:worker_app",
        factory=True,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout),
        log_level=settings.log_level,
        **server_options(settings),
    )
    return 0


def worker_app() -> Any:
    """The app of one worker process, from the environment that ``_run_workers`` set."""
    from kimnet.service.app import create_app

    settings = Settings.from_env()
    configure(settings.log_level, settings.log_format)
    server_options(settings)  # this process's bound on header time (its protocol class is its own)
    return create_app(settings)


def banner(settings: Settings) -> str:
    """What a person who started a development server needs to know: where to point the browser.

    >>> print(banner(Settings(port=8080)))  # doctest: +NORMALIZE_WHITESPACE
    kimnet is running (development mode, no token needed on this machine):
      Explorer   http://127.0.0.1:8080/
      GraphiQL   http://127.0.0.1:8080/graphql
      Downloads  http://127.0.0.1:8080/export/graphml  (gexf, csv, hsds), http://127.0.0.1:8080/report/coverage.pdf
    Stop it with Ctrl+C.
    """
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    base = f"http://{host}:{settings.port}"
    return (
        "kimnet is running (development mode, no token needed on this machine):\n"
        f"  Explorer   {base}/\n"
        f"  GraphiQL   {base}/graphql\n"
        f"  Downloads  {base}/export/graphml  (gexf, csv, hsds), {base}/report/coverage.pdf\n"
        "Stop it with Ctrl+C."
    )


async def _announce(server: Any, settings: Settings) -> None:
    """Print the banner once the server listens (log lines are for collectors; this is for a person)."""
    while not server.started:  # noqa: ASYNC110 - uvicorn sets a flag, it has no event for "listening"
        await asyncio.sleep(0.05)
    print(banner(settings), file=sys.stderr, flush=True)


async def _run(settings: Settings) -> int:
    import uvicorn

    from kimnet.service.app import create_app

    store = await open_store(settings, lazy=True)
    try:
        app = create_app(settings, store)
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,  # our handlers (service.logs) format every line
            access_log=False,  # the Gate writes one access line per request, without query strings
            lifespan="on",
            timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout),
            log_level=settings.log_level,
            **server_options(settings),
        )
        server = uvicorn.Server(config)
        where = "Neo4j" if settings.neo4j_uri else f"the embedded store in {settings.data_dir}"
        log.info("kimnet serves %s at http://%s:%s/graphql (%s mode)", where, settings.host, settings.port, settings.env)
        # uvicorn handles SIGTERM and SIGINT while it serves, then raises them again for the
        # handlers that were there before; these no-ops let the shutdown end here, with 0.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda number, frame: None)
        announce = None if settings.production else asyncio.create_task(_announce(server, settings))
        try:
            await server.serve()
        finally:
            if announce is not None:
                announce.cancel()
        return 0 if server.started else STARTUP_FAILED
    finally:
        await store.close()
        log.info("closed the %s store", store.name, extra={"store": store.name, "event": "store_closed"})
