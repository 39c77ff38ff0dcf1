"""Helpers for the hardening tests: settings with a token key, tokens, an in-loop HTTP client."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from kimnet.graph.stores.store import Store
from kimnet.schema.access import Role
from kimnet.service.app import create_app
from kimnet.service.auth import create_token
from kimnet.service.config import Secret, Settings

SEED = Path(__file__).resolve().parents[2] / "seeds" / "coesfeld"
SECRET = "test-secret-that-is-long-enough-for-hs256"


def settings(tmp: Path, **overrides: Any) -> Settings:
    """Development settings over an embedded store in ``tmp``, with a token secret."""
    values: dict[str, Any] = {"data_dir": tmp, "seed": SEED, "jwt_secret": Secret(SECRET), "log_format": "text"}
    return Settings(**{**values, **overrides})


def token(role: Role, subject: str | None = None) -> str:
    base = Settings(jwt_secret=Secret(SECRET))
    return create_token(base, role, subject or f"test-{role.label}", dt.timedelta(hours=1))


def bearer(role: Role, subject: str | None = None) -> dict[str, str]:
    return {"authorization": f"Bearer {token(role, subject)}"}


@contextlib.asynccontextmanager
async def served(config: Settings, store: Store | None = None) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette]]:
    """The app over ``store`` (or its own), with its lifespan, and a client in this event loop."""
    app = create_app(config, store)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://kimnet") as client:
            yield client, app
