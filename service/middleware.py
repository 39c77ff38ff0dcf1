"""The HTTP gate in front of the app: request id, limits, access, metrics, the access log.

For every request, in this order:

1. a request id: the client's ``X-Request-ID`` if it is a plain short token,
   else a new one; it is sent back and carried by every log line; beside it,
   in development only, ``X-Kimnet-Worker``, the id of the process that answered;
2. for every route but the public ones (health checks, and the explorer's
   static page and assets, which hold no data): the body limit (``413``; a query
   string over it is ``414``), the bearer token (``401``; in production every
   request needs one), the rate limit per client (``429`` with
   ``Retry-After``), and for ``/graphql`` the store's readiness (``503`` with
   ``Retry-After`` while the database does not answer);
3. one access-log line and the request metrics, after the answer.

Every refusal is a GraphQL-shaped JSON error with ``extensions.code``; an
exception that escapes the app is logged and answered with a masked ``500``.
A new route is guarded unless it is added to ``PUBLIC``: closed by default.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kimnet.graph.model.errors import UnauthenticatedError
from kimnet.schema.access import Principal
from kimnet.schema.guard import UNAVAILABLE_MESSAGE
from kimnet.service.auth import Authenticator
from kimnet.service.logs import request_id
from kimnet.service.metrics import ROUTES, Metrics
from kimnet.service.ratelimit import RateLimiter
from kimnet.service.readiness import Readiness

__all__ = ["PUBLIC", "Gate", "guarded"]

log = logging.getLogger("kimnet.http")

#: Routes anyone may fetch: health checks for orchestrators, and the explorer's static files.
PUBLIC = frozenset({"/healthz", "/readyz", "/", "/favicon.ico"})
PUBLIC_PREFIXES = ("/assets/",)


def guarded(path: str) -> bool:
    """Tell whether ``path`` is behind the body limit, the token check and the rate limit."""
    return path not in PUBLIC and not path.startswith(PUBLIC_PREFIXES)


_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class _BodyTooLargeError(Exception):
    pass


class _BodyTooSlowError(Exception):
    pass


def _route(path: str) -> str:
    # Only known routes are named: a path is chosen by the client and may carry anything.
    return path if path in ROUTES or path in PUBLIC else "other"


def _refusal(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    extensions: dict[str, Any] = {"code": code, **({"retriable": True} if code == "DATABASE_UNAVAILABLE" else {})}
    body = json.dumps({"errors": [{"message": message, "extensions": extensions}]}).encode()
    return status, body, headers or {}


class Gate:
    """ASGI middleware: see the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        authenticator: Authenticator,
        limiter: RateLimiter,
        metrics: Metrics,
        readiness: Callable[[], Readiness | None],
        max_body_bytes: int,
        body_timeout: float = 30.0,
    ) -> None:
        self.app = app
        self.body_timeout = body_timeout
        self.authenticator = authenticator
        self.limiter = limiter
        self.metrics = metrics
        self.readiness = readiness
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        given = headers.get("x-request-id", "")
        rid = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        path: str = scope.get("path", "")
        status = 500
        response_started = False
        principal: Principal | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = [*message.get("headers", []), (b"x-request-id", rid.encode())]
                if not self.authenticator.production:
                    # Which of several uvicorn workers answered (the mixed benchmark measures freshness by it);
                    # a process id is nobody's business in production.
                    headers.append((b"x-kimnet-worker", str(os.getpid()).encode()))
                message = {**message, "headers": headers}
            await send(message)

        async def refuse(refusal: tuple[int, bytes, dict[str, str]]) -> None:
            code, body, extra = refusal
            self.metrics.error(json.loads(body)["errors"][0]["extensions"]["code"])
            await send_with_id(
                {
                    "type": "http.response.start",
                    "status": code,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        *[(k.lower().encode(), v.encode()) for k, v in extra.items()],
                    ],
                }
            )
            await send_with_id({"type": "http.response.body", "body": body})

        try:
            if guarded(path):
                refusal, principal = self._admit(scope, headers, path)
                if refusal is not None:
                    await refuse(refusal)
                    return
                scope.setdefault("state", {})["principal"] = principal
            try:
                await self.app(scope, self._limited(receive) if guarded(path) else receive, send_with_id)
            except _BodyTooLargeError:
                if not response_started:
                    await refuse(self._too_large())
            except _BodyTooSlowError:
                if not response_started:
                    await refuse(
                        _refusal(
                            408,
                            "REQUEST_TIMEOUT",
                            f"the request body did not arrive within {self.body_timeout:g} s (KIMNET_BODY_TIMEOUT)",
                            {"Connection": "close"},
                        )
                    )
            if path == "/graphql" and status == 503 and (readiness := self.readiness()) is not None:
                readiness.lost()
            for code in getattr(scope.get("state", {}).get("graphql_context"), "error_codes", ()):
                self.metrics.error(code)
        except Exception:
            log.exception("unhandled error while answering %s", _route(path))
            if not response_started:
                await refuse(_refusal(500, "INTERNAL", "internal error; it has been logged"))
        finally:
            seconds = time.perf_counter() - started
            self.metrics.observe(path, scope.get("method", ""), status, seconds)
            client = scope.get("client")
            log.info(
                "%s %s %s",
                scope.get("method"),
                _route(path),
                status,
                extra={
                    "request_id": rid,
                    "method": scope.get("method"),
                    "route": _route(path),
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": client[0] if client else None,
                    "subject": principal.subject if principal else None,
                },
            )
            request_id.reset(token)

    def _admit(
        self, scope: Scope, headers: dict[str, str], path: str
    ) -> tuple[tuple[int, bytes, dict[str, str]] | None, Principal | None]:
        """Decide whether a request to a guarded route may go on; return (refusal or None, principal)."""
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            return self._too_large(), None
        if len(scope.get("query_string", b"")) > self.max_body_bytes:
            return _refusal(
                414, "BODY_TOO_LARGE", f"the query string is longer than {self.max_body_bytes} bytes; send the query by POST"
            ), None
        client = scope.get("client")
        address = f"addr:{client[0] if client else '-'}"
        try:
            principal = self.authenticator.principal(headers.get("authorization"))
        except UnauthenticatedError as exc:
            # Failed logins count against the address, so that guessing tokens is rate-limited too.
            if (wait := self.limiter.allow(address)) > 0:
                return self._rate_limited(wait), None
            return _refusal(401, "UNAUTHENTICATED", str(exc), {"WWW-Authenticate": 'Bearer realm="kimnet"'}), None
        wait = self.limiter.allow(f"sub:{principal.subject}" if principal.authenticated else address)
        if wait > 0:
            return self._rate_limited(wait), principal
        readiness = self.readiness()
        if path == "/graphql" and readiness is not None and not readiness.ready:
            return _refusal(503, "DATABASE_UNAVAILABLE", UNAVAILABLE_MESSAGE, {"Retry-After": "2"}), principal
        return None, principal

    def _rate_limited(self, wait: float) -> tuple[int, bytes, dict[str, str]]:
        return _refusal(
            429,
            "RATE_LIMITED",
            f"too many requests: at most {self.limiter.rate:g} per second on average (KIMNET_RATE_LIMIT); "
            f"retry in {math.ceil(wait)} s",
            {"Retry-After": str(math.ceil(wait))},
        )

    def _too_large(self) -> tuple[int, bytes, dict[str, str]]:
        return _refusal(
            413, "BODY_TOO_LARGE", f"the request body is larger than {self.max_body_bytes} bytes (KIMNET_MAX_BODY_BYTES)"
        )

    def _limited(self, receive: Receive) -> Receive:
        """Wrap ``receive`` so that a body over the limit, or late, stops the request, whatever Content-Length said.

        A body shorter than its Content-Length would otherwise be waited for for ever.
        """
        seen = 0
        deadline = asyncio.get_running_loop().time() + self.body_timeout
        complete = False

        async def receive_limited() -> Message:
            nonlocal seen, complete
            if complete:  # the body is in: what follows is a disconnect, which may come at any time
                return await receive()
            try:
                message: Any = await asyncio.wait_for(receive(), deadline - asyncio.get_running_loop().time())
            except TimeoutError:
                raise _BodyTooSlowError from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise _BodyTooLargeError
                complete = not message.get("more_body", False)
            return message  # type: ignore[no-any-return]

        return receive_limited
