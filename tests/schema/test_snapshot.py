"""The printed schema is checked in; a change to the API shows up as a diff of schema/schema.graphql."""

from __future__ import annotations

from pathlib import Path

from kimnet.schema.root import schema

SNAPSHOT = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"


def test_the_schema_matches_its_checked_in_snapshot() -> None:
    printed = schema.as_str() + "\n"
    assert printed == SNAPSHOT.read_text(encoding="utf-8"), (
        "the GraphQL schema changed; review the change, then run: .venv/bin/kimnet schema > schema/schema.graphql"
    )
