"""scripts/neo4j knows its server however its home is named."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import NEO4J_URI

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.neo4j
def test_status_knows_the_running_server_by_a_relative_home(neo4j_store: object) -> None:
    """A relative KIMNET_NEO4J_HOME did not match the server's command line: status said "not running" and dropped its pid file."""
    cache = Path(os.environ.get("KIMNET_CACHE_DIR", ROOT / ".cache"))
    home = Path(os.environ.get("KIMNET_NEO4J_HOME", cache / "neo4j" / "home")).resolve()
    port = NEO4J_URI.rsplit(":", 1)[1]
    env = {**os.environ, "KIMNET_NEO4J_HOME": os.path.relpath(home, ROOT), "KIMNET_NEO4J_BOLT_PORT": port}
    found = subprocess.run([ROOT / "scripts" / "neo4j", "status"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert found.returncode == 0, found.stdout + found.stderr
    assert (home / "run" / "neo4j.pid").exists()
