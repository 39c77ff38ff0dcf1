"""``Checked.recheck`` answers for a document already checked exactly as ``check_limits`` would, for any variables."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from graphql import DocumentNode, parse

from kimnet.graph.model.errors import LimitError
from kimnet.schema import limits as limits_module
from kimnet.schema.limits import Checked, Limits, check_limits
from kimnet.schema.root import schema

LIMITS = Limits(max_cost=2_000, max_page_size=100, max_string_length=20, max_list_length=5, max_input_depth=3)

DOCUMENTS = {
    "static": '{ organisations(first: 10, where: {name: {contains: "vhs"}}) { nodes { key provides { nodes { key } } } } }',
    "first from a variable": "query($n: Int) { organisations(first: $n) { nodes { provides(first: $n) { nodes { key } } } } }",
    "ids from a variable": "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Organisation { provides { nodes { key } } } } }",
    "a fragment sized by a variable": (
        "query($n: Int) { organisations { nodes { ...Offers } } municipalities(last: $n) { nodes { key } } }"
        " fragment Offers on Organisation { provides(first: $n) { nodes { key } } }"
    ),
    "filter values from variables": (
        "query($text: String, $keys: [ID!]) { organisations(first: 5, where: {name: {contains: $text}, key: {in: $keys}}) "
        "{ nodes { key } } }"
    ),
}

VARIABLES: list[dict[str, Any]] = [
    {},
    {"n": 1},
    {"n": 3, "text": "olfen"},
    {"n": 40},
    {"n": 101},
    {"n": True},
    {"n": "7"},
    {"ids": ["org:a", "org:b"]},
    {"ids": [f"org:{i}" for i in range(6)]},
    {"ids": [f"org:{i}" for i in range(40)]},
    {"text": "x" * 21},
    {"keys": [[[["too deep"]]]]},
]


def _outcome(check: Any) -> str | None:
    try:
        check()
    except LimitError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_recheck_gives_what_a_fresh_check_gives(name: str) -> None:
    document = parse(DOCUMENTS[name])
    compared = 0
    for first in VARIABLES:
        try:
            checked = check_limits(document, schema._schema, first, LIMITS)
        except LimitError:
            continue
        for later in VARIABLES:
            fresh = _outcome(functools.partial(check_limits, document, schema._schema, later, LIMITS))
            assert _outcome(functools.partial(checked.recheck, later)) == fresh, (first, later)
            compared += 1
    assert compared >= len(VARIABLES)  # some refusals too: the variables above break every limit they can


def test_a_document_sized_only_by_literals_is_not_walked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    checked = check_limits(parse(DOCUMENTS["static"]), schema._schema, {}, LIMITS)
    assert checked.sized_by_variables is False

    def walk_again(*args: Any) -> None:
        raise AssertionError("measured again")

    monkeypatch.setattr(limits_module, "measure", walk_again)
    monkeypatch.setattr(limits_module, "check_literals", walk_again)
    checked.recheck({"text": "olfen"})
    with pytest.raises(LimitError, match="KIMNET_MAX_STRING_LENGTH"):
        checked.recheck({"text": "x" * 21})


@pytest.mark.parametrize("name", ["first from a variable", "ids from a variable", "a fragment sized by a variable"])
def test_a_document_sized_by_a_variable_says_so(name: str) -> None:
    document: DocumentNode = parse(DOCUMENTS[name])
    checked: Checked = check_limits(document, schema._schema, {"n": 1, "ids": ["org:a"]}, LIMITS)
    assert checked.sized_by_variables
