"""The embedded store's files: a snapshot and a write-ahead journal.

``snapshot.kim`` holds the whole graph as of journal sequence number ``seq``;
``journal.kim`` holds every transaction since, one line each. A line is
``<crc32 hex> <json>\\n`` and is fsynced before the write is acknowledged, so an
acknowledged write survives ``kill -9`` and a power cut (as far as fsync goes).

Reading back: a last line without its newline is a write that was cut off
before it was acknowledged; it is dropped and the file truncated. Any other
unreadable line, or a snapshot that fails its checksum, is damage: opening
fails with ``StoreCorruptedError`` naming the file and line, and nothing is
changed on disk.

A new snapshot is written to a temporary file, fsynced and renamed over the
old one; since it records the sequence number it includes, journal lines at or
below it are skipped on replay, so a crash between the rename and the
journal's truncation loses nothing and applies nothing twice.
"""

from __future__ import annotations

import datetime as dt
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from kimnet.graph.errors import StoreCorruptedError
from kimnet.graph.graphdata import GraphData
from kimnet.graph.model import Edge, Node, Value

__all__ = ["Journal", "decode_edge", "decode_node", "encode_edge", "encode_node"]

FORMAT = 1
SNAPSHOT = "snapshot.kim"
JOURNAL = "journal.kim"


def _encode_value(value: Value) -> object:
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, tuple):
        return list(value)
    return value


def _decode_value(raw: Any) -> Value:
    if isinstance(raw, dict):
        return dt.date.fromisoformat(raw["$date"])
    if isinstance(raw, list):
        return tuple(raw)
    return raw  # type: ignore[no-any-return]


def encode_node(node: Node) -> dict[str, object]:
    return {"kind": node.kind, "id": node.id, "v": node.version, "props": {k: _encode_value(v) for k, v in node.props.items()}}


def decode_node(raw: dict[str, Any]) -> Node:
    return Node(raw["kind"], raw["id"], {k: _decode_value(v) for k, v in raw["props"].items()}, raw["v"])


def encode_edge(edge: Edge) -> dict[str, object]:
    return {"type": edge.type, "s": edge.source, "t": edge.target, "props": {k: _encode_value(v) for k, v in edge.props.items()}}


def decode_edge(raw: dict[str, Any]) -> Edge:
    return Edge(raw["type"], raw["s"], raw["t"], {k: _decode_value(v) for k, v in raw["props"].items()})


def _line(payload: object) -> bytes:
    # orjson writes the same compact JSON as json.dumps(separators=(",", ":"), ensure_ascii=False),
    # and reads a state-sized snapshot line in two thirds of the time.
    body = orjson.dumps(payload)
    return b"%08x " % zlib.crc32(body) + body + b"\n"


def _parse(line: bytes, where: str) -> Any:
    crc, _, body = line.rstrip(b"\n").partition(b" ")
    try:
        if int(crc, 16) != zlib.crc32(body):
            raise ValueError("checksum mismatch")
        return orjson.loads(body)
    except ValueError as exc:  # orjson.JSONDecodeError is a ValueError
        raise StoreCorruptedError(
            f"{where} is damaged ({exc}); restore it from a backup or move the data folder away and load the seed again"
        ) from None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """The snapshot and journal files in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seq = 0
        self.lines = 0  # journal lines since the last snapshot
        self._fd: int | None = None

    def read(self) -> tuple[GraphData | None, Iterator[list[dict[str, Any]]]]:
        """Return the snapshot (None if there is none yet) and the transactions after it.

        Must be called once, before ``append``. Drops a cut-off last journal line.
        """
        data = None
        snap_seq = 0
        snapshot = self.folder / SNAPSHOT
        if snapshot.exists():
            raw = _parse(snapshot.read_bytes(), str(snapshot))
            if raw.get("format") != FORMAT:
                raise StoreCorruptedError(f"{snapshot} has format {raw.get('format')!r}; this kimnet reads format {FORMAT}")
            snap_seq = raw["seq"]
            data = GraphData()
            for n in raw["nodes"]:
                node = decode_node(n)
                data.nodes[node.id] = node
            for e in raw["edges"]:
                edge = decode_edge(e)
                data.edges[edge.key] = edge
        self.seq = snap_seq
        transactions = list(self._read_journal(snap_seq))
        return data, iter(transactions)

    def _read_journal(self, after: int) -> Iterator[list[dict[str, Any]]]:
        path = self.folder / JOURNAL
        if not path.exists():
            return
        content = path.read_bytes()
        good = 0
        lines = content.split(b"\n")
        for number, line in enumerate(lines[:-1], 1):
            record = _parse(line, f"{path}, line {number}")
            good += len(line) + 1
            self.lines += 1
            if record["seq"] <= after:
                continue
            self.seq = record["seq"]
            yield record["ops"]
        if lines[-1]:
            # A write cut off before its newline was never acknowledged: drop it.
            with path.open("r+b") as f:
                f.truncate(good)
                os.fsync(f.fileno())

    def append(self, ops: list[dict[str, Any]]) -> None:
        """Write one transaction and fsync it; when this returns, it is durable."""
        if self._fd is None:
            self._fd = os.open(self.folder / JOURNAL, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        line = _line({"seq": self.seq + 1, "ops": ops})
        size = os.fstat(self._fd).st_size
        try:
            written = os.write(self._fd, line)
            if written != len(line):
                raise OSError(f"journal write was cut short ({written} of {len(line)} bytes)")
            os.fsync(self._fd)
        except OSError:
            # Not acknowledged, so it must not come back on the next start.
            os.ftruncate(self._fd, size)
            raise
        self.seq += 1
        self.lines += 1

    def write_snapshot(self, data: GraphData) -> None:
        """Replace the snapshot with ``data`` (as of the current seq) and empty the journal."""
        self.seq += 1  # the snapshot supersedes every journal line so far
        payload = {
            "format": FORMAT,
            "seq": self.seq,
            "nodes": [encode_node(n) for n in data.nodes.values()],
            "edges": [encode_edge(e) for e in data.edges.values()],
        }
        tmp = self.folder / (SNAPSHOT + ".tmp")
        with tmp.open("wb") as f:
            f.write(_line(payload))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.folder / SNAPSHOT)
        _fsync_dir(self.folder)
        self.close()
        with (self.folder / JOURNAL).open("wb") as f:
            os.fsync(f.fileno())
        self.lines = 0

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
