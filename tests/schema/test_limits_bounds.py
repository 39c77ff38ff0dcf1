"""Limits at their edges: exactly at a limit passes, one over is refused; aliases count wherever
they are (nested selections, fragments, inline fragments), and fragments count each time spread."""

from __future__ import annotations

import pytest
from graphql import parse

from kimnet.graph.model.errors import LimitError
from kimnet.schema.limits import Limits, check_limits, measure
from kimnet.schema.root import schema

SCHEMA = schema._schema


def _nested(depth: int) -> str:
    """A query ``depth`` fields deep: node, then partOf/nodes pairs, then key."""
    assert depth >= 2
    assert depth % 2 == 0
    inner = "key"
    for _ in range((depth - 2) // 2):
        inner = f"partOf(first: 1) {{ nodes {{ ... on Municipality {{ {inner} }} }} }}"
    return f'{{ node(id: "mun:olfen") {{ ... on Municipality {{ {inner} }} }} }}'


@pytest.mark.parametrize("limit", [4, 8, 12])
def test_a_query_exactly_at_the_depth_limit_passes_and_one_deeper_is_refused(limit: int) -> None:
    at = parse(_nested(limit))
    assert measure(at, SCHEMA, {}, Limits()).depth == limit
    check_limits(at, SCHEMA, {}, Limits(max_depth=limit))
    with pytest.raises(LimitError, match=f"is {limit} levels deep; at most {limit - 1} are allowed"):
        check_limits(at, SCHEMA, {}, Limits(max_depth=limit - 1))


@pytest.mark.parametrize(
    ("query", "aliases"),
    [
        ("{ a: __typename }", 1),
        ('{ node(id: "mun:olfen") { ... on Municipality { a: key b: name } } }', 2),
        ('{ x: node(id: "mun:olfen") { ... on Municipality { a: key partOf { nodes { ... on Region { b: key } } } } } }', 3),
        ("{ ...F } fragment F on Query { a: __typename b: __typename }", 2),
        ("{ ...F ...F2 } fragment F on Query { a: __typename } fragment F2 on Query { ...F b: __typename }", 3),
        ('{ node(id: "mun:olfen") { ...M } } fragment M on Municipality { a: key ... on Municipality { b: name } }', 2),
        ("{ ... on Query { a: __typename ... on Query { b: __typename } } }", 2),
    ],
    ids=["root", "nested", "deeper", "fragment", "fragment-twice", "fragment-in-selection", "inline"],
)
def test_aliases_are_counted_wherever_they_are(query: str, aliases: int) -> None:
    document = parse(query)
    assert measure(document, SCHEMA, {}, Limits()).aliases == aliases
    check_limits(document, SCHEMA, {}, Limits(max_aliases=aliases))
    with pytest.raises(LimitError, match=f"has {aliases} aliases; at most {aliases - 1} are allowed"):
        check_limits(document, SCHEMA, {}, Limits(max_aliases=aliases - 1))


def test_the_cost_exactly_at_the_limit_passes() -> None:
    document = parse("{ municipalities(first: 10) { nodes { key name } } }")
    cost = measure(document, SCHEMA, {}, Limits()).cost
    assert cost == 1 + 10 * (1 + 2)
    check_limits(document, SCHEMA, {}, Limits(max_cost=cost))
    with pytest.raises(LimitError, match="the query would cost"):
        check_limits(document, SCHEMA, {}, Limits(max_cost=cost - 1))


def test_a_page_size_exactly_at_the_limit_passes() -> None:
    check_limits(parse("{ municipalities(first: 7) { totalCount } }"), SCHEMA, {}, Limits(max_page_size=7))
    with pytest.raises(LimitError, match="first must be between 0 and 7, not 8"):
        check_limits(parse("{ municipalities(first: 8) { totalCount } }"), SCHEMA, {}, Limits(max_page_size=7))


@pytest.mark.parametrize(("length", "ok"), [(5, True), (6, False)])
def test_strings_and_lists_exactly_at_their_limits_pass(length: int, ok: bool) -> None:
    limits = Limits(max_string_length=5, max_list_length=5)
    literal = parse('{ node(id: "' + "x" * length + '") { id } }')
    variables = {"ids": ["x"] * length}
    listed = parse("query($ids: [ID!]!) { nodes(ids: $ids) { id } }")
    for document, values in ((literal, {}), (listed, variables)):
        if ok:
            check_limits(document, SCHEMA, values, limits)
        else:
            with pytest.raises(LimitError):
                check_limits(document, SCHEMA, values, limits)


@pytest.mark.parametrize(
    ("query", "depth", "cost"),
    [
        # each field 1, times the page size of every connection above it
        ("{ municipalities(last: 10) { nodes { key name } } }", 3, 1 + 10 * (1 + 2)),
        ("{ municipalities(first: 3, last: 10) { nodes { key } } }", 3, 1 + 10 * (1 + 1)),
        # no first or last: a root list counts the largest page, a relationship the assumed one
        ("{ municipalities { nodes { key } } }", 3, 1 + 500 * (1 + 1)),
        ('{ node(id: "mun:olfen") { ... on Municipality { partOf { nodes { key } } } } }', 4, 1 + (1 + 20 * (1 + 1))),
        ('{ node(id: "mun:olfen") { ...M } } fragment M on Municipality { partOf { nodes { key } } }', 4, 1 + (1 + 20 * 2)),
        # nodes(ids:) by the number of ids, at least one
        ('{ nodes(ids: ["a", "b", "c"]) { id } }', 2, 1 + 3 * 1),
        ("{ nodes(ids: []) { id } }", 2, 1 + 1 * 1),
        # introspection: no depth (the schema bounds it), each field 1
        ('{ __type(name: "Query") { name kind } }', 0, 3),
        ("{ __schema { types { fields { type { ofType { name } } } } } }", 0, 6),
        # a fragment cycle is measured once, without recursing for ever (validation reports it)
        ("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", 0, 0),
    ],
    ids=[
        "last",
        "first-and-last",
        "root-default",
        "relationship-default",
        "in-fragment",
        "ids",
        "no-ids",
        "introspection",
        "deep-introspection",
        "cycle",
    ],
)
def test_depth_and_cost_are_what_the_rule_says(query: str, depth: int, cost: int) -> None:
    found = measure(parse(query), SCHEMA, {}, Limits())
    assert (found.depth, found.cost) == (depth, cost)


def test_last_is_bounded_like_first() -> None:
    check_limits(parse("{ municipalities(last: 7) { totalCount } }"), SCHEMA, {}, Limits(max_page_size=7))
    with pytest.raises(LimitError, match="last must be between 0 and 7, not 8"):
        check_limits(parse("{ municipalities(last: 8) { totalCount } }"), SCHEMA, {}, Limits(max_page_size=7))


def test_the_default_limits_are_the_documented_ones() -> None:
    assert Limits() == Limits(
        max_depth=12,
        max_aliases=15,
        max_tokens=1000,
        max_cost=250_000,
        max_page_size=500,
        assumed_page_size=20,
        max_string_length=10_000,
        max_list_length=500,
        max_input_depth=20,
    )
