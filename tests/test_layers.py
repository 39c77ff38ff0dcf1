"""The rooms of graph/ and what each may import: the layout the README's Architecture section draws.

``model`` is the floor everything stands on; the rules work on the model alone, so that
they can be read, tested and reused without a store; the read side selects the rules'
plain data from a store; file formats read and write the model. The test reads every
``import`` of the package's modules (also those inside functions), so a shortcut across
the rooms fails here rather than in a review.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Each room of graph/ and the rooms (of kimnet.graph) it may import; schema and service use all of them.
MAY_IMPORT = {
    "model": {"model"},
    "rules": {"model", "rules"},
    "io": {"model", "io"},
    "stores": {"model", "stores"},
    "read": {"model", "rules", "stores", "read"},
}


def _graph_imports(path: Path) -> set[str]:
    """The rooms of kimnet.graph that ``path`` imports, and whether it imports schema or service."""
    rooms = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[:2] == ["kimnet", "graph"] and len(parts) > 2:
                rooms.add(parts[2])
            elif parts[:1] == ["kimnet"] and len(parts) > 1:
                rooms.add(f"kimnet.{parts[1]}")
    return rooms


def test_graph_has_exactly_the_drawn_rooms() -> None:
    found = {p.name for p in (ROOT / "graph").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    loose = sorted(p.name for p in (ROOT / "graph").glob("*.py") if p.name != "__init__.py")
    assert found == set(MAY_IMPORT)
    assert loose == [], "every module of graph/ lives in one of its rooms"


@pytest.mark.parametrize("room", sorted(MAY_IMPORT))
def test_each_room_imports_only_what_lies_below_it(room: str) -> None:
    crossings = []
    for path in sorted((ROOT / "graph" / room).glob("*.py")):
        for target in sorted(_graph_imports(path) - MAY_IMPORT[room]):
            crossings.append(f"graph/{room}/{path.name} imports {target}")
    assert crossings == []


def test_no_module_is_longer_than_a_reader_can_hold() -> None:
    long = []
    for folder in ("graph", "schema", "service"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > 500:
                long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert long == []
