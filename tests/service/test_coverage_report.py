"""The coverage report: the county's gaps on one day as a heatmap, and what changes by another."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from kimnet.graph.availability import TargetGroup
from kimnet.graph.changes import CreateNode, Link
from kimnet.graph.model import Edge, Node
from kimnet.graph.store import Store
from kimnet.service.coverage_report import write_coverage_report
from tests.conftest import SEED
from tests.service.test_cli import kimnet

SPRING, WINTER = dt.date(2022, 6, 1), dt.date(2023, 1, 1)
TOLERATED_22 = TargetGroup(22, 22, ("duldung",))


async def test_the_report_shows_the_gaps_by_population_and_what_changes(seeded: Store, tmp_path: Path) -> None:
    matrix = await write_coverage_report(seeded, SPRING, WINTER, tmp_path / "report.html", TOLERATED_22)
    assert len(matrix.gaps) == 32
    assert matrix.gaps[0].municipality == "mun:duelmen"
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Versorgung in Kreis Coesfeld am 01.06.2022 für 22-Jährige mit Duldung, Veränderungen bis 01.01.2023" in page
    assert "<svg" in page  # the heatmap, inline
    assert "Lücken am 01.06.2022, nach Einwohnern (32)" in page
    assert "<td>Dülmen</td><td>Einbürgerung</td><td>46.700</td>" in page
    assert "Weiter versorgt, aber von einer anderen Ebene (11)" in page
    assert "<td>Olfen</td><td>Aufenthalt</td><td>in einer Region</td><td>kreisweit</td>" in page
    assert "Durchstarten: Coaching (Caritasverband)</td><td>31.12.2022" in page


async def test_a_gap_that_opens_when_an_offer_ends_is_listed(seeded: Store, tmp_path: Path) -> None:
    offer = Node(
        "Service",
        "svc:frauentreff-olfen",
        {"name": "Frauentreff Olfen", "validFrom": dt.date(2021, 1, 1), "validTo": dt.date(2022, 12, 31)},
    )
    await seeded.write(
        [
            CreateNode(offer),
            Link(Edge("ADDRESSES", offer.id, "need:gleichstellung")),
            Link(Edge("AVAILABLE_IN", offer.id, "mun:olfen")),
            Link(Edge("PROVIDES", "org:caritas-coesfeld", offer.id)),
        ]
    )
    matrix = await write_coverage_report(seeded, SPRING, WINTER, tmp_path / "report.html", TOLERATED_22)
    assert matrix.change("mun:olfen", "need:gleichstellung") == "opened"
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Lücken, die bis 01.01.2023 entstehen (1)" in page
    assert "<td>Olfen</td><td>Geschlechterverständnis und Gleichstellung</td><td>13.010</td>" in page


async def test_the_report_is_written_as_png_and_pdf(seeded: Store, tmp_path: Path) -> None:
    await write_coverage_report(seeded, SPRING, None, tmp_path / "report.png")
    await write_coverage_report(seeded, SPRING, WINTER, tmp_path / "report.pdf", TOLERATED_22)
    png = (tmp_path / "report.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert len(png) > 50_000
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 2


def test_the_report_on_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "store"
    assert kimnet("load", str(SEED), "--data-dir", str(data)).returncode == 0
    done = kimnet(
        "report", "coverage", "--as-of", "01.06.2022", "--compare", "2023-01-01", "--age", "22",
        "--residence-status", "DULDUNG", "--out", str(tmp_path / "gaps.png"), "--data-dir", str(data),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "out": str(tmp_path / "gaps.png"),
        "asOf": "2022-06-01",
        "gaps": 32,
        "compare": "2023-01-01",
        "opened": 0,
        "closed": 0,
    }
    wrong = kimnet("report", "coverage", "--as-of", "2022-06-01", "--out", str(tmp_path / "gaps.docx"), "--data-dir", str(data))
    assert wrong.returncode == 2
    assert "the report is written as .png, .pdf, .html; gaps.docx has none of them" in wrong.stderr
    bad_day = kimnet("report", "coverage", "--as-of", "31.02.2022", "--out", str(tmp_path / "x.png"))
    assert bad_day.returncode == 2
    assert "argument --as-of: must be a day as YYYY-MM-DD or DD.MM.YYYY, not '31.02.2022'" in bad_day.stderr
    bad_status = kimnet("report", "coverage", "--as-of", "2022-06-01", "--residence-status", "tourist", "--out", "x.png")
    assert bad_status.returncode == 2
    assert "argument --residence-status: must be one of DEUTSCH, EU," in bad_status.stderr
