"""Slow and lying clients against a real ``kimnet serve``: late headers and bodies, too many
connections, and forwarded headers believed only from configured proxies."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.serving import free_port, kimnet_serve, post, serve_env, wait_for

READ = {"query": "{ __typename }"}


def _served(tmp_path: Path, **env: str) -> Iterator[tuple[int, Path]]:
    port = free_port()
    log = tmp_path / "serve.log"
    bounds = {"KIMNET_HEADER_TIMEOUT": "1", "KIMNET_BODY_TIMEOUT": "1", "KIMNET_MAX_CONNECTIONS": "8", "KIMNET_RATE_LIMIT": "0"}
    settings = serve_env(**{**bounds, **env})
    with kimnet_serve("--data-dir", str(tmp_path / "data"), port=port, log=log, env=settings):
        wait_for(port, "/readyz", 200)
        yield port, log


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    yield from _served(tmp_path_factory.mktemp("slow"))


def _status(port: int) -> int:
    """POST a trivial query; the status only (uvicorn's own 503 is plain text)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps(READ).encode(), headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _read_all(connection: socket.socket) -> bytes:
    answer = b""
    while chunk := connection.recv(65536):
        answer += chunk
    return answer


def test_headers_that_do_not_arrive_in_time_end_the_connection_with_408(server: tuple[int, Path]) -> None:
    port, _ = server
    with (
        socket.create_connection(("127.0.0.1", port), timeout=20) as silent,
        socket.create_connection(("127.0.0.1", port), timeout=20) as dribbling,
    ):
        dribbling.sendall(b"POST /graphql HTTP/1.1\r\nHost: kimnet\r\n")
        started = time.monotonic()
        for connection in (silent, dribbling):
            assert _read_all(connection).startswith(b"HTTP/1.1 408 ")
        assert time.monotonic() - started < 10
    assert post(port, READ)[0] == 200


def test_a_body_shorter_than_its_content_length_is_answered_408(server: tuple[int, Path]) -> None:
    port, _ = server
    with socket.create_connection(("127.0.0.1", port), timeout=20) as connection:
        connection.sendall(
            b'POST /graphql HTTP/1.1\r\nHost: kimnet\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query"'
        )
        started = time.monotonic()
        answer = _read_all(connection)
        assert time.monotonic() - started < 10
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"
    assert "KIMNET_BODY_TIMEOUT" in json.loads(body)["errors"][0]["message"]


def test_connections_over_the_limit_are_refused_until_the_slow_ones_are_dropped(server: tuple[int, Path]) -> None:
    port, _ = server
    idle = [socket.create_connection(("127.0.0.1", port), timeout=20) for _ in range(8)]
    try:
        time.sleep(0.2)
        assert _status(port) == 503  # the bound holds: the process does not take a ninth
        time.sleep(1.5)  # their headers are late: dropped
        assert _status(port) == 200
    finally:
        for connection in idle:
            connection.close()


def _rotating(port: int, count: int) -> list[int]:
    return [post(port, READ, {"x-forwarded-for": f"203.0.113.{n}"})[0] for n in range(count)]


def _clients(log: Path, expected: int = 1) -> set[str]:
    """The client addresses of the access log's /graphql lines, once ``expected`` of them are written (5 s at most).

    The server writes a request's line after its answer: the test's last request may be answered
    before its line reaches the file.
    """
    deadline = time.monotonic() + 5
    while True:
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        found = {line["client"] for line in lines if line.get("route") == "/graphql"}
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_forwarded_addresses_are_ignored_without_trusted_proxies(tmp_path: Path) -> None:
    for port, log in _served(tmp_path, KIMNET_RATE_LIMIT="1", KIMNET_RATE_BURST="5"):
        statuses = _rotating(port, 12)
        assert statuses.count(429) >= 5, statuses  # one client, whatever it claims
        assert _clients(log) == {"127.0.0.1"}


def test_forwarded_addresses_are_believed_from_a_trusted_proxy(tmp_path: Path) -> None:
    for port, log in _served(tmp_path, KIMNET_RATE_LIMIT="1", KIMNET_RATE_BURST="5", KIMNET_TRUSTED_PROXIES="127.0.0.1"):
        assert _rotating(port, 12) == [200] * 12  # each forwarded address is a client of its own
        assert _clients(log, expected=12) == {f"203.0.113.{n}" for n in range(12)}
