"""A document is parsed and validated once; every request that reuses it is still checked: role, limits, mode."""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

import pytest
import strawberry.schema.schema as strawberry_schema
from strawberry.types import ExecutionResult

from kimnet.graph.stores.store import Store
from kimnet.schema.access import Principal, Role
from kimnet.schema.context import Context
from kimnet.schema.guard import DEVELOPMENT, Documents, Policy
from kimnet.schema.limits import Checked, Limits
from kimnet.schema.root import schema

VIEWER = Principal("vera", Role.VIEWER)
ADMIN = Principal("ada", Role.ADMIN)

PAGES = "query Pages($n: Int, $m: Int) { organisations(first: $n) { nodes { key provides(first: $m) { nodes { key } } } } }"
NAMED = "query Named($text: String) { organisations(first: 1, where: {name: {contains: $text}}) { nodes { key } } }"
AUDIT = "{ auditTrail { edges { node { operation } } } }"
INTROSPECT = "{ __schema { queryType { name } } }"


@pytest.fixture
def documents(monkeypatch: pytest.MonkeyPatch) -> Documents:
    """The schema's kept documents, empty for each test."""
    kept = Documents()
    monkeypatch.setattr(schema, "documents", kept)
    return kept


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often strawberry parses and validates a document."""
    counts: Counter[str] = Counter()
    parse, validate = strawberry_schema.parse, strawberry_schema.validate_document

    def counted_parse(*args: Any, **kwargs: Any) -> Any:
        counts["parse"] += 1
        return parse(*args, **kwargs)

    def counted_validate(*args: Any, **kwargs: Any) -> Any:
        counts["validate"] += 1
        return validate(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "parse", counted_parse)
    monkeypatch.setattr(strawberry_schema, "validate_document", counted_validate)
    return counts


async def _run(
    store: Store,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    principal: Principal = ADMIN,
    policy: Policy = DEVELOPMENT,
) -> ExecutionResult:
    context = Context(store, principal=principal, policy=policy)
    return await schema.execute(query, variable_values=variables, context_value=context)


def _refusal(result: ExecutionResult) -> tuple[str | None, str]:
    assert result.errors is not None
    assert len(result.errors) == 1, result.errors
    assert result.data is None
    error = result.errors[0]
    return (error.extensions or {}).get("code"), error.message


async def test_a_document_is_parsed_and_validated_once(seeded: Store, documents: Documents, calls: Counter[str]) -> None:
    for n in (1, 2, 3, 2):
        result = await _run(seeded, PAGES, {"n": n, "m": 1})
        assert not result.errors
        assert result.data is not None
        assert len(result.data["organisations"]["nodes"]) == n
    assert calls == {"parse": 1, "validate": 1}
    assert len(documents) == 1


async def test_a_kept_document_is_checked_against_each_callers_role(
    seeded: Store, documents: Documents, calls: Counter[str]
) -> None:
    # First kept from a refused request (it parsed and validated; access is decided before it runs).
    assert _refusal(await _run(seeded, AUDIT, principal=VIEWER)) == (
        "FORBIDDEN",
        "forbidden: auditTrail needs the role admin and your role is viewer; ask an admin for a token with that role",
    )
    assert len(documents) == 1
    allowed = await _run(seeded, AUDIT, principal=ADMIN)
    assert not allowed.errors
    assert _refusal(await _run(seeded, AUDIT, principal=VIEWER))[0] == "FORBIDDEN"
    assert calls == {"parse": 1, "validate": 1}


async def test_a_kept_document_is_measured_with_each_requests_variables(
    seeded: Store, documents: Documents, calls: Counter[str]
) -> None:
    small = Policy(limits=Limits(max_cost=100))
    assert not (await _run(seeded, PAGES, {"n": 2, "m": 2}, policy=small)).errors
    assert len(documents) == 1
    code, message = _refusal(await _run(seeded, PAGES, {"n": 20, "m": 20}, policy=small))
    assert code == "LIMIT_EXCEEDED"
    assert message.startswith("the query would cost 861 (each field 1,")
    assert _refusal(await _run(seeded, PAGES, {"n": 600}, policy=small)) == (
        "LIMIT_EXCEEDED",
        "first must be between 0 and 500, not 600 (KIMNET_MAX_PAGE_SIZE)",
    )
    assert not (await _run(seeded, PAGES, {"n": 2, "m": 2}, policy=small)).errors
    assert calls == {"parse": 1, "validate": 1}


async def test_a_kept_document_gets_each_requests_variables_checked_for_length(seeded: Store, documents: Documents) -> None:
    assert not (await _run(seeded, NAMED, {"text": "olfen"})).errors
    assert len(documents) == 1
    assert _refusal(await _run(seeded, NAMED, {"text": "x" * 10_001})) == (
        "LIMIT_EXCEEDED",
        "a text argument has 10001 characters; at most 10000 are allowed (KIMNET_MAX_STRING_LENGTH)",
    )


async def test_production_and_development_each_validate_their_own_way(seeded: Store, documents: Documents) -> None:
    production = Policy(production=True)
    for _ in range(2):
        allowed = await _run(seeded, INTROSPECT)
        assert allowed.data == {"__schema": {"queryType": {"name": "Query"}}}
        refused = await _run(seeded, INTROSPECT, policy=production)
        assert refused.errors
        assert "introspection has been disabled" in refused.errors[0].message
    assert len(documents) == 1  # only development's: production's has errors


async def test_a_kept_document_is_held_to_a_smaller_token_limit(seeded: Store, documents: Documents) -> None:
    assert not (await _run(seeded, PAGES, {"n": 1})).errors
    code, message = _refusal(await _run(seeded, PAGES, {"n": 1}, policy=Policy(limits=Limits(max_tokens=10))))
    assert (code, message) == (
        "LIMIT_EXCEEDED",
        "Syntax Error: Document contains more than 10 tokens. Parsing aborted. (KIMNET_MAX_TOKENS)",
    )


async def test_documents_with_errors_are_checked_again_each_time(
    seeded: Store, documents: Documents, calls: Counter[str]
) -> None:
    for _ in range(2):
        result = await _run(seeded, "{ municipalitis { totalCount } }")
        assert result.errors
        assert "Cannot query field 'municipalitis'" in result.errors[0].message
        over = await _run(seeded, PAGES, {"n": 20, "m": 20}, policy=Policy(limits=Limits(max_cost=100)))
        assert _refusal(over)[0] == "LIMIT_EXCEEDED"
    assert len(documents) == 0
    assert calls == {"parse": 4, "validate": 2}  # a document over a limit is never validated


async def test_the_kept_documents_are_bounded(seeded: Store, monkeypatch: pytest.MonkeyPatch, calls: Counter[str]) -> None:
    documents = Documents(size=2, budget=1_000, longest=100)
    monkeypatch.setattr(schema, "documents", documents)
    queries = ["{ a: __typename }", "{ b: __typename }", "{ c: __typename }"]
    for query in queries:
        assert not (await _run(seeded, query)).errors
    assert len(documents) == 2
    assert not (await _run(seeded, queries[0])).errors  # the least recently used went first
    assert calls["parse"] == 4
    long = "{ " + " ".join(f"a{i}: __typename" for i in range(10)) + " }"
    assert len(long) > 100
    for _ in range(2):
        assert not (await _run(seeded, long)).errors
    assert calls["parse"] == 6


def test_the_kept_documents_fit_the_character_budget() -> None:
    documents = Documents(size=10, budget=30, longest=100)
    texts = ["{ a: __typename }", "{ b: __typename }", "{ c: __typename }"]  # 17 characters each
    for text in texts:
        documents.keep((text, (), (), Limits()), cast("Checked", object()))
    assert len(documents) == 1
    assert documents.get((texts[2], (), (), Limits())) is not None
    documents.keep((texts[2], (), (), Limits()), cast("Checked", object()))  # kept again: counted once
    documents.keep((texts[0][:12], (), (), Limits()), cast("Checked", object()))
    assert len(documents) == 2
