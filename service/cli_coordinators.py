"""The coordinators' commands: ``kimnet export``, ``kimnet import csv`` and ``kimnet report coverage``.

``service.cli`` adds them to its parser (``add_commands``) and runs them
(``run``); they share its store options and its exit codes: 0 done, 1 the
store failed, 2 bad input (every bad row named; nothing written).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from kimnet.graph.model.audit import Actor
from kimnet.graph.read.readcache import ReadCache
from kimnet.graph.rules.availability import TargetGroup
from kimnet.service.config import Settings
from kimnet.service.exchange import EXPORT_FORMATS, check_export_path, export_graph, import_tables, write_coverage_report
from kimnet.service.options import age_option, day_option, residence_status_option
from kimnet.service.progress import ProgressBar
from kimnet.service.stores import open_store

__all__ = ["COMMANDS", "add_commands", "run"]

COMMANDS = ("export", "import", "report")

T = TypeVar("T")


def _argument(read: Callable[[str], T]) -> Callable[[str], T]:
    """Make an argparse type of one of ``service.options``' readers (argparse names the option itself)."""

    def parse(text: str) -> T:
        try:
            return read(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


day = _argument(day_option)


def add_commands(commands: argparse._SubParsersAction, store_options: Callable[[argparse.ArgumentParser], None]) -> None:  # type: ignore[type-arg]
    """Add export, import and report to the ``kimnet`` parser's subcommands."""
    export = commands.add_parser(
        "export",
        help="write the graph as GraphML or GEXF (Gephi, yEd), CSV per kind, or HSDS 3.0 JSON",
        description="GraphML and GEXF open in Gephi and yEd; csv writes one file per entity and relationship kind "
        "into a folder (the shape `kimnet import csv` reads); hsds writes Open Referral HSDS 3.0 JSON.",
    )
    export.add_argument("format", choices=EXPORT_FORMATS)
    export.add_argument("--out", type=Path, required=True, help="the file to write (a folder for csv)")
    export.add_argument("--as-of", type=day, help="only what holds on this day (YYYY-MM-DD or DD.MM.YYYY); default everything")
    store_options(export)

    imports = commands.add_parser(
        "import",
        help="create and update entities and relationships from CSV files (as `kimnet export csv` writes them)",
        description="All or nothing: every bad row is named with the reason, and nothing is written if any row is bad. "
        "A row creates its entity or relationship, or sets its non-empty cells and removes the empty ones; "
        "nothing is deleted.",
    )
    imports.add_argument("format", choices=["csv"])
    imports.add_argument("path", type=Path, help="a folder of CSV files, or one CSV file")
    imports.add_argument("--check", action="store_true", help="only check the rows and say what would change; write nothing")
    imports.add_argument("--quiet", action="store_true", help="no progress bar")
    store_options(imports)

    report = commands.add_parser("report", help="write a report (coverage: a heatmap of municipalities × needs)")
    report.add_argument("kind", choices=["coverage"])
    report.add_argument("--as-of", type=day, required=True, help="the day of the report (YYYY-MM-DD or DD.MM.YYYY)")
    report.add_argument("--compare", type=day, help="a second day: show the gaps that open or close until then")
    report.add_argument("--out", type=Path, required=True, help="FILE.png, FILE.pdf or FILE.html")
    report.add_argument("--age", type=_argument(age_option), help="only offers that admit a person of this age")
    report.add_argument(
        "--residence-status",
        type=_argument(residence_status_option),
        help="only offers that admit this residence status (e.g. DULDUNG or duldung)",
    )
    store_options(report)


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    check_export_path(args.format, args.out)  # before the store: a wrong path is the quicker thing to tell
    store = await open_store(settings, existing=True)
    try:
        files = await export_graph(store, args.format, args.out, args.as_of, dt.date.today())
    finally:
        await store.close()
    print(
        json.dumps(
            {"format": args.format, "asOf": args.as_of and args.as_of.isoformat(), "files": [str(f) for f in files]}, indent=2
        )
    )
    return 0


async def _import(args: argparse.Namespace, settings: Settings) -> int:
    store = await open_store(settings, existing=True)
    try:
        result = await import_tables(
            store,
            args.path,
            check=args.check,
            progress=None if args.quiet else ProgressBar("checking rows"),
            actor=Actor(f"cli:{getpass.getuser()}", "admin", "importCsv"),
        )
    finally:
        await store.close()
    plan = result.plan
    summary = {
        "files": result.files,
        "rows": result.rows,
        "created": plan.created,
        "updated": plan.updated,
        "linked": plan.linked,
        "relinked": plan.relinked,
        "unchanged": plan.unchanged,
        "written": result.written,
    }
    print(json.dumps(summary, indent=2))
    return 0


async def _report(args: argparse.Namespace, settings: Settings) -> int:
    target = None
    if args.age is not None or args.residence_status:
        target = TargetGroup(args.age, args.age, (args.residence_status,) if args.residence_status else ())
    store = await open_store(settings, existing=True)
    try:
        matrix = await write_coverage_report(ReadCache(store), args.as_of, args.compare, args.out, target)
    finally:
        await store.close()
    # A possible gap (a need the group has only under a condition) is counted apart from the gaps.
    possible = sum(g.condition is not None for g in matrix.gaps)
    summary: dict[str, object] = {
        "out": str(args.out),
        "asOf": args.as_of.isoformat(),
        "gaps": len(matrix.gaps) - possible,
        "possibleGaps": possible,
    }
    if matrix.compare is not None and matrix.changes is not None:
        summary |= {
            "compare": matrix.compare.isoformat(),
            "opened": len(matrix.changes.opened),
            "closed": len(matrix.changes.closed),
        }
    print(json.dumps(summary, indent=2))
    return 0


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the export, import or report command that ``args`` names; return the exit code."""
    if args.command == "export":
        return await _export(args, settings)
    if args.command == "import":
        return await _import(args, settings)
    if args.command == "report":
        return await _report(args, settings)
    print(f"kimnet: unknown command {args.command}", file=sys.stderr)
    return 2
