"""The file formats: network files Gephi opens, CSV tables that come back unchanged, HSDS that validates."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.validators import validator_for

from kimnet.graph.io.dated import on_day
from kimnet.graph.io.hsds import to_hsds
from kimnet.graph.io.merge import plan_merge
from kimnet.graph.io.network_files import write_gexf, write_graphml
from kimnet.graph.io.tables import read_tables, write_tables
from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.errors import TableError
from kimnet.graph.model.graphdata import GraphData, checksum

#: HSDS's published schemas, carried by the repository with their licence (tests/fixtures/hsds-3.0/README.md).
HSDS = Path(__file__).resolve().parents[1] / "fixtures" / "hsds-3.0" / "schema"

DAY = dt.date(2021, 7, 1)


def test_graphml_and_gexf_open_with_every_entity_labelled_and_typed(seed_data: GraphData, tmp_path: Path) -> None:
    write_graphml(seed_data, tmp_path / "net.graphml")
    write_gexf(seed_data, tmp_path / "net.gexf")
    for graph in (nx.read_graphml(tmp_path / "net.graphml"), nx.read_gexf(tmp_path / "net.gexf")):
        assert graph.number_of_nodes() == len(seed_data.nodes)
        assert graph.number_of_edges() == len(seed_data.edges)
        olfen = graph.nodes["mun:olfen"]
        assert (olfen["label"], olfen["type"], olfen["ags"]) == ("Olfen", "Municipality", "05558036")
        assert isinstance(olfen["population"], int)  # numbers stay numbers: Gephi can size nodes by them
        labels = {d["label"] for _, _, d in graph.edges(data=True)}
        assert labels == set(MODEL.rels)
    gexf = (tmp_path / "net.gexf").read_text(encoding="utf-8")
    assert 'viz:color r="255" g="127" b="14"' in gexf  # municipalities are orange, as in the explorer


def test_an_export_as_of_a_day_leaves_out_what_does_not_hold_then(seed_data: GraphData) -> None:
    cut = on_day(seed_data, dt.date(2023, 1, 1))
    assert "svc:ds-coaching-cv" in seed_data.nodes
    assert "svc:ds-coaching-cv" not in cut.nodes  # Durchstarten ended on 31.12.2022
    assert all(e.source in cut.nodes and e.target in cut.nodes for e in cut.edges.values())
    assert on_day(seed_data, None) is seed_data


def test_csv_tables_read_back_into_an_empty_graph_give_the_same_graph(seed_data: GraphData, tmp_path: Path) -> None:
    written = write_tables(seed_data, tmp_path)
    assert len(written) == len(MODEL.nodes) + len(MODEL.rels)
    assert (tmp_path / "Organisation.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # spreadsheets see UTF-8
    tables = read_tables(tmp_path)
    assert tables.problems == []
    plan = plan_merge(GraphData(), tables)
    assert (plan.created, plan.linked) == (len(seed_data.nodes), len(seed_data.edges))
    rebuilt = GraphData()
    for change in plan.changes:
        if hasattr(change, "node"):
            rebuilt.nodes[change.node.id] = change.node  # type: ignore[union-attr]
        else:
            rebuilt.edges[change.edge.key] = change.edge  # type: ignore[union-attr]
    assert checksum(rebuilt) == checksum(seed_data)


def test_csv_tables_of_the_stored_graph_change_nothing(seed_data: GraphData, tmp_path: Path) -> None:
    write_tables(seed_data, tmp_path)
    plan = plan_merge(seed_data, read_tables(tmp_path))
    assert plan.changes == []
    assert plan.unchanged == len(seed_data.nodes) + len(seed_data.edges)


def test_a_spreadsheet_saved_with_semicolons_german_dates_and_the_windows_code_page_is_read(
    seed_data: GraphData, tmp_path: Path
) -> None:
    text = "id;name;validFrom;validTo;fte\nsvc:sprachtreff-olfen-2024;Sprachcafé Olfen;01.02.2024;31.12.2024;0,5\n"
    (tmp_path / "Service.csv").write_bytes(text.encode("cp1252"))
    plan = plan_merge(seed_data, read_tables(tmp_path))
    created = plan.changes[0].node  # type: ignore[union-attr]
    assert created.props == {
        "name": "Sprachcafé Olfen",
        "validFrom": dt.date(2024, 2, 1),
        "validTo": dt.date(2024, 12, 31),
        "fte": 0.5,
    }


def test_every_bad_row_is_named_with_its_reason_and_nothing_is_planned(seed_data: GraphData, tmp_path: Path) -> None:
    (tmp_path / "Service.csv").write_text(
        "id,name,minAge,maxAge,residenceStatuses\n"
        "svc:ok-row,Gute Zeile,16,25,duldung\n"
        "svc:bad-age,Kaputt,zwölf,,\n"
        "svc:bad-range,Auch kaputt,30,20,geduldet\n"
        "svc:ok-row,Doppelt,,,\n",
        encoding="utf-8",
    )
    (tmp_path / "PROVIDES.csv").write_text("from,to\norg:ghost,svc:ok-row\n", encoding="utf-8")
    (tmp_path / "Notes.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(TableError) as raised:
        plan_merge(seed_data, read_tables(tmp_path))
    report = str(raised.value)
    assert "nothing was written" in report
    assert "Notes.csv: is not a file kimnet reads" in report
    assert "Service.csv line 3, entity svc:bad-age, field minAge: must be a whole number, not 'zwölf'" in report
    assert "Service.csv line 4, entity svc:bad-range, field maxAge: 20 is below minAge 30" in report
    assert "Service.csv line 4, entity svc:bad-range, field residenceStatuses: may hold only" in report
    assert "Service.csv line 5, entity svc:ok-row, field id: is in Service.csv line 2 already" in report
    assert "PROVIDES.csv line 2, entity PROVIDES org:ghost -> svc:ok-row, field source: org:ghost does not exist" in report
    assert "line 2, entity svc:ok-row" not in report  # the good row is not blamed


def test_unknown_and_missing_columns_are_named_in_the_header(tmp_path: Path) -> None:
    (tmp_path / "Need.csv").write_text("name,colour\nSprache,blau\n", encoding="utf-8")
    problems = [str(p) for p in read_tables(tmp_path).problems]
    assert problems == [
        "Need.csv line 1, field id: the header has no column id",
        "Need.csv line 1, field colour: is not a column here; known: id, name, description, validFrom, validTo, source, "
        "illustrative, audience, minAge, maxAge, notForStatuses, applicabilitySource, applicabilityIllustrative",
    ]


def test_empty_cells_remove_properties_and_columns_left_out_keep_them(seed_data: GraphData, tmp_path: Path) -> None:
    olfen = seed_data.nodes["mun:olfen"]
    assert "description" in olfen.props
    assert "populationDate" in olfen.props
    (tmp_path / "Municipality.csv").write_text("id,population,description\nmun:olfen,13500,\n", encoding="utf-8")
    (update,) = plan_merge(seed_data, read_tables(tmp_path)).changes
    assert update.set == {"population": 13500}  # type: ignore[union-attr]
    assert update.unset == ("description",)  # type: ignore[union-attr]
    assert update.expected_version == olfen.version  # type: ignore[union-attr]


def _unknown_keys(item: Any, schema: dict[str, Any], where: str = "") -> list[str]:
    """Keys in ``item`` that the schema does not declare: HSDS allows them, our profile must not invent fields."""
    found = []
    if isinstance(item, dict) and "properties" in schema:
        for key, value in item.items():
            if key not in schema["properties"]:
                found.append(f"{where}.{key}")
            else:
                found += _unknown_keys(value, schema["properties"][key], f"{where}.{key}")
    elif isinstance(item, list) and "items" in schema:
        for number, value in enumerate(item):
            found += _unknown_keys(value, schema["items"], f"{where}[{number}]")
    return found


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((HSDS / "compiled" / f"{name}.json").read_text(encoding="utf-8"))
    cls = validator_for(schema, default=Draft202012Validator)
    return cls(schema, format_checker=FormatChecker())  # type: ignore[no-any-return]


def test_the_hsds_export_validates_against_the_published_hsds_3_schemas(seed_data: GraphData) -> None:
    document = to_hsds(seed_data, DAY)
    organisation, service = _validator("organization"), _validator("service")
    assert len(document["organizations"]) == 79
    assert len(document["services"]) == 101
    for item in document["organizations"]:
        assert [e.message for e in organisation.iter_errors(item)] == [], item["name"]
        assert _unknown_keys(item, organisation.schema) == []
    for item in document["services"]:
        assert [e.message for e in service.iter_errors(item)] == [], item["name"]
        assert _unknown_keys(item, service.schema) == []
    taxonomy = json.loads((HSDS / "taxonomy.json").read_text(encoding="utf-8"))
    term = json.loads((HSDS / "taxonomy_term.json").read_text(encoding="utf-8"))
    for item in document["taxonomies"]:
        assert set(taxonomy["required"]) <= set(item)
        assert not _unknown_keys(item, taxonomy)
    for item in document["taxonomy_terms"]:
        assert set(term["required"]) <= set(item)
        assert not _unknown_keys(item, term)


def test_hsds_carries_needs_legal_domains_and_statuses_as_german_taxonomies(seed_data: GraphData) -> None:
    document = to_hsds(on_day(seed_data, DAY), DAY, DAY)
    assert [t["name"] for t in document["taxonomies"]] == ["Handlungsfelder", "Rechtskreise", "Aufenthaltsstatus"]
    coaching = next(s for s in document["services"] if s["name"] == "Durchstarten: Coaching (Caritasverband)")
    terms = {(a["link_type"], a["taxonomy_term"]["name"]) for a in coaching["attributes"]}
    assert {("need", "Ausbildung"), ("need", "Arbeit"), ("legal_domain", "Asylgesetz"), ("eligibility", "Duldung")} <= terms
    codes = {a["taxonomy_term"]["code"] for a in coaching["attributes"] if a["link_type"] == "legal_domain"}
    assert codes == {"AufenthG", "AsylG", "SGB III"}
    assert (coaching["minimum_age"], coaching["maximum_age"], coaching["status"]) == (18, 27, "active")
    assert coaching["schedules"][0]["valid_to"] == "2022-12-31"
    assert [(a["name"], a["description"]) for a in coaching["service_areas"]] == [
        ("CM-Region Süd (Lüdinghausen, Olfen, Senden, Ascheberg, Nordkirchen)", "Case-Management-Region")
    ]
    caritas = next(o for o in document["organizations"] if o["name"] == "Caritasverband für den Kreis Coesfeld")
    assert coaching["organization_id"] == caritas["id"]
    assert coaching["id"] in {s["id"] for s in caritas["services"]}
    assert caritas["organization_identifiers"][0]["identifier"] == "org:caritas-coesfeld"


def test_hsds_ids_are_the_same_in_every_export(seed_data: GraphData) -> None:
    first, second = to_hsds(seed_data, DAY), to_hsds(seed_data, dt.date(2025, 1, 1))
    assert [s["id"] for s in first["services"]] == [s["id"] for s in second["services"]]
    ended = next(s for s in second["services"] if s["name"] == "Durchstarten: Coaching (Caritasverband)")
    assert ended["status"] == "defunct"
