"""The coverage report: the county's gaps on one day as a heatmap, and what changes by another."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

from pypdf import PdfReader

from kimnet.graph.model.changes import CreateNode, Link
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.read.readcache import ReadCache
from kimnet.graph.rules.availability import TargetGroup
from kimnet.graph.rules.coverage_matrix import coverage_matrix
from kimnet.graph.stores.store import Store
from kimnet.service.exchange import write_coverage_report
from tests.conftest import SEED
from tests.service.test_cli import kimnet

SPRING, WINTER = dt.date(2022, 6, 1), dt.date(2023, 1, 1)
TOLERATED_22 = TargetGroup(22, 22, ("duldung",))


async def test_the_report_shows_the_gaps_by_population_and_what_changes(seeded: Store, tmp_path: Path) -> None:
    matrix = await write_coverage_report(ReadCache(seeded), SPRING, WINTER, tmp_path / "report.html", TOLERATED_22)
    # Naturalisation (not under a Duldung) and intercultural opening (organisations) are no gaps for the group.
    assert not {g.need for g in matrix.gaps} & {"need:einbuergerung", "need:interkulturelle-oeffnung"}
    possible = [g for g in matrix.gaps if g.condition is not None]
    assert {g.need for g in possible} == {"need:fruehkindliche-bildung"}
    assert matrix.population_in_gaps("need:fruehkindliche-bildung") == 0
    assert matrix.gaps[0].municipality == "mun:duelmen"
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Versorgung im Kreis Coesfeld am 01.06.2022 für 22-Jährige mit Duldung, Veränderungen bis 01.01.2023" in page
    assert "<svg" in page  # the heatmap, inline
    assert f"Lücken am 01.06.2022, nach Einwohnern ({len(matrix.gaps)})" in page
    assert (
        "<td>Dülmen</td><td>Frühkindliche Bildung</td><td>46.700</td>"
        "<td>mögliche Lücke: nur für Familien mit einem Kind im Alter von 1 bis 5 Jahren</td>"
    ) in page
    assert "<td>Dülmen</td><td>Einbürgerung</td>" not in page
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
    matrix = await write_coverage_report(ReadCache(seeded), SPRING, WINTER, tmp_path / "report.html", TOLERATED_22)
    assert matrix.change("mun:olfen", "need:gleichstellung") == "opened"
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Lücken, die bis 01.01.2023 entstehen (1)" in page
    assert "<td>Olfen</td><td>Geschlechterverständnis und Gleichstellung</td><td>13.010</td>" in page


async def test_the_report_is_written_as_png_and_pdf(seeded: Store, tmp_path: Path) -> None:
    await write_coverage_report(ReadCache(seeded), SPRING, None, tmp_path / "report.png")
    await write_coverage_report(ReadCache(seeded), SPRING, WINTER, tmp_path / "report.pdf", TOLERATED_22)
    png = (tmp_path / "report.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert len(png) > 50_000
    pdf = (tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")


async def test_the_pdf_is_a4_throughout_and_says_whom_and_which_day_it_is_about(seeded: Store, tmp_path: Path) -> None:
    await write_coverage_report(ReadCache(seeded), SPRING, WINTER, tmp_path / "report.pdf", TOLERATED_22)
    reader = PdfReader(tmp_path / "report.pdf")
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    # A4 is 595 × 842 points: the two maps landscape, the lists portrait.
    assert sizes[:2] == [(842, 595), (842, 595)]
    assert set(sizes[2:]) == {(595, 842)}
    texts = [" ".join((p.extract_text() or "").split()) for p in reader.pages]
    assert all("im Kreis Coesfeld am 01.06.2022" in t for t in texts)
    assert not any("in Kreis Coesfeld" in t for t in texts)
    assert all("Stand der Angebote: 01.06.2022 und 01.01.2023" in t for t in texts)  # the headline's days
    assert all("Zahlen für die Zielgruppe liegen nicht vor" in t for t in texts)
    assert all(f"Seite {n} von {len(texts)}" in t for n, t in enumerate(texts, start=1))
    assert "47 T" not in " ".join(texts)
    assert "46.700" in texts[0]  # Dülmen's inhabitants, written out
    assert "n. z." in texts[0]
    # The lists fill their pages evenly: the last one is not a leftover line.
    lines = [p.extract_text() or "" for p in reader.pages[2:]]
    assert min(len(t.splitlines()) for t in lines) > 10


async def test_a_report_without_gaps_draws_no_empty_axis(seeded: Store, tmp_path: Path) -> None:
    from kimnet.service.coverage_report import _Names, render

    graph = await ReadCache(seeded).reads()
    catalogue = graph.catalogue(SPRING)
    matrix = coverage_matrix(catalogue, SPRING)
    gapless = replace(matrix, levels=dict.fromkeys(matrix.levels, "county"), gaps=())
    figure = render(gapless, _Names.of(catalogue))
    [bars] = [ax for ax in figure.axes if ax.get_ylabel().startswith("Einwohner in Lücken")]
    assert bars.get_ylim() == (0.0, 1.0)
    assert [t.get_text() for t in bars.texts] == ["keine Lücken"]


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
        "gaps": 10,
        "possibleGaps": 11,
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
