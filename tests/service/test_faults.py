"""Faults, with a real ``kimnet serve``: SIGTERM, damaged files, Neo4j down at start, Neo4j killed during writes.

The Neo4j tests run a Neo4j of their own (``scripts/neo4j`` with its own home,
on the test Neo4j's port + 100), since they stop and kill it.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

from kimnet.graph.model.audit import AuditQuery
from kimnet.graph.stores.journal import JOURNAL
from kimnet.graph.stores.neo4j import Neo4jStore
from kimnet.schema.access import Role
from tests.conftest import BACKENDS, NEO4J_PASSWORD, NEO4J_URI
from tests.service.hardening import bearer
from tests.service.serving import Neo4jServer, free_port, get, kimnet_serve, post, serve_env, wait_for

READ = {"query": "{ municipalities { totalCount } }"}


def _store_args(backend: str, tmp_path: Path) -> list[str]:
    return ["--neo4j-uri", NEO4J_URI] if backend == "neo4j" else ["--data-dir", str(tmp_path / "data")]


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigterm_lets_the_request_in_flight_finish_then_closes_the_store(backend: str, tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    with kimnet_serve(*_store_args(backend, tmp_path), port=port, log=log) as server:
        wait_for(port, "/readyz", 200)
        body = json.dumps(READ).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            # The request is in flight: its headers are in, half of its body is not.
            connection.sendall(
                b"POST /graphql HTTP/1.1\r\nHost: kimnet\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body[:10]
            )
            time.sleep(0.5)
            server.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            assert server.poll() is None, "the server must wait for the request in flight"
            assert get(port, "/healthz", timeout=1)[0] == 0, "no new connections during shutdown"
            connection.sendall(body[10:])
            answer = b""
            while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                chunk = connection.recv(65536)
                if not chunk:
                    break
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
        assert json.loads(answer.split(b"\r\n\r\n", 1)[1]) == {"data": {"municipalities": {"totalCount": 11}}}
        assert server.wait(30) == 0
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert any(line["message"] == f"closed the {backend} store" for line in lines)
    assert lines[-1]["message"] == f"closed the {backend} store"


def test_serve_refuses_a_damaged_embedded_store_with_one_clear_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    port, log = free_port(), tmp_path / "first.log"
    with kimnet_serve("--data-dir", str(data), port=port, log=log):
        wait_for(port, "/readyz", 200)
        status, _ = post(
            port, {"query": 'mutation { createNeed(input: {key: "need:x", name: "X"}) { entity { key } } }'}, bearer(Role.ADMIN)
        )
        assert status == 200
    journal = data / JOURNAL
    journal.write_bytes(journal.read_bytes().replace(b"need:x", b"need:y"))
    with kimnet_serve("--data-dir", str(data), port=free_port(), log=tmp_path / "second.log") as server:
        assert server.wait(60) == 1
    output = (tmp_path / "second.log").read_text()
    assert f"kimnet: {journal}, line 1 is damaged (checksum mismatch)" in output
    assert "restore it from a backup" in output
    assert "Traceback" not in output


@pytest.fixture(scope="module")
def fault_neo4j() -> Iterator[Neo4jServer]:
    server = Neo4jServer(int(os.environ.get("KIMNET_NEO4J_BOLT_PORT", "7687")) + 100)
    server.run("reset")  # a clean database; start creates it
    try:
        yield server
    finally:
        server.run("stop")


def test_neo4j_down_at_start_then_up_recovers_by_itself(fault_neo4j: Neo4jServer, tmp_path: Path) -> None:
    port = free_port()
    with kimnet_serve("--neo4j-uri", fault_neo4j.uri, port=port, log=tmp_path / "serve.log") as server:
        body = wait_for(port, "/readyz", 503)
        assert body["status"] == "unavailable"
        status, answer = post(port, READ)
        assert status == 503
        [error] = answer["errors"]  # type: ignore[misc]
        assert error["message"].startswith("database unavailable: the store does not answer; retry in a few seconds")
        assert error["extensions"] == {"code": "DATABASE_UNAVAILABLE", "retriable": True}
        fault_neo4j.run("start")
        wait_for(port, "/readyz", 200, within=60)
        assert post(port, READ) == (200, {"data": {"municipalities": {"totalCount": 11}}})  # seeded once it came up
        assert server.poll() is None
    log = (tmp_path / "serve.log").read_text()
    assert "store not ready, retrying in the background" in log
    assert "Traceback" not in log


def test_neo4j_killed_during_writes_loses_no_acknowledged_write_and_applies_none_twice(
    fault_neo4j: Neo4jServer, tmp_path: Path
) -> None:
    fault_neo4j.run("start")
    port = free_port()
    writers, per_writer = 8, 30
    acknowledged: dict[str, int] = {}
    retriable: list[int] = []
    unexpected: list[object] = []
    lock = threading.Lock()

    def write(worker: int) -> None:
        token = bearer(Role.COORDINATOR, f"writer-{worker}")
        for number in range(per_writer):
            key = f"need:kill-{worker}-{number}"
            mutation = {
                "query": "mutation($i: NeedCreateInput!) { createNeed(input: $i) { entity { key version } errors { code } } }",
                "variables": {"i": {"key": key, "name": f"Kill test {worker}/{number}"}},
            }
            for attempt in range(600):  # the same create, again and again, until acknowledged
                try:
                    status, answer = post(port, mutation, token, timeout=60)
                except OSError as exc:
                    with lock:
                        unexpected.append(repr(exc))
                    time.sleep(0.2)
                    continue
                if status == 200 and answer.get("data") and answer["data"]["createNeed"]["errors"] == []:  # type: ignore[index]
                    with lock:
                        acknowledged[key] = attempt
                    break
                codes = [(e.get("extensions") or {}).get("code") for e in answer.get("errors", [])]  # type: ignore[attr-defined]
                with lock:
                    # Clear and retriable: the database is away, or (just restarted, on a busy
                    # machine) ended the transaction at the timeout, before it committed.
                    if codes and (
                        (status == 503 and set(codes) == {"DATABASE_UNAVAILABLE"}) or set(codes) == {"DATABASE_TIMEOUT"}
                    ):
                        retriable.append(worker)
                    else:
                        unexpected.append((status, answer))
                time.sleep(0.2)

    with kimnet_serve(
        "--neo4j-uri", fault_neo4j.uri, port=port, log=tmp_path / "serve.log", env=serve_env(KIMNET_NEO4J_TIMEOUT="3")
    ):
        wait_for(port, "/readyz", 200, within=60)
        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for thread in threads:
            thread.start()
        while len(acknowledged) < writers * per_writer // 4:
            time.sleep(0.05)
        fault_neo4j.run("kill")
        time.sleep(1.0)
        fault_neo4j.run("start")
        for thread in threads:
            thread.join(300)

    assert unexpected == []
    assert len(acknowledged) == writers * per_writer
    assert retriable, "some writers must have seen the outage as a clear, retriable error"

    async def check() -> None:
        store = await Neo4jStore.connect(fault_neo4j.uri, "neo4j", NEO4J_PASSWORD)
        try:
            found = await store.get_nodes(acknowledged)
            assert set(found) == set(acknowledged)
            assert {node.version for node in found.values()} == {1}
            for worker in range(writers):
                entries = await store.audit_trail(AuditQuery(subject=f"writer-{worker}", limit=10_000))
                targets = [c.target for e in entries for c in e.changes]
                assert sorted(targets) == sorted(k for k in acknowledged if k.startswith(f"need:kill-{worker}-"))
        finally:
            await store.close()

    _in_own_loop(check())


def _in_own_loop(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` in a thread with an event loop of its own (this test is synchronous)."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(work)
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]
