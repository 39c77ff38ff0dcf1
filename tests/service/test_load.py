"""A short load run in the suite: 20 clients mixing reads, referrals and writes on Neo4j for 8 seconds.

No 5xx and no wrong answer. The full run (100 clients, 60 s, with figures) is
``bench/loadtest.py``; its figures are in the README.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bench.loadtest import Results, memory_growth, run
from tests.conftest import NEO4J_PASSWORD, NEO4J_URI

pytestmark = pytest.mark.neo4j


def test_a_short_mixed_load_gets_no_server_error_and_only_right_answers(tmp_path: Path) -> None:
    found: list[tuple[Results, str]] = []
    # In a thread: the load test runs an event loop of its own.
    worker = threading.Thread(target=lambda: found.append(run(20, 8.0, 2.0, NEO4J_URI, NEO4J_PASSWORD, tmp_path / "serve.log")))
    worker.start()
    worker.join(300)
    [(results, report)] = found
    print(report)
    assert results.wrong == []
    assert not [status for status in results.statuses if status >= 500]
    assert sum(results.statuses.values()) > 50
    assert set(results.latencies) == {"list", "node", "coverage", "referral", "create", "update"}
    assert memory_growth(results, 2.0) < 0.5  # a loose bound in 8 seconds; the full run checks 15%
