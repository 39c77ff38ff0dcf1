"""Every file made from the store, and the CSV import: what ``kimnet export``, ``import`` and ``report`` run.

The command line (``service.cli_coordinators``) and the downloads (``service.downloads``)
both call these. The conversions are ``graph.io``'s pure functions and the coverage
report's drawing is ``service.coverage_report``'s; this module reads the store,
writes files so that a reader never sees half of one, and applies an import as
one transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeAlias

from kimnet.graph.io.dated import on_day
from kimnet.graph.io.hsds import to_hsds
from kimnet.graph.io.merge import MergePlan, plan_merge
from kimnet.graph.io.network_files import write_gexf, write_graphml
from kimnet.graph.io.tables import read_tables, write_tables
from kimnet.graph.model.audit import Actor
from kimnet.graph.model.errors import NothingToReportError
from kimnet.graph.model.freshness import Freshness
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.read.readcache import ReadCache
from kimnet.graph.rules.availability import TargetGroup, for_target_group
from kimnet.graph.rules.coverage_matrix import CoverageMatrix, coverage_matrix
from kimnet.graph.stores.store import Progress, Store
from kimnet.service.coverage_report import REPORT_SUFFIXES, write_report

__all__ = [
    "EXPORT_FORMATS",
    "EXPORT_SUFFIXES",
    "ExportFormat",
    "ImportResult",
    "check_export_path",
    "export_graph",
    "import_tables",
    "write_atomically",
    "write_coverage_report",
]

ExportFormat: TypeAlias = Literal["graphml", "gexf", "csv", "hsds"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("graphml", "gexf", "csv", "hsds")


def write_atomically(out: Path, write: Callable[[Path], None]) -> None:
    """Let ``write`` fill a temporary file beside ``out``, then rename it to ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


async def export_graph(store: Store, fmt: ExportFormat, out: Path, as_of: dt.date | None, today: dt.date) -> list[Path]:
    """Write the store's graph (what holds on ``as_of``, or everything) as ``fmt`` to ``out``; return the files.

    ``out`` is a file for graphml, gexf and hsds, a folder (made if missing) for csv. The store is
    read here; the conversion and the writing, which take seconds for a state-sized graph, run in a
    worker thread so that a serving process keeps answering meanwhile.

    Raises:
        ValueError: ``out`` is a folder where a file is needed, or the other way round.
    """
    check_export_path(fmt, out)
    data = await store.snapshot()
    freshness = await store.freshness() if fmt == "hsds" else {}
    return await asyncio.to_thread(_write_export, data, fmt, out, as_of, today, freshness)


def _write_export(
    whole: GraphData, fmt: ExportFormat, out: Path, as_of: dt.date | None, today: dt.date, freshness: Mapping[str, Freshness]
) -> list[Path]:
    data = on_day(whole, as_of)
    name = f"kimnet {as_of.isoformat()}" if as_of else "kimnet"
    if fmt == "csv":
        return write_tables(data, out)
    if fmt == "graphml":
        write_atomically(out, lambda path: write_graphml(data, path, name))
    elif fmt == "gexf":
        write_atomically(out, lambda path: write_gexf(data, path, name))
    else:
        document = to_hsds(data, today, as_of, freshness)
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        write_atomically(out, lambda path: _write_text(path, text))
    return [out]


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def check_export_path(fmt: ExportFormat, out: Path) -> None:
    """Refuse a folder where ``fmt`` writes a file, or a file where it writes a folder (ValueError)."""
    if fmt == "csv":
        if out.exists() and not out.is_dir():
            raise ValueError(f"{out} is a file; csv writes one file per kind into a folder: give a folder")
    elif out.is_dir():
        raise ValueError(f"{out} is a folder; {fmt} writes one file: give a file name, e.g. {out / ('kimnet.' + _suffix(fmt))}")


#: The file name ending of each export (csv: the folder's files, each ``.csv``).
EXPORT_SUFFIXES: dict[ExportFormat, str] = {"graphml": "graphml", "gexf": "gexf", "csv": "csv", "hsds": "json"}


def _suffix(fmt: ExportFormat) -> str:
    return EXPORT_SUFFIXES[fmt]


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did (or, with ``check``, would do)."""

    files: list[str]
    rows: int
    plan: MergePlan
    written: bool


async def import_tables(
    store: Store, path: Path, *, check: bool = False, progress: Progress | None = None, actor: Actor | None = None
) -> ImportResult:
    """Import the CSV tables at ``path`` into the store in one transaction (with ``check``: only check them).

    ``progress`` is told how many rows have been checked; ``actor`` is recorded
    in the audit trail with the write.

    Raises:
        FileNotFoundError: ``path`` holds no CSV file.
        TableError: some file or row is bad; every one is named; nothing was written.
        StaleVersionError, DuplicateError: the graph changed while the import ran; nothing was written, run it again.
        StoreError: the store failed; nothing was written.
    """
    tables = read_tables(path)
    total = len(tables.rows)
    checked = 0

    def one_more() -> None:
        nonlocal checked
        checked += 1
        if progress:
            progress(checked, total)

    if progress:
        progress(0, total)
    plan = plan_merge(await store.snapshot(), tables, on_row=one_more)
    if check or not plan.changes:
        return ImportResult(tables.files, total, plan, written=False)
    await store.write(plan.changes, actor)
    return ImportResult(tables.files, total, plan, written=True)


async def write_coverage_report(
    cache: ReadCache, as_of: dt.date, compare: dt.date | None, out: Path, target: TargetGroup | None = None
) -> CoverageMatrix:
    """Write the coverage report on ``as_of`` (and what changes by ``compare``) to ``out``; return its matrix.

    The offers are read from ``cache`` (a store's read cache), as the API's coverage questions
    read them; with ``target``, only offers that admit such a person count
    (``availability.for_target_group``). ``out``'s suffix says PNG, PDF or HTML.

    Raises:
        ValueError: ``out`` has a suffix the report cannot be written as.
        NothingToReportError: the store holds no municipalities or no needs.
    """
    suffix = out.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ValueError(f"the report is written as {', '.join(REPORT_SUFFIXES)}; {out.name} has none of them")
    graph = await cache.reads()
    catalogue = graph.catalogue(as_of)
    later = graph.catalogue(compare) if compare is not None else None
    if target is not None:
        catalogue = for_target_group(catalogue, target)
        later = for_target_group(later, target) if later is not None else None
    matrix = coverage_matrix(catalogue, as_of, compare, later)
    if not matrix.municipalities or not matrix.needs:
        raise NothingToReportError(
            f"there is nothing to report on {as_of.isoformat()}: the store holds no municipalities or no needs"
        )
    # Drawing takes about a second: a worker thread, so that a serving process keeps answering.
    await asyncio.to_thread(write_atomically, out, lambda path: write_report(matrix, catalogue, path, suffix, target))
    return matrix
