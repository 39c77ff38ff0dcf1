"""The schema documents itself: graphql-schema-linter's description and naming rules hold on the snapshot.

The linter comes from npm with web/'s lockfile (scripts/web-build installs it);
its rules are in schema/graphql-schema-linter.config.js.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

LINTER = ROOT / "web" / "node_modules" / ".bin" / "graphql-schema-linter"
SNAPSHOT = ROOT / "schema" / "schema.graphql"


def _lint(schema: Path) -> subprocess.CompletedProcess[str]:
    if not LINTER.exists():
        pytest.fail(f"graphql-schema-linter is missing at {LINTER}: scripts/web-build installs web/'s locked packages")
    return subprocess.run(
        [str(LINTER), "--config-directory", str(ROOT / "schema"), "--format", "compact", str(schema)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_type_field_argument_and_enum_value_is_described_and_named_by_convention() -> None:
    done = _lint(SNAPSHOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_linter_finds_a_missing_description_and_a_lower_case_enum_value(tmp_path: Path) -> None:
    text = SNAPSHOT.read_text(encoding="utf-8")
    broken = text.replace('"""The stable key"""\n  KEY', "keyInLowerCase", 1)
    assert broken != text
    (tmp_path / "schema.graphql").write_text(broken, encoding="utf-8")
    done = _lint(tmp_path / "schema.graphql")
    assert done.returncode != 0
    assert "(enum-values-all-caps)" in done.stdout
    assert "(enum-values-have-descriptions)" in done.stdout
