"""The command line: load a seed into either store, compare them, refuse bad seeds whole."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.stores.embedded import EmbeddedStore
from tests.conftest import BACKENDS, NEO4J_PASSWORD, NEO4J_URI, SEED


def kimnet(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kimnet.service.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "KIMNET_NEO4J_PASSWORD": NEO4J_PASSWORD, **(env or {})},
        timeout=120,
    )


def test_load_into_each_store_gives_the_same_graph(tmp_path: Path) -> None:
    checked = kimnet("load", str(SEED), "--check")
    assert checked.returncode == 0, checked.stderr
    expected = json.loads(checked.stdout)

    loaded = kimnet("load", str(SEED), "--data-dir", str(tmp_path))
    assert loaded.returncode == 0, loaded.stderr
    stats = json.loads(kimnet("stats", "--data-dir", str(tmp_path)).stdout)
    assert (stats["nodes"], stats["edges"], stats["checksum"]) == (expected["nodes"], expected["edges"], expected["checksum"])

    if "neo4j" in BACKENDS:
        loaded = kimnet("load", str(SEED), env={"KIMNET_NEO4J_URI": NEO4J_URI})
        assert loaded.returncode == 0, loaded.stderr
        stats = json.loads(kimnet("stats", "--neo4j-uri", NEO4J_URI).stdout)
        assert stats["store"] == "neo4j"
        assert (stats["nodes"], stats["edges"], stats["checksum"]) == (expected["nodes"], expected["edges"], expected["checksum"])


def test_a_bad_seed_is_refused_whole_and_the_store_keeps_its_graph(tmp_path: Path) -> None:
    store_dir = tmp_path / "store"
    assert kimnet("load", str(SEED), "--data-dir", str(store_dir)).returncode == 0
    before = json.loads(kimnet("stats", "--data-dir", str(store_dir)).stdout)["checksum"]

    bad = tmp_path / "bad"
    shutil.copytree(SEED, bad)
    with (bad / "services.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[[Service]]\nid = "svc:broken"\nname = "Kaputt"\nvalidFrom = 2022-01-01\nvalidTo = 2021-01-01\nprovidedBy = ["org:ghost"]\n'
        )
    result = kimnet("load", str(bad), "--data-dir", str(store_dir))
    assert result.returncode == 2
    assert "services.toml, entity svc:broken, field validTo: 2021-01-01 is before validFrom 2022-01-01" in result.stderr
    assert "services.toml, entity svc:broken, field providedBy: source org:ghost does not exist" in result.stderr
    assert "nothing was written" in result.stderr
    assert json.loads(kimnet("stats", "--data-dir", str(store_dir)).stdout)["checksum"] == before


def test_an_unreachable_neo4j_is_a_clear_error() -> None:
    result = kimnet("stats", "--neo4j-uri", "bolt://127.0.0.1:1")
    assert result.returncode == 1
    assert "Neo4j at bolt://127.0.0.1:1 is unavailable" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_seed_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = kimnet("load", str(tmp_path / "nowhere"), "--data-dir", str(tmp_path / "store"))
    assert result.returncode == 2
    assert "is not a folder with seed files" in result.stderr


def test_load_makes_the_synthetic_state_network_with_a_progress_bar(tmp_path: Path) -> None:
    checked = kimnet("load", "synthetic:nrw", "--seed", "3", "--scale", "0.02", "--check")
    assert checked.returncode == 0, checked.stderr
    expected = json.loads(checked.stdout)
    assert expected["nodes"]["Municipality"] == 396

    loaded = kimnet("load", "synthetic:nrw", "--seed", "3", "--scale", "0.02", "--data-dir", str(tmp_path))
    assert loaded.returncode == 0, loaded.stderr
    assert "loading into embedded [##############################] 100%" in loaded.stderr
    assert json.loads(loaded.stdout)["checksum"] == expected["checksum"]

    if "neo4j" in BACKENDS:
        loaded = kimnet("load", "synthetic:nrw", "--seed", "3", "--scale", "0.02", env={"KIMNET_NEO4J_URI": NEO4J_URI})
        assert loaded.returncode == 0, loaded.stderr
        assert "loading into neo4j [" in loaded.stderr
        stats = json.loads(kimnet("stats", "--neo4j-uri", NEO4J_URI).stdout)
        assert stats["checksum"] == expected["checksum"]


def test_an_unknown_synthetic_network_is_refused_by_name() -> None:
    result = kimnet("load", "synthetic:bavaria", "--check")
    assert result.returncode == 2
    assert "there is no synthetic network 'bavaria'; the one there is: synthetic:nrw" in result.stderr


def test_a_command_that_reads_refuses_a_folder_that_holds_no_store(tmp_path: Path) -> None:
    mistyped = tmp_path / "kimnet-dta"
    for args in (
        ("stats",),
        ("export", "graphml", "--out", str(tmp_path / "net.graphml")),
        ("report", "coverage", "--as-of", "2021-07-01", "--out", str(tmp_path / "gaps.png")),
        ("import", "csv", str(tmp_path)),
    ):
        done = kimnet(*args, "--data-dir", str(mistyped))
        assert done.returncode == 2, (args, done.stderr)
        assert f"kimnet: {mistyped} holds no kimnet store; check --data-dir" in done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "net.graphml").exists()
    assert not (tmp_path / "gaps.png").exists()


def test_a_report_of_an_empty_store_says_so_instead_of_a_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "empty"

    async def make() -> None:
        store = EmbeddedStore.open(empty)
        await store.replace_all(GraphData())
        await store.close()

    asyncio.run(make())
    done = kimnet("report", "coverage", "--as-of", "2021-07-01", "--out", str(tmp_path / "gaps.png"), "--data-dir", str(empty))
    assert done.returncode == 2
    assert done.stderr == "kimnet: there is nothing to report on 2021-07-01: the store holds no municipalities or no needs\n"
    assert not (tmp_path / "gaps.png").exists()


def test_a_command_in_use_by_the_service_says_where_to_get_the_files(tmp_path: Path) -> None:
    import fcntl

    data = tmp_path / "store"
    assert kimnet("load", str(SEED), "--data-dir", str(data)).returncode == 0
    with (data / "lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running `kimnet serve` holds it
        done = kimnet("export", "gexf", "--out", str(tmp_path / "net.gexf"), "--data-dir", str(data))
    assert done.returncode == 1
    assert "another kimnet process is using" in done.stderr
    assert "GET /export/{graphml,gexf,csv,hsds}" in done.stderr
