"""The embedded store's snapshot: format 2 keeps every value exactly, format 1 is still read, others are refused by name."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import orjson
import pytest

from kimnet.graph.model.changes import CreateNode
from kimnet.graph.model.codec import encode_edge, encode_node
from kimnet.graph.model.errors import StoreCorruptedError
from kimnet.graph.model.graphdata import GraphData, checksum
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.stores import journal
from kimnet.graph.stores.embedded import EmbeddedStore
from kimnet.graph.stores.journal import SNAPSHOT, Journal, _line

from .test_store_contract import small_graph


def _every_kind_of_value() -> GraphData:
    data = small_graph()
    for node in (
        Node("CaseManager", "cm:1", {"name": "CM", "fte": 1.0, "languages": ("ar", "uk"), "validFrom": dt.date(2021, 6, 1)}, 4),
        Node("CaseManager", "cm:2", {"name": "CM 2", "fte": 0.5, "illustrative": True}),  # no languages, no date
        Node("Programme", "prog:empty", {}),
    ):
        data.nodes[node.id] = node
    data.edges[("COVERS", "cm:1", "mun:olfen")] = Edge("COVERS", "cm:1", "mun:olfen")
    return data


def _read(folder: Path) -> GraphData:
    data, _ = Journal(folder).read()
    assert data is not None
    return data


def _assert_same(read: GraphData, written: GraphData) -> None:
    assert read == written
    assert checksum(read) == checksum(written)  # tells 1.0 from 1, which == does not
    for node in written.nodes.values():  # and a tuple from a list, a date from its text
        assert {k: type(v) for k, v in read.nodes[node.id].props.items()} == {k: type(v) for k, v in node.props.items()}
        assert read.nodes[node.id].version == node.version
    for key, edge in written.edges.items():
        assert {k: type(v) for k, v in read.edges[key].props.items()} == {k: type(v) for k, v in edge.props.items()}


def test_a_snapshot_is_written_in_columns_per_label_and_type(tmp_path: Path) -> None:
    Journal(tmp_path).write_snapshot(_every_kind_of_value())
    raw = orjson.loads((tmp_path / SNAPSHOT).read_bytes().split(b" ", 1)[1])
    assert raw["format"] == 2
    managers = raw["nodes"]["CaseManager"]
    assert managers["id"] == ["cm:1", "cm:2"]
    assert managers["v"] == [4, 1]
    assert managers["tagged"] == ["languages", "validFrom"]
    assert managers["props"][0]["validFrom"] == {"$date": "2021-06-01"}
    assert raw["nodes"]["Organisation"]["tagged"] == []
    assert raw["edges"]["COOPERATES_WITH"] == {
        "s": ["org:a"],
        "t": ["org:b"],
        "props": [{"kind": "referral", "since": {"$date": "2019-03-01"}}],
        "tagged": ["since"],
    }


def test_a_snapshot_reads_back_every_value_as_written(tmp_path: Path) -> None:
    data = _every_kind_of_value()
    Journal(tmp_path).write_snapshot(data)
    _assert_same(_read(tmp_path), data)


def test_equal_values_read_from_a_snapshot_are_one_object(tmp_path: Path) -> None:
    """At state scale the copies of equal texts, days and lists were 17 MB of the embedded store's memory."""
    data = small_graph()
    source, day, languages = "Produktionsnetzwerk " + "Kreis Coesfeld", dt.date(2021, 6, 1), ("ar", "uk")
    for n in range(3):
        node = Node("CaseManager", f"cm:{n}", {"source": source, "validFrom": day, "languages": languages, "fte": 1.0})
        data.nodes[node.id] = node
        data.edges["COVERS", node.id, "mun:olfen"] = Edge("COVERS", node.id, "mun:olfen", {"since": day})
    Journal(tmp_path).write_snapshot(data)
    read = _read(tmp_path)
    _assert_same(read, data)
    props = [read.nodes[f"cm:{n}"].props for n in range(3)]
    for name in ("source", "validFrom", "languages"):
        assert len({id(p[name]) for p in props}) == 1, name
    assert read.edges["COVERS", "cm:2", "mun:olfen"].props["since"] is props[0]["validFrom"]


def _write_format_1(folder: Path, data: GraphData, seq: int) -> None:
    """A snapshot as kimnet wrote it before format 2: one object per element."""
    payload = {
        "format": 1,
        "seq": seq,
        "nodes": [encode_node(n) for n in data.nodes.values()],
        "edges": [encode_edge(e) for e in data.edges.values()],
    }
    (folder / SNAPSHOT).write_bytes(_line(payload))


async def test_a_format_1_snapshot_is_still_read_and_the_next_one_is_format_2(tmp_path: Path) -> None:
    data = _every_kind_of_value()
    _write_format_1(tmp_path, data, seq=5)
    _assert_same(_read(tmp_path), data)
    store = EmbeddedStore.open(tmp_path, compact_after=1)
    assert checksum(await store.snapshot()) == checksum(data)
    await store.write([CreateNode(Node("Need", "need:new", {"name": "Neu"}))])
    await store.close()  # waits for the compaction the write started
    assert orjson.loads((tmp_path / SNAPSHOT).read_bytes().split(b" ", 1)[1])["format"] == 2
    reopened = EmbeddedStore.open(tmp_path)
    assert set(await reopened.get_nodes(["need:new", "cm:1"])) == {"need:new", "cm:1"}
    await reopened.close()


def test_a_snapshot_of_an_unknown_format_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / SNAPSHOT).write_bytes(_line({"format": 3, "seq": 1}))
    message = f"{tmp_path / SNAPSHOT} has format 3; this kimnet reads formats 1, 2"
    with pytest.raises(StoreCorruptedError, match=re.escape(message)):
        EmbeddedStore.open(tmp_path)


def test_a_snapshot_whose_columns_disagree_is_refused_by_name(tmp_path: Path) -> None:
    group = {"id": ["need:a", "need:b"], "v": [1], "props": [{}, {}], "tagged": []}
    (tmp_path / SNAPSHOT).write_bytes(_line({"format": 2, "seq": 1, "nodes": {"Need": group}, "edges": {}}))
    with pytest.raises(StoreCorruptedError, match=re.escape(f"{tmp_path / SNAPSHOT} does not have the layout of format 2")):
        EmbeddedStore.open(tmp_path)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 6, 7, 10])
def test_a_snapshot_line_written_in_pieces_is_the_line_written_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    # Three items a call: lists shorter than, as long as and longer than a slice, ending on its border or not.
    monkeypatch.setattr(journal, "_SLICE", 3)
    payload = {
        "format": 2,
        "seq": 7,
        "nodes": {
            "Need": {"id": [f"need:{i}" for i in range(size)], "props": [{"name": 'Ärger "à"', "n": i} for i in range(size)]}
        },
        "edges": {},
        "ümlaut": [[1, 2, 3, 4], {}, None, 1.5, [], ["a"] * size],
    }
    with (tmp_path / "line").open("wb") as f:
        journal._write_line(f, payload)
    assert (tmp_path / "line").read_bytes() == _line(payload)
