"""Limits: every request over one gets a clear error naming it and its setting, before anything runs."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from graphql import parse

from kimnet.graph.stores.store import Store
from kimnet.schema.access import Principal, Role
from kimnet.schema.context import Context
from kimnet.schema.guard import Policy
from kimnet.schema.limits import Limits, measure
from kimnet.schema.root import schema

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Principal("ada", Role.ADMIN)


async def _errors(
    store: Store, query: str, variables: dict[str, object] | None = None, limits: Limits | None = None
) -> list[str]:
    context = Context(store, principal=ADMIN, policy=Policy(limits=limits or Limits()))
    result = await schema.execute(query, variable_values=variables, context_value=context)
    assert result.errors, "expected the request to be refused"
    assert result.data is None
    for error in result.errors:
        assert error.extensions == {"code": "LIMIT_EXCEEDED"}, error.message
    return [e.message for e in result.errors]


def _nested(levels: int) -> str:
    query = "key"
    for _ in range(levels):
        query = f"partOf {{ nodes {{ {query} }} }}"
    return f'{{ node(id: "mun:olfen") {{ ... on Municipality {{ {query} }} }} }}'


def test_the_readme_and_api_guide_queries_fit_the_default_limits_with_room() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8") + (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    queries = re.findall(r"```graphql\n(.*?)```", text, re.S)
    assert len(queries) >= 10
    limits = Limits()
    for query in queries:
        found = measure(parse(query), schema._schema, {}, limits)
        assert found.depth <= limits.max_depth - 3
        assert found.aliases <= limits.max_aliases // 2
        assert found.cost <= limits.max_cost // 4


async def test_a_deeply_nested_query_is_refused(seeded: Store) -> None:
    errors = await _errors(seeded, _nested(6))
    assert errors == ["the query is 14 levels deep; at most 12 are allowed (KIMNET_MAX_DEPTH)"]


async def test_too_many_aliases_are_refused(seeded: Store) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(16)) + " }"
    assert await _errors(seeded, query) == ["the query has 16 aliases; at most 15 are allowed (KIMNET_MAX_ALIASES)"]


async def test_too_many_tokens_stop_the_parser(seeded: Store) -> None:
    query = "{ " + " ".join("__typename" for _ in range(1200)) + " }"
    [message] = await _errors(seeded, query)
    assert message.startswith("Syntax Error: Document contains more than 1000 tokens")
    assert message.endswith("(KIMNET_MAX_TOKENS)")


async def test_a_costly_query_is_refused_with_a_hint(seeded: Store) -> None:
    query = "{ organisations(first: 500) { nodes { provides(first: 500) { nodes { key } } } } }"
    [message] = await _errors(seeded, query)
    assert message == (
        "the query would cost 501,001 (each field 1, times the page size of every connection above it); "
        "at most 250,000 is allowed (KIMNET_MAX_COST): ask for smaller pages with first or last, or nest fewer lists"
    )


async def test_page_sizes_come_from_variables_too(seeded: Store) -> None:
    query = "query($n: Int) { services(first: $n) { totalCount } }"
    errors = await _errors(seeded, query, {"n": 300}, Limits(max_page_size=200))
    assert errors == ["first must be between 0 and 200, not 300 (KIMNET_MAX_PAGE_SIZE)"]


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        (
            '{ node(id: "' + "x" * 10_001 + '") { id } }',
            None,
            "a text argument has 10001 characters; at most 10000 are allowed (KIMNET_MAX_STRING_LENGTH)",
        ),
        (
            "query($id: ID!) { node(id: $id) { id } }",
            {"id": "x" * 20_000},
            "a text argument has 20000 characters; at most 10000 are allowed (KIMNET_MAX_STRING_LENGTH)",
        ),
        (
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            {"ids": ["mun:olfen"] * 501},
            "a list argument has 501 entries; at most 500 are allowed (KIMNET_MAX_LIST_LENGTH)",
        ),
        (
            "query($w: OrganisationWhere) { organisations(where: $w) { totalCount } }",
            {"w": {"NOT": {"NOT": {"NOT": {}}}}},
            None,
        ),
    ],
    ids=["long-literal", "long-variable", "long-list", "nested-ok"],
)
async def test_argument_values_are_bounded(
    seeded: Store, query: str, variables: dict[str, object] | None, message: str | None
) -> None:
    if message is None:  # a little nesting is fine
        result = await schema.execute(query, variable_values=variables, context_value=Context(seeded, principal=ADMIN))
        assert not result.errors
        return
    assert await _errors(seeded, query, variables) == [message]  # the limit and its setting, never the value


async def test_inputs_nested_too_deep_are_refused(seeded: Store) -> None:
    where: dict[str, object] = {}
    for _ in range(30):
        where = {"NOT": where}
    query = "query($w: OrganisationWhere) { organisations(where: $w) { totalCount } }"
    errors = await _errors(seeded, query, {"w": where})
    assert errors == ["an argument is nested more than 20 levels deep (KIMNET_MAX_INPUT_DEPTH)"]


async def test_a_fragment_bomb_is_measured_fast_and_refused(seeded: Store) -> None:
    # Each fragment spreads the next twice: 2^40 fields once expanded.
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40)]
    query = "{ ...F0 } " + " ".join(fragments) + " fragment F40 on Query { __typename municipalities { totalCount } }"
    started = time.perf_counter()
    [message] = await _errors(seeded, query)
    assert time.perf_counter() - started < 2
    assert message.startswith("the query would cost 551,954,837,143,552 ")


async def test_limits_can_be_tightened_per_deployment(seeded: Store) -> None:
    errors = await _errors(seeded, _nested(1), limits=Limits(max_depth=3))
    assert errors == ["the query is 4 levels deep; at most 3 are allowed (KIMNET_MAX_DEPTH)"]


def test_root_questions_cost_what_they_do() -> None:
    """A whole-state question costs its work, times aliases; a lookup in one municipality stays cheap."""
    limits = Limits()

    def cost(query: str, variables: dict[str, object] | None = None) -> int:
        return measure(parse(query), schema._schema, variables or {}, limits).cost

    heavy = "{ " + " ".join(f"d{i}: duplicates {{ need {{ key }} }}" for i in range(12)) + " }"
    assert cost(heavy) > limits.max_cost
    light = (
        "{ "
        + " ".join(f'r{i}: responsibilities(municipality: "mun:olfen") {{ legalDomain {{ key }} }}' for i in range(15))
        + " }"
    )
    assert cost(light) < limits.max_cost // 10
    brokers = "query($top: Int!) { brokers(top: $top) { organisation { key name } betweenness } }"
    assert cost(brokers, {"top": 500}) - cost(brokers, {"top": 5}) == 495 * 4
    by_depth = [cost(f'{{ neighbourhood(id: "org:x", depth: {d}) {{ entities {{ distance }} }} }}') for d in (1, 2, 3, 4)]
    assert by_depth == sorted(by_depth)
    assert by_depth[2] == by_depth[3], "a neighbourhood holds at most MAX_ENTITIES entities, however deep"
