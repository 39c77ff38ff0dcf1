"""Structured logs: one JSON object per line, each with the request id.

The request id is set per request by the HTTP middleware (``request_id``, a
context variable, so that every line logged while a request runs carries it).
What kimnet logs never contains request bodies, query strings, variables or
the case of a referral: the access log line has the method, the route, the
status, the duration, the client and the caller's subject. The Neo4j driver
logs query parameters at debug level, so its logger is never set below info.

>>> record = logging.LogRecord("kimnet", logging.INFO, __file__, 1, "ready in %s s", (0.5,), None)
>>> json.loads(JsonFormatter().format(record))["message"]
'ready in 0.5 s'
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import sys
from typing import Any

__all__ = ["FIELDS", "JsonFormatter", "TextFormatter", "configure", "request_id"]

#: The id of the request being served, or None outside one.
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("kimnet_request_id", default=None)

#: Extra attributes a log call may pass (``extra={...}``) that end up in the line.
FIELDS = ("method", "route", "status", "duration_ms", "client", "subject", "store", "event")


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            line["request_id"] = rid
        for name in FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A line for a terminal, with the request id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        rid = getattr(record, "request_id", None)
        extras = " ".join(f"{name}={getattr(record, name)}" for name in FIELDS if hasattr(record, name))
        return " ".join(part for part in (text, extras, f"[{rid}]" if rid else "") if part)


def configure(level: str, fmt: str = "json", stream: Any = None) -> None:
    """Send every log line to ``stream`` (stderr) in ``fmt``, at ``level`` and above."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = logging.getLevelName(level.upper())
    root.setLevel(numeric if isinstance(numeric, int) else logging.INFO)
    # The driver logs every query's parameters at debug level: never below info.
    logging.getLogger("neo4j").setLevel(max(root.level, logging.INFO))
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
