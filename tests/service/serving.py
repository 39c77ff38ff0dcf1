"""Running ``kimnet serve`` as a real process for the fault and load tests, and a Neo4j of their own."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import NEO4J_PASSWORD, ROOT
from tests.service.hardening import SECRET

NEO4J_SCRIPT = ROOT / "scripts" / "neo4j"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("KIMNET_") or k in ("KIMNET_NEO4J_BOLT_PORT", "KIMNET_CACHE_DIR")
    }
    return {**env, "KIMNET_JWT_SECRET": SECRET, "KIMNET_NEO4J_PASSWORD": NEO4J_PASSWORD, "KIMNET_LOG_FORMAT": "json", **extra}


@contextmanager
def kimnet_serve(*args: str, port: int, log: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``kimnet serve --port PORT ARGS``; stop it (SIGTERM, then SIGKILL) when done."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kimnet.service.cli", "serve", "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env or serve_env(),
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, dict[str, object]]:
    """GET a path of a local server; (0, {}) when nothing listens."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, {}


def post(
    port: int, body: dict[str, object], headers: dict[str, str] | None = None, timeout: float = 60.0
) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def wait_for(port: int, path: str, status: int, within: float = 60.0) -> dict[str, object]:
    deadline = time.monotonic() + within
    while True:
        found, body = get(port, path)
        if found == status:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not answer {status} within {within} s (last: {found} {body})")
        time.sleep(0.2)


class Neo4jServer:
    """A Neo4j of the fault tests' own (scripts/neo4j with its own home and port), to stop, kill and start."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.uri = f"bolt://127.0.0.1:{port}"
        cache = Path(os.environ.get("KIMNET_CACHE_DIR", ROOT / ".cache"))
        self.env = {
            **os.environ,
            "KIMNET_NEO4J_BOLT_PORT": str(port),
            "KIMNET_NEO4J_HOME": str(cache / "neo4j" / f"home-faults-{port}"),
            "KIMNET_NEO4J_HEAP": "512m",
            "KIMNET_NEO4J_PAGECACHE": "128m",
        }

    def run(self, action: str) -> None:
        result = subprocess.run([str(NEO4J_SCRIPT), action], env=self.env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"scripts/neo4j {action}: {result.stderr}"
