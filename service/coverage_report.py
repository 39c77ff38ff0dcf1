"""The coverage report: a heatmap of municipalities × needs, gaps weighted by population, and what changes.

``kimnet report coverage --as-of DATE [--compare DATE] --out FILE`` runs
``write_coverage_report``. The matrix is ``graph.rules.coverage_matrix``'s; this
module only draws it (matplotlib, without pyplot's global state) and writes
PNG, PDF (A4: each map with its bars on a landscape page, then the lists on
portrait pages) or one self-contained HTML page (the figure as SVG, then the
lists as tables). The text is German: the report is for the coordinators. For
a target group, needs the group cannot have are shown as "n. z." (nicht
zutreffend) and never counted as gaps; gaps in needs that apply only under a
condition are possible gaps ("?"), listed with the condition and not weighted.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kimnet.graph.io.hsds import RESIDENCE_STATUS_NAMES
from kimnet.graph.rules.availability import TargetGroup
from kimnet.graph.rules.catalogue import Catalogue
from kimnet.graph.rules.coverage import Gap
from kimnet.graph.rules.coverage_matrix import Change, CoverageMatrix
from kimnet.schema.wording import german_date, need_reason_message

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["REPORT_SUFFIXES", "german", "render", "target_text", "write_report"]

REPORT_SUFFIXES = (".png", ".pdf", ".html")

LEVEL_NAMES = {"municipality": "in der Kommune", "region": "in einer Region", "county": "kreisweit", None: "Lücke"}
LEVEL_COLOURS = {"municipality": "#1a9850", "region": "#91cf60", "county": "#d9ef8b", None: "#d73027"}
#: Cells of needs the target group cannot have, and possible gaps (the need applies only under a condition).
NOT_APPLICABLE_COLOUR, POSSIBLE_GAP_COLOUR = "#d9d9d9", "#fdae61"
#: A4 in inches: maps on landscape pages, lists on portrait ones.
A4_LANDSCAPE, A4_PORTRAIT = (11.69, 8.27), (8.27, 11.69)
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


def german(day: dt.date) -> str:
    """A day as Germans write it: 01.07.2021."""
    return german_date(day)


def _number(value: int) -> str:
    """A whole number as Germans write it: 47.312."""
    return f"{value:,}".replace(",", ".")


def _in(county: str) -> str:
    """ "im Kreis Coesfeld", "in Münster": the preposition a German place name takes."""
    return f"im {county}" if county.startswith("Kreis ") else f"in {county}"


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


def _need_labels(names: _Names, needs: Iterable[str]) -> list[str]:
    """Need names wrapped over two lines where long, so that the rotated labels leave room for the charts."""
    return [textwrap.fill(names.needs[n], 24) for n in needs]


def _cell(matrix: CoverageMatrix, municipality: str, need: str, *, changes: bool) -> tuple[str, str, str]:
    """A cell's colour, mark and mark colour."""
    applies = matrix.applies(need)
    if applies.not_applicable:
        return NOT_APPLICABLE_COLOUR, "n. z.", "#333333"
    if changes:
        change = matrix.change(municipality, need)
        if not applies.applies and change in ("gap", "opened"):
            return POSSIBLE_GAP_COLOUR, f"{CHANGE_MARKS[change]}?", "black"
        return CHANGE_COLOURS[change], CHANGE_MARKS[change], "white" if change in ("opened", "closed") else "black"
    level = matrix.level(municipality, need)
    if level is None and not applies.applies:
        return POSSIBLE_GAP_COLOUR, "?", "black"
    return LEVEL_COLOURS[level], "" if level is not None else _number(matrix.populations[municipality]), "white"


def _heatmap(ax: Axes, matrix: CoverageMatrix, names: _Names, *, changes: bool) -> None:
    from matplotlib.colors import to_rgb

    rows, columns = matrix.municipalities, matrix.needs
    cells = [[_cell(matrix, m, n, changes=changes) for n in columns] for m in rows]
    ax.imshow([[to_rgb(c[0]) for c in line] for line in cells], aspect="auto", interpolation="nearest")
    for i, line in enumerate(cells):
        for j, (_, mark, colour) in enumerate(line):
            if mark:
                ax.text(j, i, mark, ha="center", va="center", fontsize=6, color=colour, fontweight="bold")
    ax.set_xticks(range(len(columns)), _need_labels(names, columns), rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), [f"{names.municipalities[m]} ({_number(matrix.populations[m])})" for m in rows], fontsize=8)
    ax.set_xticks([x - 0.5 for x in range(1, len(columns))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(rows))], minor=True)
    ax.grid(which="minor", color="white", linewidth=1.2)
    ax.tick_params(which="minor", length=0)


def _bars(ax: Axes, matrix: CoverageMatrix, names: _Names, *, changes: bool) -> None:
    """Inhabitants without an offer per need; for the changes, stacked by what happens (closing ones below zero)."""
    columns = matrix.needs
    xs = range(len(columns))

    def thousands(kind: Change | None) -> list[float]:
        # Only needs that apply to the group weigh: a possible gap's condition may not hold anywhere.
        return [
            sum(
                matrix.populations[m]
                for m in matrix.municipalities
                if (matrix.change(m, n) == kind if kind else matrix.level(m, n) is None)
            )
            / 1000
            if matrix.applies(n).applies
            else 0.0
            for n in columns
        ]

    if changes:
        both, opened, closed = thousands("gap"), thousands("opened"), thousands("closed")
        ax.bar(xs, both, color=CHANGE_COLOURS["gap"])
        ax.bar(xs, opened, bottom=both, color=CHANGE_COLOURS["opened"])
        ax.bar(xs, [-c for c in closed], color=CHANGE_COLOURS["closed"])
        ax.axhline(0, color="#555", linewidth=0.8)
        low, high = -max(closed, default=0), max((b + o for b, o in zip(both, opened, strict=True)), default=0)
    else:
        values = thousands(None)
        ax.bar(xs, values, color=LEVEL_COLOURS[None])
        low, high = 0.0, max(values, default=0)
    if low == high == 0:
        # Nothing to draw: an axis of its own (−0.04 to 0.04) would suggest numbers that are not there.
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        ax.text(0.5, 0.5, "keine Lücken", transform=ax.transAxes, ha="center", va="center", fontsize=10, color="#555")
    else:
        ax.set_ylim(low * 1.15, high * 1.15 if high > 0 else abs(low) * 0.15)
    for x, n in zip(xs, columns, strict=True):
        if not matrix.applies(n).applies:
            mark = "n. z." if matrix.applies(n).not_applicable else "bedingt"
            ax.text(x, 0, mark, ha="center", va="bottom", fontsize=7, color="#333", rotation=90)
    ax.set_xticks(list(xs), _need_labels(names, columns), rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("Einwohner in Lücken\n(in Tausend)", fontsize=8)
    ax.tick_params(axis="y", labelsize=8)


def _legend(ax: Axes, entries: Sequence[tuple[str, str]]) -> None:
    """A legend in an axes of its own below the charts, so that the layout keeps it clear of the footer."""
    from matplotlib.patches import Patch

    ax.axis("off")
    handles = [Patch(color=colour, label=label) for label, colour in entries]
    ax.legend(handles=handles, loc="center", ncol=min(len(handles), 4), fontsize=8, frameon=False)


def target_text(target: TargetGroup) -> str:
    """Who a report is about, in words: "für 22-Jährige mit Duldung"."""
    who = f"{target.min_age}-Jährige" if target.min_age is not None else "Menschen"
    statuses = ", ".join(RESIDENCE_STATUS_NAMES.get(s, s) for s in target.residence_statuses)
    return f"für {who} mit {statuses}" if statuses else f"für {who}"


def report_title(matrix: CoverageMatrix, names: _Names, target: TargetGroup | None) -> str:
    """The headline: "Versorgung im Kreis Coesfeld am 01.06.2022 für 22-Jährige mit Duldung, Veränderungen bis …"."""
    title = f"Versorgung {_in(names.county)} am {german(matrix.day)}"
    if target is not None:
        title += " " + target_text(target)
    if matrix.compare is not None:
        title += f", Veränderungen bis {german(matrix.compare)}"
    return title


def footer_text(matrix: CoverageMatrix, target: TargetGroup | None) -> str:
    """What every page says at its foot: the day(s) of the data and what the weights count."""
    days = german(matrix.day) + (f" und {german(matrix.compare)}" if matrix.compare is not None else "")
    weight = (
        "Gewichtet mit der Einwohnerzahl der ganzen Kommune: Zahlen für die Zielgruppe liegen nicht vor."
        if target is not None
        else "Gewichtet mit der Einwohnerzahl der Kommune."
    )
    return f"Stand der Angebote: {days}. {weight} n. z.: für die Zielgruppe nicht zutreffend, keine Lücke; ?: mögliche Lücke."


def render(
    matrix: CoverageMatrix,
    names: _Names,
    target: TargetGroup | None = None,
    *,
    panels: tuple[bool, ...] | None = None,
    size: tuple[float, float] | None = None,
) -> Figure:
    """Draw the heatmap (and, with a second day, the changes) above the population in gaps per need.

    ``panels`` chooses them (False: the day, True: the changes; default: both
    when there is a second day) and ``size`` the figure's size in inches.
    """
    from matplotlib.figure import Figure

    chosen = panels if panels is not None else ((False, True) if matrix.compare is not None else (False,))
    wide = len(chosen) > 1
    fig = Figure(figsize=size or (20 if wide else 11, 10.5), layout="constrained")
    # The bottom strip is kept free for the footer: the layout places everything else above it.
    fig.get_layout_engine().set(rect=(0, 0.025, 1, 0.975))  # type: ignore[call-arg, union-attr]
    grid = fig.add_gridspec(3, len(chosen), height_ratios=[2.2, 1, 0.16])
    fig.suptitle(report_title(matrix, names, target), fontsize=12, fontweight="bold")
    levels = [(f"Angebot {LEVEL_NAMES[k]}", c) for k, c in LEVEL_COLOURS.items() if k] + [
        ("Lücke (Einwohner)", LEVEL_COLOURS[None])
    ]
    if target is not None:
        levels += [("? mögliche Lücke", POSSIBLE_GAP_COLOUR), ("n. z. nicht zutreffend", NOT_APPLICABLE_COLOUR)]
    changed = [(f"{CHANGE_MARKS[k]} {v}".strip(), CHANGE_COLOURS[k]) for k, v in CHANGE_NAMES.items()]
    if target is not None:
        changed += [("? mögliche Lücke", POSSIBLE_GAP_COLOUR), ("n. z. nicht zutreffend", NOT_APPLICABLE_COLOUR)]
    for column, changes in enumerate(chosen):
        _legend(fig.add_subplot(grid[2, column]), changed if changes else levels)
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
    fig.text(0.5, 0.003, footer_text(matrix, target), ha="center", va="bottom", fontsize=7, color="#444")
    return fig


def _lists(matrix: CoverageMatrix, names: _Names) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report's lists: (title, column heads, rows)."""

    def gap_rows(gaps: Iterable[Gap]) -> list[list[str]]:
        return [
            [
                names.municipalities[g.municipality],
                names.needs.get(g.need or "", ""),
                _number(g.population),
                f"mögliche Lücke: {need_reason_message(g.condition, 'de')}" if g.condition else "Lücke",
            ]
            for g in gaps
        ]

    heads = ["Kommune", "Handlungsfeld", "Einwohner (ganze Kommune)", "Art"]
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


def _pages(lines: list[str], per_page: int) -> list[list[str]]:
    """Split lines into as few pages as needed, evenly, so that no last page holds a line or two."""
    count = max(1, -(-len(lines) // per_page))
    size = -(-len(lines) // count)
    return [lines[start : start + size] for start in range(0, len(lines), size)] or [[]]


def _pdf(
    matrix: CoverageMatrix,
    names: _Names,
    target: TargetGroup | None,
    lists: list[tuple[str, list[str], list[list[str]]]],
    out: Path,
) -> None:
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    lines: list[str] = []
    for heading, _, rows in lists:
        lines += [f"{heading} ({len(rows)})", *(" · ".join(r) for r in rows), ""]
    while lines and not lines[-1]:
        lines.pop()
    panels = (False, True) if matrix.compare is not None else (False,)
    pages = _pages(lines, 70)
    total = len(panels) + len(pages)
    title, footer = report_title(matrix, names, target), footer_text(matrix, target)
    with PdfPages(out) as pdf:
        for number, changes in enumerate(panels, start=1):
            page = render(matrix, names, target, panels=(changes,), size=A4_LANDSCAPE)
            page.text(0.995, 0.003, f"Seite {number} von {total}", ha="right", va="bottom", fontsize=7, color="#444")
            pdf.savefig(page)
        for number, chunk in enumerate(pages, start=len(panels) + 1):
            page = Figure(figsize=A4_PORTRAIT)
            page.text(0.07, 0.965, title, va="top", fontsize=9, fontweight="bold", wrap=True)
            page.text(0.07, 0.93, "\n".join(chunk), va="top", fontsize=7, family="DejaVu Sans")
            page.text(0.07, 0.025, footer, va="bottom", fontsize=6, color="#444", wrap=True)
            page.text(0.93, 0.012, f"Seite {number} von {total}", ha="right", va="bottom", fontsize=7, color="#444")
            pdf.savefig(page)


def write_report(
    matrix: CoverageMatrix, catalogue: Catalogue, path: Path, suffix: str, target: TargetGroup | None = None
) -> None:
    """Write the report for ``matrix`` to ``path`` as PNG, PDF or HTML (``suffix``, one of ``REPORT_SUFFIXES``).

    ``path`` is the file being made; ``service.exchange`` writes it beside the report's
    name and renames it, so that nobody sees half a report.
    """
    names = _Names.of(catalogue)
    if suffix == ".png":
        render(matrix, names, target).savefig(path, dpi=110, format="png")
    elif suffix == ".pdf":
        _pdf(matrix, names, target, _lists(matrix, names), path)
    else:
        fig = render(matrix, names, target)
        path.write_text(_html(fig, _lists(matrix, names), report_title(matrix, names, target)), encoding="utf-8")
