"""Hostile heavy questions at a scale that hurt before (synthetic NRW at 0.1), with a real ``kimnet serve``.

At this scale ``duplicates`` used to take 2.5 GB and more within 25 s, and
every heavy question held the event loop: ``/healthz`` waited, SIGTERM waited.
Here each heavy question answers within seconds and a bounded memory, the
service keeps answering while one runs, a request past its deadline ends with
``TIMEOUT``, and SIGTERM ends a busy server within its grace period.

Embedded store only: the questions run on the read cache, the same for both
stores (``tests/schema`` runs them on both at the seed's scale); loading this
network into the shared test Neo4j would cost the suite a minute.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.service.serving import free_port, get, kimnet_serve, post, serve_env, wait_for

SCALE = "0.1"
DAY = "2021-07-01"

#: Each a question that exhausted memory or held the event loop for tens of seconds at this scale.
HEAVY = {
    "duplicates": "{ duplicates { need { key } offers { key } } }",
    "brokers": "{ a: brokers(top: 5) { betweenness } b: brokers(top: 50) { organisation { key } } }",
    "impactOfLeaving": "query($org: ID!) { impactOfLeaving(organisation: $org) { pairsDisconnected gapsOpened { need { key } } } }",
    "missingTies": "{ missingTies(countWorkingGroups: true) { first { key } } }",
    "coverageGaps": "{ coverageGaps { municipality { key } need { key } } }",
    "coverageChanges": '{ coverageChanges(from: "2021-01-01", to: "2023-01-01") { opened { need { key } } ended { key } } }',
    "cooperationPath": "query($org: ID!, $other: ID!) { cooperationPath(from: $org, to: $other) { key } }",
}

#: Four days, so that one request builds four networks with their measures: busy for seconds.
BUSY = "{ " + " ".join(f'd{i}: brokers(asOf: "202{i}-07-01", top: 3) {{ betweenness }}' for i in range(4)) + " }"


@pytest.fixture(scope="module")
def state_tenth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("nrw") / "data"
    command = [sys.executable, "-m", "kimnet.service.cli", "load", "synthetic:nrw", "--scale", SCALE, "--data-dir", str(folder)]
    subprocess.run(command, check=True, capture_output=True, env=serve_env(), timeout=300)
    return folder


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _serve(state: Path, tmp_path: Path, **env: str) -> Any:
    port = free_port()
    context = kimnet_serve("--data-dir", str(state), port=port, log=tmp_path / "serve.log", env=serve_env(**env))
    return port, context


def _organisations(port: int) -> list[str]:
    status, body = post(port, {"query": "{ organisations(first: 2) { nodes { key } } }"})
    assert status == 200, body
    return [n["key"] for n in body["data"]["organisations"]["nodes"]]  # type: ignore[index]


def test_heavy_questions_answer_in_seconds_within_bounded_memory(state_tenth: Path, tmp_path: Path) -> None:
    port, serving = _serve(state_tenth, tmp_path)
    with serving as server:
        wait_for(port, "/readyz", 200)
        org, other = _organisations(port)
        for name, query in HEAVY.items():
            for attempt in ("cold", "warm"):
                start = time.monotonic()
                status, body = post(port, {"query": query, "variables": {"org": org, "other": other}}, timeout=60)
                took = time.monotonic() - start
                assert status == 200, (name, body)
                assert "errors" not in body, (name, body)
                # Generous for a shared 2-core machine; before, duplicates ran out of memory and brokers took 25 s.
                assert took < (20 if attempt == "cold" else 5), f"{name} ({attempt}) took {took:.1f} s"
        # Everything far beyond: a state in three steps is refused, not read.
        status, body = post(port, {"query": f'{{ neighbourhood(id: "{org}", depth: 4) {{ entities {{ distance }} }} }}'})
        assert status == 200
        assert body["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED", body  # type: ignore[index]
        assert _peak_rss_mb(server.pid) < 800


def test_healthz_answers_while_heavy_questions_run(state_tenth: Path, tmp_path: Path) -> None:
    port, serving = _serve(state_tenth, tmp_path)
    with serving:
        wait_for(port, "/readyz", 200)
        answers: list[tuple[int, dict[str, object]]] = []
        heavy = [threading.Thread(target=lambda: answers.append(post(port, {"query": BUSY}, timeout=120))) for _ in range(2)]
        for thread in heavy:
            thread.start()
        waits: list[float] = []
        while any(t.is_alive() for t in heavy) and len(waits) < 400:
            start = time.monotonic()
            assert get(port, "/healthz", timeout=5)[0] == 200
            waits.append(time.monotonic() - start)
            time.sleep(0.05)
        for thread in heavy:
            thread.join()
        assert all(status == 200 and "errors" not in body for status, body in answers), answers
        assert len(waits) >= 10, "the heavy questions should have kept the server busy for a while"
        waits.sort()
        # The event loop answers within a few GIL switch intervals; generous for a shared machine.
        assert waits[len(waits) // 2] < 0.1, waits
        assert waits[-1] < 1.0, waits


def test_a_question_past_the_request_deadline_ends_with_timeout(state_tenth: Path, tmp_path: Path) -> None:
    port, serving = _serve(state_tenth, tmp_path, KIMNET_REQUEST_TIMEOUT="0.5")
    with serving:
        wait_for(port, "/readyz", 200)
        start = time.monotonic()
        status, body = post(port, {"query": BUSY}, timeout=60)
        assert time.monotonic() - start < 5
        assert status == 200
        codes = {e["extensions"]["code"] for e in body["errors"]}  # type: ignore[attr-defined,index]
        assert codes == {"TIMEOUT"}, body
        assert "KIMNET_REQUEST_TIMEOUT" in body["errors"][0]["message"]  # type: ignore[index]
        assert get(port, "/healthz")[0] == 200


def test_sigterm_ends_a_server_busy_with_heavy_questions_within_the_grace_period(state_tenth: Path, tmp_path: Path) -> None:
    grace = 1.0
    port, serving = _serve(state_tenth, tmp_path, KIMNET_SHUTDOWN_TIMEOUT=str(grace))
    with serving as server:
        wait_for(port, "/readyz", 200)
        answers: list[object] = []

        def ask() -> None:
            try:
                answers.append(post(port, {"query": BUSY}, timeout=60))
            except OSError as error:  # the server went away: what SIGTERM past the grace period does
                answers.append(error)

        heavy = [threading.Thread(target=ask) for _ in range(2)]
        for thread in heavy:
            thread.start()
        time.sleep(1.0)
        assert not answers, "the heavy questions must still run when SIGTERM comes"
        sent = time.monotonic()
        server.send_signal(signal.SIGTERM)
        code = server.wait(grace + 10)
        took = time.monotonic() - sent
        for thread in heavy:
            thread.join(10)
    assert code == 0
    assert took <= grace + 2, f"SIGTERM to exit took {took:.1f} s"
    lines = [json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines() if line.startswith("{")]
    # The store was closed; the requests cancelled at the end of the grace period are logged after it by uvicorn.
    assert any(line["message"] == "closed the embedded store" for line in lines)
