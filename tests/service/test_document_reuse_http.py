"""Over HTTP, a query text sent again is not parsed or validated again, yet each request is checked on its own."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema

from kimnet.schema.access import Role
from kimnet.schema.guard import Documents
from kimnet.schema.limits import Limits
from kimnet.schema.root import schema
from tests.service.hardening import bearer, served, settings

AUDIT = {"query": "{ auditTrail { edges { node { operation } } } }"}
PAGES = "query Pages($n: Int, $m: Int) { organisations(first: $n) { nodes { key provides(first: $m) { nodes { key } } } } }"


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """An empty set of kept documents, and how often strawberry validates."""
    monkeypatch.setattr(schema, "documents", Documents())
    counts: Counter[str] = Counter()
    validate = strawberry_schema.validate_document

    def counted(*args: Any, **kwargs: Any) -> Any:
        counts["validate"] += 1
        return validate(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate_document", counted)
    return counts


async def test_each_caller_of_a_kept_document_is_checked_for_their_role(tmp_path: Path, validations: Counter[str]) -> None:
    async with served(settings(tmp_path)) as (client, _):
        for headers, status in (
            (bearer(Role.ADMIN), 200),
            (bearer(Role.VIEWER), 403),
            (bearer(Role.COORDINATOR), 403),
            (bearer(Role.ADMIN), 200),
        ):
            response = await client.post("/graphql", json=AUDIT, headers=headers)
            assert response.status_code == status, response.text
            if status == 403:
                assert response.json()["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
            else:
                assert "errors" not in response.json()
    assert validations["validate"] == 1


async def test_each_request_with_a_kept_document_is_held_to_the_limits_by_its_variables(
    tmp_path: Path, validations: Counter[str]
) -> None:
    async with served(settings(tmp_path, limits=Limits(max_cost=100))) as (client, _):
        for variables, code in (({"n": 2, "m": 2}, None), ({"n": 20, "m": 20}, "LIMIT_EXCEEDED"), ({"n": 2, "m": 2}, None)):
            response = await client.post("/graphql", json={"query": PAGES, "variables": variables})
            body = response.json()
            if code is None:
                assert response.status_code == 200
                assert "errors" not in body, body
            else:
                assert body["errors"][0]["extensions"] == {"code": code}
                assert "KIMNET_MAX_COST" in body["errors"][0]["message"]
    assert validations["validate"] == 1
