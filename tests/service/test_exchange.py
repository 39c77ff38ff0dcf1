"""Exports from and CSV imports into each store: all or nothing, every bad row named, Gephi opens the network."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import networkx as nx
import pytest

from kimnet.graph.model.audit import Actor
from kimnet.graph.model.errors import TableError
from kimnet.graph.model.graphdata import GraphData, checksum
from kimnet.graph.stores.store import Store
from kimnet.service.exchange import export_graph, import_tables
from kimnet.service.progress import ProgressBar
from tests.conftest import SEED
from tests.service.test_cli import kimnet

TODAY = dt.date(2021, 7, 1)
ACTOR = Actor("test", "admin", "importCsv")


async def test_a_csv_export_imported_into_an_empty_store_gives_the_same_graph(
    seeded: Store, tmp_path: Path, seed_data: GraphData
) -> None:
    await export_graph(seeded, "csv", tmp_path / "csv", None, TODAY)
    before = checksum(await seeded.snapshot())
    await seeded.replace_all(GraphData())  # the same backend, emptied
    progress = io.StringIO()
    result = await import_tables(seeded, tmp_path / "csv", progress=ProgressBar("checking rows", progress), actor=ACTOR)
    assert result.written
    assert (result.plan.created, result.plan.linked) == (len(seed_data.nodes), len(seed_data.edges))
    assert checksum(await seeded.snapshot()) == before
    assert "checking rows [##############################] 100%" in progress.getvalue()


async def test_importing_an_unchanged_export_writes_nothing(seeded: Store, tmp_path: Path) -> None:
    await export_graph(seeded, "csv", tmp_path, None, TODAY)
    result = await import_tables(seeded, tmp_path, actor=ACTOR)
    assert not result.written
    assert result.plan.changes == []


async def test_an_import_creates_updates_and_relinks_in_one_transaction(seeded: Store, tmp_path: Path) -> None:
    (tmp_path / "Service.csv").write_text(
        "id,name,validFrom,languages\nsvc:sprachtreff-olfen,Sprachtreff Olfen,2024-01-01,de|ar\n", encoding="utf-8"
    )
    (tmp_path / "Municipality.csv").write_text("id,population\nmun:olfen,13200\n", encoding="utf-8")
    (tmp_path / "PROVIDES.csv").write_text("from,to\norg:caritas-coesfeld,svc:sprachtreff-olfen\n", encoding="utf-8")
    (tmp_path / "AVAILABLE_IN.csv").write_text("from,to\nsvc:sprachtreff-olfen,mun:olfen\n", encoding="utf-8")
    (tmp_path / "MEMBER_OF.csv").write_text(
        "from,to,role\norg:caritas-coesfeld,wg:netzwerk-chancengerechtigkeit,Sprecher\n", encoding="utf-8"
    )
    result = await import_tables(seeded, tmp_path, actor=ACTOR)
    plan = result.plan
    assert (plan.created, plan.updated, plan.linked, plan.relinked) == (1, 1, 2, 1)
    nodes = await seeded.get_nodes(["svc:sprachtreff-olfen", "mun:olfen"])
    assert nodes["svc:sprachtreff-olfen"].props["languages"] == ("de", "ar")
    assert nodes["mun:olfen"].props["population"] == 13200
    assert "ags" in nodes["mun:olfen"].props  # columns left out stay as they are
    memberships = await seeded.neighbours(["org:caritas-coesfeld"], "MEMBER_OF", "out")
    roles = {n.id: e.props.get("role") for e, n in memberships["org:caritas-coesfeld"]}
    assert roles["wg:netzwerk-chancengerechtigkeit"] == "Sprecher"


async def test_a_bad_row_refuses_the_whole_import_and_the_store_keeps_its_graph(seeded: Store, tmp_path: Path) -> None:
    before = checksum(await seeded.snapshot())
    (tmp_path / "Service.csv").write_text(
        "id,name,minAge\nsvc:neu-gut,Gut,16\nsvc:neu-schlecht,Schlecht,sechzehn\n", encoding="utf-8"
    )
    (tmp_path / "AVAILABLE_IN.csv").write_text("from,to\nsvc:neu-gut,need:sprache\n", encoding="utf-8")
    with pytest.raises(TableError) as raised:
        await import_tables(seeded, tmp_path, actor=ACTOR)
    report = str(raised.value)
    assert "Service.csv line 3, entity svc:neu-schlecht, field minAge: must be a whole number, not 'sechzehn'" in report
    assert "AVAILABLE_IN.csv line 2" in report
    assert "AVAILABLE_IN cannot go from Service to Need" in report
    assert checksum(await seeded.snapshot()) == before


async def test_the_network_exported_for_gephi_holds_what_the_store_holds_on_the_day(seeded: Store, tmp_path: Path) -> None:
    day = dt.date(2023, 1, 1)
    (gexf,) = await export_graph(seeded, "gexf", tmp_path / "kimnet.gexf", day, TODAY)
    (graphml,) = await export_graph(seeded, "graphml", tmp_path / "kimnet.graphml", day, TODAY)
    for graph in (nx.read_gexf(gexf), nx.read_graphml(graphml)):
        assert graph.nodes["org:ki-coesfeld"]["label"] == "Kommunales Integrationszentrum Kreis Coesfeld"
        assert "svc:ds-coaching-cv" not in graph  # ended on 31.12.2022
        assert graph.has_edge("org:ki-coesfeld", "mun:coesfeld")  # LOCATED_IN, open-ended


def test_export_and_import_on_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "store"
    assert kimnet("load", str(SEED), "--data-dir", str(data)).returncode == 0
    for fmt, out in (("gexf", "net.gexf"), ("graphml", "net.graphml"), ("hsds", "hsds.json"), ("csv", "tables")):
        done = kimnet("export", fmt, "--out", str(tmp_path / out), "--as-of", "2021-07-01", "--data-dir", str(data))
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["format"] == fmt
    assert nx.read_gexf(tmp_path / "net.gexf").number_of_nodes() > 200
    assert len(json.loads((tmp_path / "hsds.json").read_text(encoding="utf-8"))["services"]) > 50

    with (tmp_path / "tables" / "Municipality.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    rows[1][rows[0].index("population")] = "viele"
    with (tmp_path / "tables" / "Municipality.csv").open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    before = json.loads(kimnet("stats", "--data-dir", str(data)).stdout)["checksum"]
    refused = kimnet("import", "csv", str(tmp_path / "tables"), "--data-dir", str(data))
    assert refused.returncode == 2
    assert (
        f"Municipality.csv line 2, entity {rows[1][0]}, field population: must be a whole number, not 'viele'" in refused.stderr
    )
    assert "nothing was written" in refused.stderr
    assert json.loads(kimnet("stats", "--data-dir", str(data)).stdout)["checksum"] == before

    rows[1][rows[0].index("population")] = "12345"
    with (tmp_path / "tables" / "Municipality.csv").open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    imported = kimnet("import", "csv", str(tmp_path / "tables"), "--data-dir", str(data))
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["updated"] == 1
    assert "checking rows [" in imported.stderr  # the progress bar


def test_an_export_to_the_wrong_kind_of_path_is_a_clear_error(tmp_path: Path) -> None:
    result = kimnet("export", "gexf", "--out", str(tmp_path), "--data-dir", str(tmp_path / "store"))
    assert result.returncode == 2
    assert "is a folder; gexf writes one file" in result.stderr
