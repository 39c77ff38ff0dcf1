"""The ASGI application: GraphQL at /graphql, health at /healthz and /readyz, the explorer at /, downloads.

The store is opened in the lifespan and closed there; it reaches the resolvers
through the per-request context, never as a module global. With Neo4j, the app
starts even when the database does not answer yet (``service.readiness``).
In front of everything is the ``Gate`` (``service.middleware``): request ids,
tokens, limits, metrics and the access log. ``/metrics`` is for Prometheus.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kimnet.graph.read.readcache import ReadCache
from kimnet.graph.read.workers import SWITCH_INTERVAL
from kimnet.graph.stores.collector import Freezer, limit_arenas, settle
from kimnet.graph.stores.store import Store
from kimnet.schema.access import ANONYMOUS
from kimnet.schema.context import Context
from kimnet.schema.guard import Policy
from kimnet.schema.root import schema
from kimnet.schema.wording import preferred_language
from kimnet.service.auth import Authenticator
from kimnet.service.config import Settings
from kimnet.service.downloads import download_routes
from kimnet.service.graphql_http import graphql_endpoint
from kimnet.service.logs import request_id
from kimnet.service.metrics import CONTENT_TYPE, Metrics
from kimnet.service.middleware import Gate
from kimnet.service.ratelimit import RateLimiter
from kimnet.service.readiness import Readiness
from kimnet.service.stores import open_store
from kimnet.service.web import web_routes

__all__ = ["create_app"]

log = logging.getLogger("kimnet")


def _context(request: Request) -> Context:
    context = Context(
        request.app.state.store,
        cache=request.app.state.read_cache,
        principal=getattr(request.state, "principal", ANONYMOUS),
        policy=request.app.state.policy,
        request_id=request_id.get(),
        timeout=request.app.state.request_timeout,
        language=preferred_language(request.headers.get("accept-language")),
    )
    request.state.graphql_context = context  # the Gate counts its error codes
    return context


async def healthz(request: Request) -> JSONResponse:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Readiness: the store is prepared and answers a ping within 2 seconds."""
    readiness: Readiness = request.app.state.readiness
    if await readiness.check():
        return JSONResponse({"status": "ready", "store": readiness.store.name})
    body = {"status": "unavailable", "store": readiness.store.name}
    if not request.app.state.policy.production:
        body["reason"] = readiness.reason  # production does not tell why: it could name hosts
    return JSONResponse(body, status_code=503, headers={"Retry-After": "2"})


async def metrics(request: Request) -> Response:
    """Prometheus metrics, in the text format."""
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE)


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    """Build the app; it opens the configured store at startup unless one is given.

    Raises:
        ValueError: settings that cannot work (production without a token key, a short secret).
    """
    authenticator = Authenticator(settings)
    state: dict[str, Readiness] = {}  # filled by the lifespan; the Gate and the metrics look here
    caches: list[ReadCache] = []  # likewise: the store's read cache, once the lifespan made it
    app_metrics = Metrics(
        lambda: getattr(state.get("readiness"), "store", None), lambda: _ready(state), lambda: caches[0] if caches else None
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        opened = store or await open_store(settings, lazy=True)
        readiness = Readiness(opened, settings.seed)
        try:
            app.state.store = opened
            # One read cache for all requests. What it keeps lives until the next write: it is moved out
            # of the cyclic collector's full passes (gc.freeze), which over a state's graph (millions of
            # objects) took a tenth of a second and more each, paid by whichever request set one off.
            # Refcounting still frees a dropped generation (the index holds no cycles); what the freeze
            # caught of requests in flight is freed when the Freezer renews it.
            app.state.read_cache = ReadCache(opened, keep=Freezer())
            caches[:] = [app.state.read_cache]
            # Heavy questions run in worker threads: let the event loop have the GIL back sooner, and keep
            # what their answers free in two of glibc's heaps, not one per thread (collector.limit_arenas).
            sys.setswitchinterval(SWITCH_INTERVAL)
            limit_arenas()
            # What the start made (modules, the schema) is out of the collector's passes, and a request's
            # objects die before a pass sees them: full passes had stalled every request (collector.settle).
            settle()
            app.state.readiness = state["readiness"] = readiness
            await readiness.start()
            yield
        finally:
            await readiness.stop()
            if store is None:
                await opened.close()
                log.info("closed the %s store", opened.name, extra={"store": opened.name, "event": "store_closed"})

    graphql = graphql_endpoint(schema, _context, graphiql=not settings.production)
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            *download_routes(),  # exports and the coverage report, as files
            *web_routes(),  # the coordinators' explorer at /
        ],
        middleware=[
            Middleware(
                Gate,
                authenticator=authenticator,
                limiter=RateLimiter(settings.rate_limit, settings.rate_burst),
                metrics=app_metrics,
                readiness=lambda: state.get("readiness"),
                max_body_bytes=settings.max_body_bytes,
                body_timeout=settings.body_timeout,
            )
        ],
        lifespan=lifespan,
    )
    app.state.request_timeout = settings.request_timeout
    app.state.policy = Policy(production=settings.production, limits=settings.limits)
    app.state.metrics = app_metrics
    return app


def _ready(state: dict[str, Readiness]) -> bool:
    readiness = state.get("readiness")
    return readiness is not None and readiness.ready
