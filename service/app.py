"""The ASGI application: GraphQL at /graphql, health at /healthz and /readyz.

The store is opened in the lifespan and closed there; it reaches the resolvers
through the per-request context, never as a module global.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kimnet.graph.errors import KimnetError
from kimnet.graph.store import Store
from kimnet.schema.context import Context
from kimnet.schema.root import schema
from kimnet.service.config import Settings
from kimnet.service.graphql_http import graphql_endpoint
from kimnet.service.stores import load_seed, open_store

__all__ = ["create_app"]

log = logging.getLogger("kimnet")


def _context(request: Request) -> Context:
    return Context(request.app.state.store)


async def healthz(request: Request) -> JSONResponse:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Readiness: the store answers."""
    store: Store = request.app.state.store
    try:
        await store.ping()
    except KimnetError as exc:
        return JSONResponse({"status": "unavailable", "store": store.name, "reason": str(exc)}, status_code=503)
    return JSONResponse({"status": "ready", "store": store.name})


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    """Build the app; it opens the configured store at startup unless one is given."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        opened = store or await open_store(settings)
        try:
            if await opened.is_empty():
                counts, _digest = await load_seed(opened, settings.seed)
                log.info(
                    "seeded the empty %s store from %s (%s nodes)", opened.name, settings.seed.name, sum(counts.nodes.values())
                )
            app.state.store = opened
            yield
        finally:
            if store is None:
                await opened.close()

    graphql = graphql_endpoint(schema, _context, graphiql=settings.env == "development")
    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/graphql", graphql, methods=["GET", "POST"]),
        ],
        lifespan=lifespan,
    )
