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

A new snapshot is written to a temporary file (in pieces: a state's line is
43 MB, and made whole by one call of orjson it more than doubled what a
compaction took), fsynced and renamed over the old one; since it records the
sequence number it includes, journal lines at or below it are skipped on
replay, so a crash between the rename and the journal's truncation loses
nothing and applies nothing twice.

The snapshot is one such line whose JSON object is, in format 2 (written since
the state-sized graph had to open in well under 5 s)::

    {"format": 2, "seq": 123,
     "nodes": {"<label>": {"id": [...], "v": [...], "props": [{...}, ...], "tagged": [...]}, ...},
     "edges": {"<type>": {"s": [...], "t": [...], "props": [{...}, ...], "tagged": [...]}, ...}}

one group per label and relationship type, its columns of equal length (the
i-th node of a group is ``id[i]``, ``v[i]``, ``props[i]``). Property values are
JSON scalars, except a date, ``{"$date": "2024-01-31"}``, and a list of strings,
an array; ``tagged`` names the properties of the group that hold any of those,
so that reading converts only those instead of looking at every value, and
uses the property dicts the JSON decoder made as they are.

Format 1 (one object per element, ``{"nodes": [{"kind", "id", "v", "props"}],
"edges": [{"type", "s", "t", "props"}]}``) is still read; the next snapshot is
written in format 2. Journal lines hold one element per op, as in format 1.
"""

from __future__ import annotations

import datetime as dt
import os
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from kimnet.graph.model.codec import decode_edge, decode_node, decode_value, encode_value
from kimnet.graph.model.errors import StoreCorruptedError
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, Node, Value, share_equal

__all__ = ["Journal"]

#: The snapshot format written; READABLE are those read back.
FORMAT = 2
READABLE = (1, 2)
SNAPSHOT = "snapshot.kim"
JOURNAL = "journal.kim"

#: The properties of every relationship read without any: one map, never changed.
_NO_PROPS: Mapping[str, Value] = {}

#: Items of a list that one call of orjson writes (``_pieces``).
_SLICE = 5_000


def _line(payload: object) -> bytes:
    # orjson writes the same compact JSON as json.dumps(separators=(",", ":"), ensure_ascii=False),
    # and reads a state-sized snapshot line in two thirds of the time.
    body = orjson.dumps(payload)
    return b"%08x " % zlib.crc32(body) + body + b"\n"


def _pieces(value: Any) -> Iterator[bytes]:
    """``orjson.dumps(value)``, byte for byte, in pieces: objects key by key, long lists ``_SLICE`` items at a time.

    Written whole, a state's line (43 MB) and orjson's buffers for it took a
    compaction's peak from 217 to 466 MB; the pieces go to the file one by one, so
    the line is never in memory (peak 327 MB). And a piece holds the GIL for
    milliseconds, where one call held it for the whole line while the event loop
    waited (the snapshot is written in a thread while requests go on).
    """
    if isinstance(value, dict):
        yield b"{"
        for number, (key, item) in enumerate(value.items()):
            yield (b"," if number else b"") + orjson.dumps(key) + b":"
            yield from _pieces(item)
        yield b"}"
    elif isinstance(value, list) and len(value) > _SLICE:
        yield b"["
        for start in range(0, len(value), _SLICE):
            body = orjson.dumps(value[start : start + _SLICE])[1:-1]  # never empty: the slice has items
            yield (b"," if start else b"") + body
        yield b"]"
    else:
        yield orjson.dumps(value)


def _write_line(f: BinaryIO, payload: object) -> None:
    """Write ``_line(payload)`` to ``f`` (at its start) from ``_pieces``: the checksum, known last, goes in last."""
    f.write(b"%08x " % 0)
    crc = 0
    for piece in _pieces(payload):
        crc = zlib.crc32(piece, crc)
        f.write(piece)
    f.write(b"\n")
    f.seek(0)
    f.write(b"%08x" % crc)


def _parse(line: bytes, where: str) -> Any:
    # A view, not a slice: a snapshot line is tens of megabytes, and copies of it add to peak memory.
    crc, space, end = line[:8], line.find(b" "), len(line) - line.endswith(b"\n")
    body = memoryview(line)[space + 1 : end]
    try:
        if space != 8 or int(crc, 16) != zlib.crc32(body):
            raise ValueError("checksum mismatch")
        return orjson.loads(body)
    except ValueError as exc:  # orjson.JSONDecodeError is a ValueError
        raise StoreCorruptedError(
            f"{where} is damaged ({exc}); restore it from a backup or move the data folder away and load the seed again"
        ) from None


def _encode_props(props: Mapping[str, Value], tagged: set[str]) -> dict[str, object]:
    """Encode one element's properties; add the names of those that need decoding to ``tagged``."""
    encoded: dict[str, object] = {}
    for name, value in props.items():
        if isinstance(value, dt.date | tuple):
            tagged.add(name)
        encoded[name] = encode_value(value)
    return encoded


def _encode_columns(data: GraphData) -> dict[str, object]:
    """Lay ``data`` out in snapshot format 2: a group of columns per label and per relationship type."""
    nodes: dict[str, dict[str, list[Any]]] = {}
    node_tags: dict[str, set[str]] = {}
    for node in data.nodes.values():
        if node.kind not in nodes:
            nodes[node.kind], node_tags[node.kind] = {"id": [], "v": [], "props": []}, set()
        group = nodes[node.kind]
        group["id"].append(node.id)
        group["v"].append(node.version)
        group["props"].append(_encode_props(node.props, node_tags[node.kind]))
    edges: dict[str, dict[str, list[Any]]] = {}
    edge_tags: dict[str, set[str]] = {}
    for edge in data.edges.values():
        if edge.type not in edges:
            edges[edge.type], edge_tags[edge.type] = {"s": [], "t": [], "props": []}, set()
        group = edges[edge.type]
        group["s"].append(edge.source)
        group["t"].append(edge.target)
        group["props"].append(_encode_props(edge.props, edge_tags[edge.type]))
    for groups, tags in ((nodes, node_tags), (edges, edge_tags)):
        for name, group in groups.items():
            group["tagged"] = sorted(tags[name])
    return {"nodes": nodes, "edges": edges}


def _untag(props: list[dict[str, Any]], tagged: list[str], same: dict[Value, Value]) -> list[dict[str, Any]]:
    """Decode, in place, the dates and string lists of the properties named in ``tagged``; equal values are made
    one object (``share_equal``, with the table ``same`` of the whole snapshot)."""
    for name in tagged:
        for p in props:
            if name in p:
                p[name] = decode_value(p[name])
    for p in props:
        share_equal(p, same)
    return props


def _decode_columns(raw: dict[str, Any]) -> GraphData:
    """Read snapshot format 2.

    orjson has made every property dict already; they become the elements' props as
    they are, and each Node and Edge is made once, straight into the maps.
    """
    data = GraphData()
    nodes, edges = data.nodes, data.edges
    same: dict[Value, Value] = {}
    for kind, group in raw["nodes"].items():
        props = _untag(group["props"], group["tagged"], same)
        for node_id, version, p in zip(group["id"], group["v"], props, strict=True):
            nodes[node_id] = Node(kind, node_id, p, version)
    # A relationship's ends are its nodes' own id strings, and the many without properties share
    # one empty map: decoded, each was a string and a dict of its own (some 60 MB at state scale).
    ids = {node_id: node_id for node_id in nodes}
    for type_, group in raw["edges"].items():
        props = _untag(group["props"], group["tagged"], same)
        for source, target, p in zip(group["s"], group["t"], props, strict=True):
            s, t = ids.get(source, source), ids.get(target, target)
            edges[type_, s, t] = Edge(type_, s, t, p or _NO_PROPS)
    return data


def _decode_rows(raw: dict[str, Any]) -> GraphData:
    """Read snapshot format 1 (one object per element), as kimnet wrote it until format 2."""
    data = GraphData()
    for n in raw["nodes"]:
        node = decode_node(n)
        data.nodes[node.id] = node
    for e in raw["edges"]:
        edge = decode_edge(e)
        data.edges[edge.key] = edge
    return data


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
            if not isinstance(raw, dict) or raw.get("format") not in READABLE:
                found = raw.get("format") if isinstance(raw, dict) else None
                raise StoreCorruptedError(
                    f"{snapshot} has format {found!r}; this kimnet reads formats {', '.join(map(str, READABLE))}: "
                    "open the folder with the kimnet version that wrote it, or move it away and load the data again"
                )
            try:
                snap_seq = raw["seq"]
                data = _decode_columns(raw) if raw["format"] == 2 else _decode_rows(raw)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                # The checksum held, so the writer made this layout: a kimnet bug, not a bad disk.
                raise StoreCorruptedError(
                    f"{snapshot} does not have the layout of format {raw['format']} ({type(exc).__name__}: {exc}); "
                    "move the data folder away and load the data again"
                ) from None
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
        payload = {"format": FORMAT, "seq": self.seq, **_encode_columns(data)}
        tmp = self.folder / (SNAPSHOT + ".tmp")
        with tmp.open("wb") as f:
            _write_line(f, payload)
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
