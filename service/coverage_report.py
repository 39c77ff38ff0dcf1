"""The coverage report: a heatmap of municipalities × needs, gaps weighted by population, and what changes.

``kimnet report coverage --as-of DATE [--compare DATE] --out FILE`` runs
``write_coverage_report``. The matrix is ``graph.coverage_matrix``'s; this
module only draws it (matplotlib, without pyplot's global state) and writes
PNG, PDF (the figure, then the lists) or one self-contained HTML page (the
figure as SVG, then the lists as tables). The text is German: the report is
for the coordinators.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import io
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeAlias

from kimnet.graph.availability import TargetGroup, for_target_group
from kimnet.graph.catalogue import Catalogue
from kimnet.graph.coverage import Gap
from kimnet.graph.coverage_matrix import Change, CoverageMatrix, coverage_matrix
from kimnet.graph.formats.hsds import RESIDENCE_STATUS_NAMES
from kimnet.graph.readcache import reads
from kimnet.graph.store import Store

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["REPORT_SUFFIXES", "NothingToReportError", "german", "render", "target_text", "write_coverage_report", "write_report"]

REPORT_SUFFIXES = (".png", ".pdf", ".html")

LEVEL_NAMES = {"municipality": "in der Kommune", "region": "in einer Region", "county": "kreisweit", None: "Lücke"}
LEVEL_COLOURS = {"municipality": "#1a9850", "region": "#91cf60", "county": "#d9ef8b", None: "#d73027"}
CHANGE_NAMES: dict[Change, str] = {
    "opened": "Lücke entsteht",
    "closed": "Lücke schließt sich",
    "moved": "andere Ebene",
    "gap": "Lücke an beiden Tagen",
    "same": "unverändert versorgt",
}
CHANGE_COLOURS: dict[Change, str] = {
    "opened": "#b2182b",
    "closed": "#2166ac",
    "moved": "#fee08b",
    "gap": "#f4a582",
    "same": "#e8e8e8",
}
CHANGE_MARKS: dict[Change, str] = {"opened": "+", "closed": "✓", "moved": "↕", "gap": "", "same": ""}


class NothingToReportError(ValueError):
    """The store holds no municipalities or no needs: a heatmap of nothing cannot be drawn."""


def german(day: dt.date) -> str:
    """A day as Germans write it: 01.07.2021."""
    return day.strftime("%d.%m.%Y")


@dataclass(frozen=True, slots=True)
class _Names:
    municipalities: dict[str, str]
    needs: dict[str, str]
    county: str

    @classmethod
    def of(cls, catalogue: Catalogue) -> _Names:
        geography = catalogue.geography
        county = next((r.name for r in geography.regions.values() if r.props.get("kind") == "county"), "dem Kreis")
        return cls(
            {m: n.name for m, n in geography.municipalities.items()}, {k: n.name for k, n in catalogue.needs.items()}, county
        )


def _thousands(population: int) -> str:
    return f"{population / 1000:.0f} T" if population >= 1000 else str(population)


def _heatmap(ax: Axes, matrix: CoverageMatrix, names: _Names, *, changes: bool) -> None:
    from matplotlib.colors import to_rgb

    rows, columns = matrix.municipalities, matrix.needs
    colours = []
    for m in rows:
        line = []
        for n in columns:
            line.append(to_rgb(CHANGE_COLOURS[matrix.change(m, n)] if changes else LEVEL_COLOURS[matrix.level(m, n)]))
        colours.append(line)
    ax.imshow(colours, aspect="auto", interpolation="nearest")
    for i, m in enumerate(rows):
        for j, n in enumerate(columns):
            if changes:
                mark = CHANGE_MARKS[matrix.change(m, n)]
                colour = "white" if matrix.change(m, n) in ("opened", "closed") else "black"
            else:
                mark = _thousands(matrix.populations[m]) if matrix.level(m, n) is None else ""
                colour = "white"
            if mark:
                ax.text(j, i, mark, ha="center", va="center", fontsize=7, color=colour, fontweight="bold")
    ax.set_xticks(range(len(columns)), [names.needs[n] for n in columns], rotation=55, ha="right", fontsize=8)
    ax.set_yticks(
        range(len(rows)), [f"{names.municipalities[m]} ({_thousands(matrix.populations[m])})" for m in rows], fontsize=8
    )
    ax.set_xticks([x - 0.5 for x in range(1, len(columns))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(rows))], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.2)
    ax.tick_params(which="minor", length=0)


def _bars(ax: Axes, matrix: CoverageMatrix, names: _Names, *, changes: bool) -> None:
    """Inhabitants without an offer per need; for the changes, stacked by what happens (closing ones below zero)."""
    columns = matrix.needs
    xs = range(len(columns))

    def thousands(kind: Change | None) -> list[float]:
        return [
            sum(
                matrix.populations[m]
                for m in matrix.municipalities
                if (matrix.change(m, n) == kind if kind else matrix.level(m, n) is None)
            )
            / 1000
            for n in columns
        ]

    if changes:
        both, opened, closed = thousands("gap"), thousands("opened"), thousands("closed")
        ax.bar(xs, both, color=CHANGE_COLOURS["gap"])
        ax.bar(xs, opened, bottom=both, color=CHANGE_COLOURS["opened"])
        ax.bar(xs, [-c for c in closed], color=CHANGE_COLOURS["closed"])
        ax.axhline(0, color="#555", linewidth=0.8)
    else:
        ax.bar(xs, thousands(None), color=LEVEL_COLOURS[None])
    ax.set_xticks(list(xs), [names.needs[n] for n in columns], rotation=55, ha="right", fontsize=8)
    ax.set_ylabel("Einwohner in Lücken\n(Tausend)", fontsize=8)
    ax.tick_params(axis="y", labelsize=8)


_LegendPlace: TypeAlias = Literal["outside lower left", "outside lower center", "outside lower right"]


def _legend(fig: Figure, entries: Iterable[tuple[str, str]], where: _LegendPlace) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(color=colour, label=label) for label, colour in entries]
    fig.legend(handles=handles, loc=where, ncol=len(handles), fontsize=8, frameon=False)


def target_text(target: TargetGroup) -> str:
    """Who a report is about, in words: "für 22-Jährige mit Duldung"."""
    who = f"{target.min_age}-Jährige" if target.min_age is not None else "Menschen"
    statuses = ", ".join(RESIDENCE_STATUS_NAMES.get(s, s) for s in target.residence_statuses)
    return f"für {who} mit {statuses}" if statuses else f"für {who}"


def render(matrix: CoverageMatrix, names: _Names, target: TargetGroup | None = None) -> Figure:
    """Draw the heatmap (and, with a second day, the changes) above the population in gaps per need."""
    from matplotlib.figure import Figure

    wide = matrix.compare is not None
    fig = Figure(figsize=(20 if wide else 11, 10.5), layout="constrained")
    grid = fig.add_gridspec(2, 2 if wide else 1, height_ratios=[2.2, 1])
    title = f"Versorgung in {names.county} am {german(matrix.day)}"
    if target is not None:
        title += " " + target_text(target)
    if matrix.compare is not None:
        title += f", Veränderungen bis {german(matrix.compare)}"
    fig.suptitle(title, fontsize=13, fontweight="bold")
    for column, changes in enumerate((False, True) if wide else (False,)):
        heat = fig.add_subplot(grid[0, column])
        bars = fig.add_subplot(grid[1, column], sharex=heat)
        _heatmap(heat, matrix, names, changes=changes)
        heat.tick_params(axis="x", labelbottom=False)
        _bars(bars, matrix, names, changes=changes)
        if changes:
            heat.set_title(f"Was sich bis {german(matrix.compare or matrix.day)} ändert", fontsize=10)
            bars.set_title("Einwohner in Lücken: bleibend, neu (oben), sich schließend (unten)", fontsize=9)
        else:
            heat.set_title(f"Nächstes Angebot je Kommune und Handlungsfeld am {german(matrix.day)}", fontsize=10)
            bars.set_title("Lücken gewichtet nach Einwohnern, je Handlungsfeld", fontsize=9)
    levels = [(f"Angebot {LEVEL_NAMES[k]}", c) for k, c in LEVEL_COLOURS.items() if k] + [
        ("Lücke (Einwohner)", LEVEL_COLOURS[None])
    ]
    _legend(fig, levels, "outside lower left" if wide else "outside lower center")
    if wide:
        _legend(
            fig, [(f"{CHANGE_MARKS[k]} {v}".strip(), CHANGE_COLOURS[k]) for k, v in CHANGE_NAMES.items()], "outside lower right"
        )
    return fig


def _lists(matrix: CoverageMatrix, names: _Names) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report's lists: (title, column heads, rows)."""

    def gap_rows(gaps: Iterable[Gap]) -> list[list[str]]:
        return [
            [names.municipalities[g.municipality], names.needs.get(g.need or "", ""), f"{g.population:,}".replace(",", ".")]
            for g in gaps
        ]

    heads = ["Kommune", "Handlungsfeld", "Einwohner"]
    lists = [(f"Lücken am {german(matrix.day)}, nach Einwohnern", heads, gap_rows(matrix.gaps))]
    if matrix.compare is not None and matrix.changes is not None:
        changes = matrix.changes
        lists += [
            (f"Lücken, die bis {german(matrix.compare)} entstehen", heads, gap_rows(changes.opened)),
            (f"Lücken, die sich bis {german(matrix.compare)} schließen", heads, gap_rows(changes.closed)),
            (
                "Weiter versorgt, aber von einer anderen Ebene",
                ["Kommune", "Handlungsfeld", "vorher", "nachher"],
                [
                    [names.municipalities[c.municipality], names.needs[c.need], LEVEL_NAMES[c.before], LEVEL_NAMES[c.after]]
                    for c in changes.moved
                ],
            ),
            (
                "Angebote, die enden",
                ["Angebot", "gültig bis"],
                [[o.node.name, _until(o.node.props.get("validTo"))] for o in changes.ended],
            ),
            (
                "Angebote, die beginnen",
                ["Angebot", "gültig ab"],
                [[o.node.name, _until(o.node.props.get("validFrom"))] for o in changes.started],
            ),
        ]
    return lists


def _until(value: object) -> str:
    return german(value) if isinstance(value, dt.date) else "–"


def _html(fig: Figure, lists: list[tuple[str, list[str], list[list[str]]]], title: str) -> str:
    svg = io.StringIO()
    fig.savefig(svg, format="svg")
    sections = []
    for heading, heads, rows in lists:
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
        head = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
        table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>" if rows else "<p>keine</p>"
        sections.append(f"<section><h2>{html.escape(heading)} ({len(rows)})</h2>{table}</section>")
    style = (
        "body{font-family:sans-serif;margin:2em;color:#222}svg{max-width:100%;height:auto}"
        "table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
        "th{background:#f0f0f0}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>{svg.getvalue()}{''.join(sections)}</body></html>\n"
    )


def _pdf(fig: Figure, lists: list[tuple[str, list[str], list[list[str]]]], out: Path) -> None:
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    lines: list[str] = []
    for heading, _, rows in lists:
        lines += [f"{heading} ({len(rows)})", *(" · ".join(r) for r in rows), ""]
    per_page = 60
    with PdfPages(out) as pdf:
        pdf.savefig(fig)
        for start in range(0, len(lines), per_page):
            page = Figure(figsize=(8.27, 11.69))  # A4
            page.text(0.06, 0.96, "\n".join(lines[start : start + per_page]), va="top", fontsize=7, family="DejaVu Sans")
            pdf.savefig(page)


def write_report(matrix: CoverageMatrix, catalogue: Catalogue, out: Path, target: TargetGroup | None = None) -> None:
    """Write the report for ``matrix`` to ``out`` as PNG, PDF or HTML (by its suffix), never half written.

    Raises:
        ValueError: the suffix is not one of ``REPORT_SUFFIXES``.
    """
    suffix = out.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ValueError(f"the report is written as {', '.join(REPORT_SUFFIXES)}; {out.name} has none of them")
    names = _Names.of(catalogue)
    fig = render(matrix, names, target)
    lists = _lists(matrix, names)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=suffix)
    os.close(handle)
    try:
        if suffix == ".png":
            fig.savefig(temporary, dpi=110)
        elif suffix == ".pdf":
            _pdf(fig, lists, Path(temporary))
        else:
            title = str(fig.get_suptitle())
            Path(temporary).write_text(_html(fig, lists, title), encoding="utf-8")
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


async def write_coverage_report(
    store: Store, as_of: dt.date, compare: dt.date | None, out: Path, target: TargetGroup | None = None
) -> CoverageMatrix:
    """Read the offers, build the matrix on ``as_of`` (and ``compare``) and write the report to ``out``; return the matrix.

    With ``target``, only offers that admit such a person count (``availability.for_target_group``).

    Raises:
        ValueError: ``out`` has a suffix the report cannot be written as.
    """
    if out.suffix.lower() not in REPORT_SUFFIXES:
        raise ValueError(f"the report is written as {', '.join(REPORT_SUFFIXES)}; {out.name} has none of them")
    # Each day with the relationships that hold on it, as the API's coverage questions read them.
    graph = await reads(store)
    catalogue = graph.catalogue(as_of)
    later = graph.catalogue(compare) if compare is not None else None
    if target is not None:
        catalogue = for_target_group(catalogue, target)
        later = for_target_group(later, target) if later is not None else None
    # Drawing takes about a second: a worker thread, so that a serving process keeps answering.
    return await asyncio.to_thread(_matrix_and_report, catalogue, as_of, compare, later, out, target)


def _matrix_and_report(
    catalogue: Catalogue, as_of: dt.date, compare: dt.date | None, later: Catalogue | None, out: Path, target: TargetGroup | None
) -> CoverageMatrix:
    matrix = coverage_matrix(catalogue, as_of, compare, later)
    if not matrix.municipalities or not matrix.needs:
        raise NothingToReportError(
            f"there is nothing to report on {as_of.isoformat()}: the store holds no municipalities or no needs"
        )
    write_report(matrix, catalogue, out, target)
    return matrix
