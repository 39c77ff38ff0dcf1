"""Connections: how long a client may take to send its headers, how many may be open, whom to believe.

uvicorn bounds the idle time between requests on a kept-alive connection, but
not the time a client takes to send a request's headers: a client that sends
one byte a minute holds its connection for ever, and a thousand of them hold
the server. ``TimedHttpToolsProtocol`` closes a connection (with ``408``) whose
headers are not complete ``header_timeout`` seconds after the request began,
or after the connection was opened. The body has its own bound, in the
``Gate`` (``KIMNET_BODY_TIMEOUT``), since only the app knows it waits for one.

``server_options`` gives the uvicorn settings that follow from ``Settings``:
that protocol, the bound on concurrent connections (``limit_concurrency``:
more get ``503``), and forwarded headers (``X-Forwarded-For``, ``-Proto``)
believed only from ``KIMNET_TRUSTED_PROXIES`` (none by default: a client could
otherwise choose the address that the rate limit and the access log see).

These bound one process; a production deployment puts a reverse proxy in front
(see the README, Security and operations).
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kimnet.service.config import Settings

__all__ = ["TimedHttpToolsProtocol", "server_options"]

_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain\r\ncontent-length: 29\r\nconnection: close\r\n\r\nthe request headers were late"


class TimedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a bound on the time to receive a request's headers."""

    #: Seconds from a connection's opening, or a request's first byte, to its complete headers.
    #: A class attribute, since uvicorn makes the protocol itself; ``server_options`` sets it
    #: in each server process before it serves.
    header_timeout: ClassVar[float] = 10.0

    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:  # the next request on a kept-alive connection
            self._start_header_timer()

    def on_headers_complete(self) -> None:
        self._stop_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def _start_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.write(_TIMED_OUT)
            self.transport.close()


def server_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options that bound connections and decide whom to believe, from ``settings``."""
    TimedHttpToolsProtocol.header_timeout = settings.header_timeout
    return {
        "http": TimedHttpToolsProtocol,
        "limit_concurrency": settings.max_connections,
        # Without trusted proxies uvicorn must not read X-Forwarded-* at all: by default it
        # believes them from loopback, where a client on the same host could pose as anyone.
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": list(settings.trusted_proxies),
    }
