"""The embedded store's audit file: one fsynced line per audited write.

``audit.kim`` holds ``<crc32 hex> <json>\\n`` lines like the journal, each
``{"seq": n, "entry": {...}}`` where ``n`` is the journal sequence number of
the write it describes. The store appends the entry before the journal line
and truncates it away again if the journal write fails; so on opening, an
entry whose ``seq`` lies beyond the journal's last one belongs to a write
that was never acknowledged (the process died between the two fsyncs) and is
dropped. A damaged line is reported, never skipped.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

from kimnet.graph.model.audit import AuditEntry, decode_entry, encode_entry
from kimnet.graph.model.errors import StoreCorruptedError

__all__ = ["AUDIT", "AuditLog"]

AUDIT = "audit.kim"


class AuditLog:
    """The audit file in a data folder."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / AUDIT
        self._fd: int | None = None

    def read(self, last_seq: int) -> list[AuditEntry]:
        """Return the entries of writes up to journal sequence ``last_seq``, oldest first.

        Drops (and truncates away) a cut-off last line and entries beyond ``last_seq``.

        Raises:
            StoreCorruptedError: a line is damaged (the message names it).
        """
        if not self.path.exists():
            return []
        content = self.path.read_bytes()
        entries: list[AuditEntry] = []
        good = 0
        for number, line in enumerate(content.split(b"\n")[:-1], 1):
            crc, _, body = line.partition(b" ")
            try:
                if int(crc, 16) != zlib.crc32(body):
                    raise ValueError("checksum mismatch")
                record = json.loads(body)
                if record["seq"] > last_seq:
                    break  # written, but its journal line never was: not acknowledged
                entries.append(decode_entry(record["entry"]))
            except (ValueError, KeyError, TypeError) as exc:
                raise StoreCorruptedError(
                    f"{self.path}, line {number} is damaged ({exc}); restore it from a backup, "
                    "or move it away to start a new audit trail"
                ) from None
            good += len(line) + 1
        if good != len(content):
            with self.path.open("r+b") as f:
                f.truncate(good)
                os.fsync(f.fileno())
        return entries

    def append(self, entry: AuditEntry, seq: int) -> int:
        """Write ``entry`` for journal sequence ``seq`` and fsync it; return the size before, for ``undo``."""
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        body = json.dumps({"seq": seq, "entry": encode_entry(entry)}, ensure_ascii=False, separators=(",", ":")).encode()
        line = b"%08x " % zlib.crc32(body) + body + b"\n"
        size = os.fstat(self._fd).st_size
        try:
            written = os.write(self._fd, line)
            if written != len(line):
                raise OSError(f"audit write was cut short ({written} of {len(line)} bytes)")
            os.fsync(self._fd)
        except OSError:
            os.ftruncate(self._fd, size)
            raise
        return size

    def undo(self, size: int) -> None:
        """Cut the file back to ``size``: the write it described was not acknowledged."""
        if self._fd is not None:
            os.ftruncate(self._fd, size)
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
