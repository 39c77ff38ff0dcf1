"""Running GraphQL operations against each store, in the test's event loop."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from kimnet.graph.read.readcache import ReadCache
from kimnet.graph.stores.store import Store
from kimnet.schema.access import Principal, Role
from kimnet.schema.context import Context
from kimnet.schema.root import schema
from kimnet.schema.wording import Language

Run = Callable[..., Awaitable[dict[str, Any]]]

#: Operations in these tests run as an admin unless a test says otherwise: access has its own tests.
ADMIN = Principal("test-admin", Role.ADMIN)


def make_runner(store: Store, principal: Principal = ADMIN, cache: ReadCache | None = None) -> Run:
    """A function that runs a query as ``principal``; all its queries share one read cache, as the service's do."""
    cache = ReadCache(store) if cache is None else cache

    async def run(
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        errors: bool = False,
        today: dt.date | None = None,
        language: Language = "en",
    ) -> dict[str, Any]:
        context = Context(store, principal=principal, language=language, cache=cache)
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
