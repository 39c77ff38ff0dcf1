"""The embedded store keeps every acknowledged write through kill -9, and says so when its files are damaged."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kimnet.graph.model.changes import CreateNode
from kimnet.graph.model.errors import StoreCorruptedError, StoreError
from kimnet.graph.model.kinds import Node
from kimnet.graph.stores.embedded import EmbeddedStore
from kimnet.graph.stores.journal import JOURNAL, SNAPSHOT

# Writes needs one at a time and prints each id once the write is acknowledged.
WRITER = """
import asyncio, sys
from kimnet.graph.model.changes import CreateNode
from kimnet.graph.model.kinds import Node
from kimnet.graph.stores.embedded import EmbeddedStore

async def main(folder: str, prefix: str) -> None:
    store = EmbeddedStore.open(folder, compact_after=40)
    number = 0
    while True:
        number += 1
        node_id = f"need:{prefix}-{number}"
        changes = [CreateNode(Node("Need", node_id, {"name": "x" * (number % 300)}))]
        if number > 1:  # two changes in one transaction: both land or neither
            changes.append(CreateNode(Node("Service", f"svc:{prefix}-{number}", {"name": "s"})))
        await store.write(changes)
        print(number, flush=True)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def _write_until_killed(folder: Path, prefix: str, acks_before_kill: int) -> list[int]:
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(folder), prefix], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    acked = []
    for line in writer.stdout:
        acked.append(int(line))
        if len(acked) >= acks_before_kill:
            os.kill(writer.pid, signal.SIGKILL)
            break
    acked += [int(line) for line in writer.stdout]  # acknowledged before the kill landed
    writer.wait()
    assert writer.returncode == -signal.SIGKILL
    return acked


@pytest.mark.parametrize("acks_before_kill", [1, 37, 80, 213])
async def test_every_acknowledged_write_survives_sigkill(tmp_path: Path, acks_before_kill: int) -> None:
    folder = tmp_path / "store"
    for round_ in range(3):
        prefix = f"r{round_}"
        acked = _write_until_killed(folder, prefix, acks_before_kill + round_ * 7)
        store = EmbeddedStore.open(folder)
        try:
            needs = {n.id for n in await store.nodes_of_kind("Need") if n.id.startswith(f"need:{prefix}-")}
            missing = [n for n in acked if f"need:{prefix}-{n}" not in needs]
            assert missing == [], f"acknowledged writes lost after kill -9: {missing}"
            # Transactions are whole: every write that left its need also left its service.
            services = {n.id for n in await store.nodes_of_kind("Service")}
            assert all(f"svc:{prefix}-{n}" in services for n in range(2, len(needs) + 1))
            assert len(needs) <= max(acked) + 1  # at most the one write in flight when killed
        finally:
            await store.close()


async def test_a_cut_off_last_journal_line_is_dropped(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path)
    await store.write([CreateNode(Node("Need", "need:a", {"name": "A"}))])
    await store.write([CreateNode(Node("Need", "need:b", {"name": "B"}))])
    await store.close()
    journal = tmp_path / JOURNAL
    journal.write_bytes(journal.read_bytes()[:-10])  # the second write, cut before its end
    store = EmbeddedStore.open(tmp_path)
    assert set(await store.get_nodes(["need:a", "need:b"])) == {"need:a"}
    await store.write([CreateNode(Node("Need", "need:c", {"name": "C"}))])
    await store.close()
    store = EmbeddedStore.open(tmp_path)
    assert set(await store.get_nodes(["need:a", "need:b", "need:c"])) == {"need:a", "need:c"}
    await store.close()


async def test_a_damaged_journal_line_is_reported_and_left_alone(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path)
    for name in "abc":
        await store.write([CreateNode(Node("Need", f"need:{name}", {"name": name}))])
    await store.close()
    journal = tmp_path / JOURNAL
    damaged = journal.read_bytes().replace(b'"name":"b"', b'"name":"X"')
    journal.write_bytes(damaged)
    with pytest.raises(StoreCorruptedError, match=re.escape("journal.kim, line 2 is damaged (checksum mismatch)")):
        EmbeddedStore.open(tmp_path)
    assert journal.read_bytes() == damaged


async def test_a_damaged_snapshot_is_reported(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path, compact_after=1)
    await store.write([CreateNode(Node("Need", "need:a", {"name": "A"}))])
    await store.close()
    snapshot = tmp_path / SNAPSHOT
    snapshot.write_bytes(snapshot.read_bytes()[:-20])
    with pytest.raises(StoreCorruptedError, match=re.escape("snapshot.kim is damaged")):
        EmbeddedStore.open(tmp_path)


async def test_compaction_keeps_everything(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path, compact_after=3)
    for number in range(10):
        await store.write([CreateNode(Node("Need", f"need:n{number}", {"name": "n"}))])
    await store.close()
    assert (tmp_path / SNAPSHOT).exists()
    store = EmbeddedStore.open(tmp_path)
    assert len(await store.nodes_of_kind("Need")) == 10
    await store.close()


async def test_a_second_process_cannot_open_the_same_folder(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path)
    probe = "import sys; from kimnet.graph.stores.embedded import EmbeddedStore; EmbeddedStore.open(sys.argv[1])"
    result = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "another kimnet process is using" in result.stderr
    await store.close()


def test_a_data_folder_that_cannot_be_made_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(StoreError, match=r"cannot use .*a-file/sub as data folder"):
        EmbeddedStore.open(tmp_path / "a-file" / "sub")


async def test_a_failing_compaction_neither_fails_nor_loses_the_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = EmbeddedStore.open(tmp_path, compact_after=1)

    def disk_full(data: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store._journal, "write_snapshot", disk_full)
    await store.write([CreateNode(Node("Need", "need:a", {"name": "A"}))])  # acknowledged despite the failed compaction
    await store.write([CreateNode(Node("Need", "need:b", {"name": "B"}))])
    await store.close()
    reopened = EmbeddedStore.open(tmp_path)
    assert set(await reopened.get_nodes(["need:a", "need:b"])) == {"need:a", "need:b"}
    await reopened.close()


async def test_a_journal_that_cannot_be_written_refuses_the_write_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EmbeddedStore.open(tmp_path)

    def read_only(ops: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(store._journal, "append", read_only)
    with pytest.raises(StoreError, match="could not be written"):
        await store.write([CreateNode(Node("Need", "need:a", {"name": "A"}))])
    assert await store.get_nodes(["need:a"]) == {}
    await store.close()
