"""The graph as CSV tables, one file per entity kind and per relationship kind, and back.

``Organisation.csv`` has a column ``id`` and one column per property the model
declares for organisations; ``MEMBER_OF.csv`` has ``from``, ``to`` and one
column per property of memberships. Cells follow ``cells``: ISO dates, ``|``
between list items, empty for "no value". The files are UTF-8 with a byte
order mark and commas, which spreadsheets open as they are.

Reading takes the same shape back: any subset of these files, any subset of
their columns (``id`` or ``from`` and ``to`` are required), commas or
semicolons, UTF-8 or the Windows code page a German spreadsheet saves. Each row
keeps its file and line, so every problem can name the row it comes from.

>>> from kimnet.graph.model.kinds import Node
>>> data = GraphData(nodes={"need:sprache": Node("Need", "need:sprache", {"name": "Sprache"})})
>>> tables = to_tables(data)
>>> header, row = tables["Need.csv"]
>>> header[:7], row[:3]
(['id', 'name', 'description', 'validFrom', 'validTo', 'source', 'illustrative'], ['need:sprache', 'Sprache', ''])
>>> tables["ADDRESSES.csv"]
[['from', 'to', 'validFrom', 'validTo', 'source', 'illustrative']]
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kimnet.graph.io.cells import from_text, to_text
from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.errors import Problem
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Prop

__all__ = ["Row", "TableRow", "Tables", "file_names", "read_tables", "to_tables", "write_tables"]

_NODE_ID = "id"
_FROM, _TO = "from", "to"


def file_names() -> dict[str, tuple[str, ...]]:
    """Map each file name kimnet writes and reads to its columns, in order."""
    names: dict[str, tuple[str, ...]] = {}
    for kind in MODEL.nodes.values():
        names[f"{kind.label}.csv"] = (_NODE_ID, *(p.name for p in kind.props))
    for rel in MODEL.rels.values():
        names[f"{rel.type}.csv"] = (_FROM, _TO, *(p.name for p in rel.props))
    return names


def to_tables(data: GraphData) -> dict[str, list[list[str]]]:
    """Return every file's rows, header first, ordered by id (entities) or by ends (relationships).

    Every kind has a file, with only its header when the graph holds none of it.
    """
    tables = {name: [list(columns)] for name, columns in file_names().items()}
    for node in sorted(data.nodes.values(), key=lambda n: n.id):
        header = tables[f"{node.kind}.csv"][0]
        tables[f"{node.kind}.csv"].append([node.id, *(_cell(node.props.get(c)) for c in header[1:])])
    for edge in sorted(data.edges.values(), key=lambda e: e.key):
        header = tables[f"{edge.type}.csv"][0]
        tables[f"{edge.type}.csv"].append([edge.source, edge.target, *(_cell(edge.props.get(c)) for c in header[2:])])
    return tables


def _cell(value: object) -> str:
    return "" if value is None else to_text(value)  # type: ignore[arg-type]


def write_tables(data: GraphData, folder: Path) -> list[Path]:
    """Write ``to_tables(data)`` into ``folder`` (made if missing); return the files written.

    Each file is written to a temporary file first and then renamed, so a file
    is either the old one or the complete new one, never half written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in to_tables(data).items():
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        written.append(_replace(folder / name, buffer.getvalue().encode("utf-8-sig")))
    return written


def _replace(path: Path, content: bytes) -> Path:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True, slots=True)
class Row:
    """Where a row was read: file name and the line it starts on."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file} line {self.line}"


@dataclass(frozen=True, slots=True)
class TableRow:
    """One data row: what kind it is, the entity id or the relationship's ends, and its cells by column.

    ``values`` holds the non-empty cells read as raw values (``cells.from_text``),
    ``cleared`` the columns present but empty: the properties the row removes.
    """

    row: Row
    kind: str
    id: str = ""
    source: str = ""
    target: str = ""
    values: dict[str, object] = field(default_factory=dict)
    cleared: tuple[str, ...] = ()

    @property
    def is_edge(self) -> bool:
        return self.kind in MODEL.rels


@dataclass(slots=True)
class Tables:
    """The rows read from a folder of CSV files, and what was wrong with the files themselves."""

    rows: list[TableRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # German spreadsheets save "CSV" in the Windows code page unless told "CSV UTF-8".
        return raw.decode("cp1252", errors="replace")


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line, cells) per record; a quoted cell may span lines."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def read_tables(path: Path) -> Tables:
    """Read a folder of CSV files in the shape ``write_tables`` writes, or one such file.

    Problems with the files (unknown file names or columns, missing id columns,
    rows of the wrong width) are collected in ``Tables.problems``; the rows
    are read as far as they can be. Problems with values are the model's to find.

    Raises:
        FileNotFoundError: ``path`` is neither a CSV file nor a folder holding one.
    """
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path] if path.is_file() else []
    if not files:
        raise FileNotFoundError(f"{path} is not a CSV file or a folder with CSV files (as `kimnet export csv` writes them)")
    known = file_names()
    tables = Tables(files=[f.name for f in files])
    for file in files:
        if file.name not in known:
            tables.problems.append(
                Problem(f"is not a file kimnet reads; name files after a kind: {', '.join(sorted(known))}", file=file.name)
            )
            continue
        _read_file(file.name, _decode(file.read_bytes()), tables)
    return tables


def _read_file(name: str, text: str, tables: Tables) -> None:
    kind = name.removesuffix(".csv")
    is_edge = kind in MODEL.rels
    props: dict[str, Prop] = {p.name: p for p in (MODEL.rel(kind).props if is_edge else MODEL.node(kind).props)}
    keys = (_FROM, _TO) if is_edge else (_NODE_ID,)
    records = _records(text)
    header_line, header = next(records, (1, []))
    header = [h.strip() for h in header]
    where = str(Row(name, header_line))
    missing = [k for k in keys if k not in header]
    unknown = [h for h in header if h not in props and h not in keys]
    if missing:
        tables.problems.append(Problem(f"the header has no column {' and '.join(missing)}", field=missing[0], file=where))
    for column in unknown:
        tables.problems.append(Problem(f"is not a column here; known: {', '.join([*keys, *props])}", field=column, file=where))
    twice = sorted({h for h in header if header.count(h) > 1})
    for column in twice:
        tables.problems.append(Problem("is a column twice", field=column, file=where))
    if missing or unknown or twice:
        return
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue  # spreadsheets leave empty rows at the end
        row = Row(name, line)
        if len(cells) != len(header):
            tables.problems.append(Problem(f"has {len(cells)} cells, the header {len(header)}", file=str(row)))
            continue
        by_column = dict(zip(header, cells, strict=True))
        values = {c: from_text(props[c], v) for c, v in by_column.items() if c in props and v.strip()}
        cleared = tuple(c for c, v in by_column.items() if c in props and not v.strip())
        ends = {k: by_column[k].strip() for k in keys}
        empty = [k for k, v in ends.items() if not v]
        if empty:
            tables.problems.append(Problem("is empty", field=empty[0], file=str(row)))
            continue
        if is_edge:
            tables.rows.append(TableRow(row, kind, source=ends[_FROM], target=ends[_TO], values=values, cleared=cleared))
        else:
            tables.rows.append(TableRow(row, kind, id=ends[_NODE_ID], values=values, cleared=cleared))
