"""Limits at their edges: exactly at a limit passes, one over is refused; aliases count wherever
they are (nested selections, fragments, inline fragments), and fragments count each time spread."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from graphql import parse

from kimnet.graph.model.errors import LimitError
from kimnet.graph.read.neighbourhood import MAX_DEPTH as NEIGHBOURHOOD_DEPTH
from kimnet.graph.read.neighbourhood import MAX_ENTITIES as NEIGHBOURHOOD_ENTITIES
from kimnet.schema.limits import ROOT_WORK, Limits, Measure, check_inputs, check_limits, measure
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
    # A string and a list, each written in the document and passed as a variable.
    literal = parse('{ node(id: "' + "x" * length + '") { id } }')
    literal_list = parse("{ nodes(ids: [" + ' "x"' * length + "]) { id } }")
    variable = parse("query($id: ID!) { node(id: $id) { id } }")
    listed = parse("query($ids: [ID!]!) { nodes(ids: $ids) { id } }")
    cases = ((literal, {}), (literal_list, {}), (variable, {"id": "x" * length}), (listed, {"ids": ["x"] * length}))
    for document, values in cases:
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


def _literal(value: object) -> str:
    """``value`` written as a GraphQL literal: objects, lists and strings."""
    if isinstance(value, dict):
        return "{" + " ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + " ".join(_literal(v) for v in value) + "]"
    return json.dumps(value)


def _levels(value: object) -> int:
    """How deep ``value`` is nested: a scalar is one level, a list or object one more than its deepest value."""
    if isinstance(value, dict | list):
        inner = list(value.values()) if isinstance(value, dict) else value
        return 1 + max((_levels(v) for v in inner), default=0)
    return 1


def _refusal(document: str, variables: dict[str, Any], limits: Limits) -> str | None:
    try:
        check_inputs(parse(document), variables, limits)
    except LimitError as exc:
        return str(exc)
    return None


NESTED: list[object] = [
    "x",
    {"NOT": {"NOT": {}}},
    {"key": {"in": ["a", "b"]}},
    [[["deep"]], "shallow"],
    {"a": [{"b": ["c"]}], "d": "e"},
]


@pytest.mark.parametrize("value", NESTED, ids=["scalar", "objects", "object-list-scalar", "lists", "mixed"])
def test_an_argument_nested_exactly_at_the_limit_passes_literal_or_variable(value: object) -> None:
    # The same value gets the same answer whether the document holds it or a variable passes it.
    levels = _levels(value)
    literal = "{ f(w: " + _literal(value) + ") }"
    variable = "query($w: In) { f(w: $w) }"
    for document, variables in ((literal, {}), (variable, {"w": value})):
        assert _refusal(document, variables, Limits(max_input_depth=levels)) is None
        assert _refusal(document, variables, Limits(max_input_depth=levels - 1)) == (
            f"an argument is nested more than {levels - 1} levels deep (KIMNET_MAX_INPUT_DEPTH)"
        )


@pytest.mark.parametrize("order", list(itertools.permutations(["long", "list", "object"])), ids=str)
def test_a_value_over_a_limit_is_found_beside_lists_and_objects(order: tuple[str, ...]) -> None:
    # Whatever is looked at first, the values beside it are still looked at.
    limits = Limits(max_string_length=5)
    values: dict[str, object] = {"long": "x" * 6, "list": ["a"], "object": {"a": "b"}}
    arguments = " ".join(f"{name}: {_literal(values[name])}" for name in order)
    refused = "a text argument has 6 characters; at most 5 are allowed (KIMNET_MAX_STRING_LENGTH)"
    assert _refusal("{ f(" + arguments + ") }", {}, limits) == refused
    assert _refusal("{ f(w: " + _literal([values[name] for name in order]) + ") }", {}, limits) == refused
    assert _refusal("{ f }", {name: values[name] for name in order}, limits) == refused
    assert _refusal("{ f }", {"w": [values[name] for name in order]}, limits) == refused


def _items(question: str, selection: str, variables: dict[str, Any] | None = None, limits: Limits | None = None) -> int:
    """How many times ``question`` counts what is selected below it (at ``SEL``): the cost one more field there adds."""

    def cost(fields: str) -> int:
        document = parse(question.replace("SEL", f"{{ {fields} }}"))
        return measure(document, SCHEMA, variables or {}, limits or Limits()).cost

    return cost(f"{selection} __typename") - cost(selection)


def test_brokers_count_their_top_or_the_schemas_default() -> None:
    default = SCHEMA.query_type.fields["brokers"].args["top"].default_value
    question = "query($top: Int) { brokers(top: $top) SEL }"
    assert _items("{ brokers SEL }", "betweenness") == default
    assert _items(question, "betweenness", {}) == default  # the variable not given: the default holds
    assert _items(question, "betweenness", {"top": 1}) == 1
    assert _items(question, "betweenness", {"top": 37}) == 37


def test_a_neighbourhood_counts_a_page_per_step_up_to_its_bounds() -> None:
    default = SCHEMA.query_type.fields["neighbourhood"].args["depth"].default_value
    page = 3
    limits = Limits(assumed_page_size=page)
    question = 'query($d: Int) { neighbourhood(id: "org:x", depth: $d) SEL }'
    # Depth 0 is the centre alone.
    by_depth = {d: _items(question, "entities { distance }", {"d": d}, limits) for d in range(NEIGHBOURHOOD_DEPTH + 1)}
    assert by_depth == {d: page**d for d in by_depth}
    # Not given, the schema's default depth; deeper than allowed, the deepest allowed.
    assert _items(question, "entities { distance }", {}, limits) == page**default
    assert _items('{ neighbourhood(id: "org:x") SEL }', "entities { distance }", {}, limits) == page**default
    assert _items(question, "entities { distance }", {"d": 99}, limits) == page**NEIGHBOURHOOD_DEPTH
    # With the default page, no more than a neighbourhood may hold.
    assert _items(question, "entities { distance }", {"d": 3}) == NEIGHBOURHOOD_ENTITIES


@pytest.mark.parametrize("name", ["coverageGaps", "coverageChanges"])
def test_gaps_and_their_changes_count_a_page_per_municipality_asked(name: str) -> None:
    limits = Limits()
    dates = ' from: "2021-01-01", to: "2022-01-01"' if name == "coverageChanges" else ""
    selection = "municipality { key }" if name == "coverageGaps" else "opened { municipality { key } }"
    unlisted = f"{{ {name}({dates.strip()}) SEL }}" if dates else f"{{ {name} SEL }}"
    assert _items(unlisted, selection) == limits.max_page_size
    for places in (["mun:olfen"], ["mun:olfen", "mun:senden", "mun:dülmen"]):
        question = f"{{ {name}(municipalities: {_literal(places)}{dates}) SEL }}"
        assert _items(question, selection) == len(places) * limits.assumed_page_size


@pytest.mark.parametrize("name", ["missingTies", "cooperationPath"])
def test_other_lists_without_pages_count_the_assumed_page(name: str) -> None:
    arguments = '(from: "org:a", to: "org:b")' if name == "cooperationPath" else ""
    selection = "key" if name == "cooperationPath" else "a { key }"
    assert _items(f"{{ {name}{arguments} SEL }}", selection) == Limits().assumed_page_size


def test_a_mutation_counts_the_pages_below_it_like_a_query() -> None:
    mutation = 'mutation { updateService(id: "svc:x", input: {}) { entity { providedBy { nodes { key } } } } }'
    query = '{ node(id: "svc:x") { ... on Service { providedBy { nodes { key } } } } }'
    for document in (mutation, query):
        one = measure(parse(document), SCHEMA, {}, Limits()).cost
        two = measure(parse(document.replace("{ key }", "{ key __typename }")), SCHEMA, {}, Limits()).cost
        assert two - one == Limits().assumed_page_size


def test_every_root_question_with_work_is_one_the_api_guide_prices() -> None:
    # The table of docs/api.md ("What each question costs") and ROOT_WORK name the same questions,
    # each a root field: a misspelt name would cost nothing.
    guide = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    table = guide.split("## What each question costs", 1)[1].split("\n\n| question |", 1)[1].split("\n\n", 1)[0]
    priced = {name for row in table.splitlines()[2:] for name in re.findall(r"`(\w+)`", row.split("|")[1])}
    assert priced == set(ROOT_WORK)
    assert set(ROOT_WORK) <= set(SCHEMA.query_type.fields)
    # The whole-state questions cost more than the lookups in one municipality.
    state_wide, lookups = {"brokers", "duplicates"}, {"coverage", "responsibilities", "referral"}
    assert min(ROOT_WORK[q] for q in state_wide) > max(w for q, w in ROOT_WORK.items() if q not in state_wide)
    assert max(ROOT_WORK[q] for q in lookups) < min(w for q, w in ROOT_WORK.items() if q not in lookups)


def test_a_cost_past_ten_to_the_fifteen_is_not_spelt_out() -> None:
    # Each fragment spreads the next twice: 2^51 fields, just past 10^15.
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(51))
    document = parse("{ ...F0 } " + fragments + " fragment F51 on Query { __typename }")
    assert 10**15 < measure(document, SCHEMA, {}, Limits()).cost < 3 * 10**15
    with pytest.raises(LimitError, match=r"^the query would cost more than 10\^15 \(each field 1"):
        check_limits(document, SCHEMA, {}, Limits())


def test_limits_measures_and_checked_documents_are_frozen() -> None:
    # One Limits serves every request, a fragment's Measure every spread of it, and a Checked every
    # later request with its document: none may be changed by one of them.
    checked = check_limits(parse("{ __typename }"), SCHEMA, {}, Limits())
    for value, field in ((Limits(), "max_depth"), (Measure(1, 0, 1), "cost"), (checked, "sized_by_variables")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, 0)
