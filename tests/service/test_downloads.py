"""Exports and the coverage report from the running service, and the person at a development server's keyboard.

The embedded store belongs to one process, so while the service runs, coordinators get the files
from it: ``GET /export/...`` and ``GET /report/coverage.*`` with the CLI's options as parameters.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import networkx as nx
import pytest

from kimnet.graph.io.tables import read_tables
from kimnet.schema.access import Role
from tests.service.hardening import bearer, served, settings

REFERRAL = {
    "query": '{ referral(case: {municipality: "mun:olfen", age: 22, residenceStatus: DULDUNG, needs: ["need:ausbildung"],'
    ' asOf: "2021-07-01"}) { needs { offers { offer { key } } } } }'
}
AUDIT = {"query": "{ auditTrail(first: 1) { edges { cursor } } }"}
CREATE = {"query": 'mutation { createNeed(input: {key: "need:keyboard", name: "Tastatur"}) { entity { key } } }'}


async def test_in_development_the_person_at_the_keyboard_reads_everything_without_a_token(tmp_path: Path) -> None:
    async with served(settings(tmp_path)) as (client, _):
        referral = await client.post("/graphql", json=REFERRAL)
        assert referral.status_code == 200, referral.text
        offers = referral.json()["data"]["referral"]["needs"][0]["offers"]
        assert offers, "the referral answers with offers"
        audit = await client.post("/graphql", json=AUDIT)
        assert "errors" not in audit.json(), audit.text
        # Reading is everything it may do: a write still needs a token with the role.
        refused = await client.post("/graphql", json=CREATE)
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_production_stays_strict_for_the_referral(tmp_path: Path) -> None:
    async with served(settings(tmp_path, env="production")) as (client, _):
        assert (await client.post("/graphql", json=REFERRAL)).status_code == 401
        viewer = await client.post("/graphql", json=REFERRAL, headers=bearer(Role.VIEWER))
        assert viewer.status_code == 403
        caseworker = await client.post("/graphql", json=REFERRAL, headers=bearer(Role.CASEWORKER))
        assert caseworker.status_code == 200
        assert (await client.get("/export/graphml")).status_code == 401
        assert (await client.get("/report/coverage.png")).status_code == 401


@pytest.mark.parametrize(("fmt", "media"), [("graphml", "application/graphml+xml"), ("gexf", "application/gexf+xml")])
async def test_network_files_download_while_the_service_runs(tmp_path: Path, fmt: str, media: str) -> None:
    async with served(settings(tmp_path / "store")) as (client, _):
        answer = await client.get(f"/export/{fmt}", params={"asOf": "01.07.2021"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(media)
    assert answer.headers["content-disposition"] == f'attachment; filename="kimnet-2021-07-01.{fmt}"'
    path = tmp_path / f"net.{fmt}"
    path.write_bytes(answer.content)
    graph = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    assert graph.nodes["mun:olfen"]["label"] == "Olfen"
    assert "svc:ds-coaching-cv" in graph  # Durchstarten ran on 01.07.2021


async def test_the_csv_export_is_a_zip_that_reads_back_and_hsds_is_json(tmp_path: Path) -> None:
    async with served(settings(tmp_path / "store")) as (client, _):
        tables = await client.get("/export/csv", headers=bearer(Role.VIEWER))
        hsds = await client.get("/export/hsds", params={"asOf": "2023-01-01"})
    assert tables.status_code == 200
    assert tables.headers["content-type"] == "application/zip"
    folder = tmp_path / "tables"
    zipfile.ZipFile(io.BytesIO(tables.content)).extractall(folder)
    read = read_tables(folder)
    assert read.problems == []
    assert any(name.startswith("Organisation") for name in read.files)
    document = json.loads(hsds.content)
    names = {s["name"] for s in document["services"]}
    assert "Durchstarten: Coaching (Caritasverband)" not in names  # ended on 31.12.2022
    assert len(document["organizations"]) > 50


@pytest.mark.parametrize(("suffix", "magic"), [("png", b"\x89PNG"), ("pdf", b"%PDF"), ("html", b"<!DOCTYPE html>")])
async def test_the_coverage_report_downloads_with_the_clis_options(tmp_path: Path, suffix: str, magic: bytes) -> None:
    params = {"asOf": "01.07.2021", "compare": "2023-01-01", "age": "22", "residenceStatus": "DULDUNG"}
    async with served(settings(tmp_path)) as (client, _):
        answer = await client.get(f"/report/coverage.{suffix}", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.content.startswith(magic)
    assert answer.headers["content-disposition"] == f'attachment; filename="kimnet-abdeckung-2021-07-01.{suffix}"'
    if suffix == "html":
        assert "01.07.2021" in answer.text
        assert "Duldung" in answer.text


@pytest.mark.parametrize(
    ("path", "params", "status", "said"),
    [
        ("/export/pdf", {}, 404, "there is no export 'pdf'; use one of graphml, gexf, csv, hsds"),
        ("/export/graphml", {"asOf": "32.13.2021"}, 400, "asOf must be a day as YYYY-MM-DD or DD.MM.YYYY, not '32.13.2021'"),
        ("/report/coverage.svg", {}, 404, "there is no report coverage.svg"),
        ("/report/coverage.png", {"age": "-3"}, 400, "age must be between 0 and 130, not -3"),
        ("/report/coverage.png", {"age": "zwölf"}, 400, "age must be a whole number of years, not 'zwölf'"),
        ("/report/coverage.png", {"residenceStatus": "tourist"}, 400, "residenceStatus must be one of DEUTSCH"),
    ],
)
async def test_bad_parameters_are_named(tmp_path: Path, path: str, params: dict[str, str], status: int, said: str) -> None:
    async with served(settings(tmp_path)) as (client, _):
        answer = await client.get(path, params=params)
    assert answer.status_code == status
    assert answer.json()["errors"][0]["message"].startswith(said)
