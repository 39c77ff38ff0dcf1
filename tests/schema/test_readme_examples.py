"""Every GraphQL example in the README and the API guide runs without errors on the seeded graph."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import Run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [
    (f"{doc.name}#{number}", block)
    for doc in (ROOT / "README.md", ROOT / "docs" / "api.md")
    if doc.exists()
    for number, block in enumerate(re.findall(r"```graphql\n(.*?)```", doc.read_text(encoding="utf-8"), re.S), 1)
]


@pytest.mark.parametrize(("name", "operation"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
async def test_example_runs(gql: Run, name: str, operation: str) -> None:
    data = await gql(operation)
    assert data
