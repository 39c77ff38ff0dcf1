"""Exports and the coverage report as downloads from the running service.

``kimnet export`` and ``kimnet report coverage`` need the data folder to themselves, so while the
service runs on the embedded store they cannot; these routes give coordinators the same files from
the service, with the CLI's options as query parameters:

- ``GET /export/{graphml|gexf|csv|hsds}?asOf=``: the graph (what holds on ``asOf``, or everything);
  csv comes as one ZIP of the per-kind files that ``kimnet import csv`` reads back.
- ``GET /report/coverage.{png|pdf|html}?asOf=&compare=&age=&residenceStatus=``: the coverage
  report (``asOf`` defaults to today).

Both need the role viewer (``schema.access.DOWNLOAD_ROLE``), checked like every question; days are
ISO or German (01.07.2021), residence statuses in the API's spelling (DULDUNG) or the model's. Bad
parameters are 400 with a message that names them; files are made in a temporary folder that is
removed when the answer has been sent.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar, cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kimnet.graph.model.errors import ForbiddenError, NothingToReportError
from kimnet.graph.rules.availability import TargetGroup
from kimnet.schema.access import ANONYMOUS, Principal, check_download
from kimnet.service.coverage_report import REPORT_SUFFIXES
from kimnet.service.exchange import EXPORT_FORMATS, EXPORT_SUFFIXES, ExportFormat, export_graph, write_coverage_report
from kimnet.service.options import age_option, day_option, residence_status_option

__all__ = ["MEDIA_TYPES", "download_routes"]

T = TypeVar("T")

#: What each download is sent as.
MEDIA_TYPES = {
    "graphml": "application/graphml+xml",
    "gexf": "application/gexf+xml",
    "csv": "application/zip",
    "hsds": "application/json",
    ".png": "image/png",
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
}


def _error(status: int, code: str, message: str) -> Response:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    return Response(body, status_code=status, media_type="application/json")


class _BadParameterError(ValueError):
    pass


def _optional(params: Mapping[str, str], name: str, read: Callable[[str], T]) -> T | None:
    text = params.get(name)
    if text is None or not text.strip():
        return None
    try:
        return read(text)
    except ValueError as exc:
        raise _BadParameterError(f"{name} {exc}") from None


def _refused(request: Request, name: str) -> Response | None:
    principal = cast(Principal, getattr(request.state, "principal", ANONYMOUS))
    try:
        check_download(name, principal)
    except ForbiddenError as exc:
        return _error(403, "FORBIDDEN", str(exc))
    return None


def _attachment(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


async def export(request: Request) -> Response:
    """The graph as GraphML, GEXF, CSV (a ZIP) or HSDS 3.0 JSON."""
    if (refusal := _refused(request, "export")) is not None:
        return refusal
    fmt = request.path_params["format"]
    if fmt not in EXPORT_FORMATS:
        return _error(404, "NOT_FOUND", f"there is no export {fmt[:40]!r}; use one of {', '.join(EXPORT_FORMATS)}")
    try:
        as_of = _optional(request.query_params, "asOf", day_option)
    except _BadParameterError as exc:
        return _error(400, "BAD_REQUEST", str(exc))
    chosen = cast(ExportFormat, fmt)
    stem = f"kimnet-{as_of.isoformat()}" if as_of else "kimnet"
    with tempfile.TemporaryDirectory(prefix="kimnet-export-") as folder:
        out = Path(folder) / (f"{stem}-csv" if chosen == "csv" else f"{stem}.{EXPORT_SUFFIXES[chosen]}")
        await export_graph(request.app.state.store, chosen, out, as_of, dt.date.today())
        if chosen == "csv":
            return _attachment(_zip(out), MEDIA_TYPES["csv"], f"{stem}-csv.zip")
        return _attachment(out.read_bytes(), MEDIA_TYPES[chosen], out.name)


async def coverage_report(request: Request) -> Response:
    """The coverage report as PNG, PDF or HTML."""
    if (refusal := _refused(request, "report")) is not None:
        return refusal
    suffix = "." + request.path_params["suffix"]
    if suffix not in REPORT_SUFFIXES:
        known = ", ".join(f"coverage{s}" for s in REPORT_SUFFIXES)
        return _error(404, "NOT_FOUND", f"there is no report coverage{suffix[:40]}; use one of {known}")
    params = request.query_params
    try:
        as_of = _optional(params, "asOf", day_option) or dt.date.today()
        compare = _optional(params, "compare", day_option)
        age = _optional(params, "age", age_option)
        status = _optional(params, "residenceStatus", residence_status_option)
    except _BadParameterError as exc:
        return _error(400, "BAD_REQUEST", str(exc))
    target = TargetGroup(age, age, (status,) if status else ()) if age is not None or status else None
    with tempfile.TemporaryDirectory(prefix="kimnet-report-") as folder:
        out = Path(folder) / f"kimnet-abdeckung-{as_of.isoformat()}{suffix}"
        try:
            await write_coverage_report(request.app.state.read_cache, as_of, compare, out, target)
        except NothingToReportError as exc:
            return _error(422, "NOTHING_TO_REPORT", str(exc))
        return _attachment(out.read_bytes(), MEDIA_TYPES[suffix], out.name)


def download_routes() -> list[BaseRoute]:
    """The routes of the downloads (both behind the Gate: token, rate limit, access log)."""
    return [
        Route("/export/{format}", export, methods=["GET"]),
        Route("/report/coverage.{suffix}", coverage_report, methods=["GET"]),
    ]
