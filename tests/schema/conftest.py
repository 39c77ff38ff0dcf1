"""Running GraphQL operations against each store, in the test's event loop."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from kimnet.graph.store import Store
from kimnet.schema.context import Context
from kimnet.schema.root import schema

Run = Callable[..., Awaitable[dict[str, Any]]]


def make_runner(store: Store) -> Run:
    async def run(
        query: str, variables: dict[str, Any] | None = None, *, errors: bool = False, today: dt.date | None = None
    ) -> dict[str, Any]:
        context = Context(store)
        if today is not None:
            context.today = today
        result = await schema.execute(query, variable_values=variables, context_value=context)
        if errors:
            assert result.errors, "expected errors, got none"
            return {"data": result.data, "errors": [e.message for e in result.errors]}
        assert not result.errors, [e.message for e in result.errors]
        assert result.data is not None
        return result.data

    return run


@pytest.fixture
def gql(seeded: Store) -> Run:
    """Run an operation against the seeded Coesfeld graph, on each store."""
    return make_runner(seeded)
