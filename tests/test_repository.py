"""The repository carries what it needs: no file of the project reads a folder outside it.

A clone anywhere must pass its own tests, so no script, test or program may name a path that climbs
out of the repository (such as the reading material that lies beside the checkout).
"""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Text that names a place outside the checkout: the shared reading folder, or a climb past the root.
OUTSIDE = re.compile(r"\.\./shared|[\"'/]shared/hsds|\.\./\.\./\.\.")


def _tracked() -> list[Path]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / line for line in listed.splitlines() if line]


def _depth(path: Path) -> int:
    """How many ``parents`` steps lead from a file to the repository's root."""
    return len(path.relative_to(ROOT).parts) - 1


def test_no_project_file_names_a_path_outside_the_repository() -> None:
    found = []
    for path in _tracked():
        if path.suffix in {".png", ".pdf", ".json"} or "fixtures" in path.parts or path.name == "package-lock.json":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line) and path.name != "test_repository.py":
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_no_python_file_climbs_above_the_repository_root() -> None:
    found = []
    for path in _tracked():
        if path.suffix != ".py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in re.finditer(r"__file__\)\.resolve\(\)\.parents\[(\d+)\]", line):
                if int(match.group(1)) > _depth(path):
                    found.append(f"{path.relative_to(ROOT)}:{number}: parents[{match.group(1)}] leaves the repository")
    assert found == []
