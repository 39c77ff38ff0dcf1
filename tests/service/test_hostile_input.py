"""Hostile input, on both stores: each attempt gets a clear error (never a 5xx) and changes nothing.

Covered: deep nesting, alias, fragment and directive bombs, fragment cycles,
huge strings and lists, invalid UTF-8, wrong JSON, and Cypher injection in
every string argument and filter of the schema (found by walking the schema,
so a new argument is covered without touching this test). Free-text
properties of a successful mutation store the text verbatim and nothing else.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    get_named_type,
)

from kimnet.graph.model.audit import AuditQuery
from kimnet.graph.model.graphdata import checksum
from kimnet.graph.stores.store import Store
from kimnet.schema.access import Role
from kimnet.schema.root import schema
from tests.service.hardening import bearer, served, settings

ADMIN_SUBJECT = "hostile-admin"

INJECTIONS = (
    "' OR 1=1 //",
    '"}) MATCH (n) DETACH DELETE n //',
    "mun:olfen'}) DETACH DELETE n RETURN 1 //",
    "`Entity` {id: 'x'}) DETACH DELETE n //",
    "x\") WITH 1 AS a MATCH (n:Entity) SET n.name = 'pwned' //",
    "'; CALL apoc.cypher.run('MATCH (n) DETACH DELETE n', {}) //",
    "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l",
    "$ids } RETURN 1 UNION MATCH (n) RETURN n //",
    "\x00\x1b[31m\u202e\ufeff",
    "{{7*7}} %s %n ../../etc/passwd <script>alert(1)</script>",
)

SCALAR_DEFAULTS: dict[str, Any] = {
    "String": "x",
    "ID": "mun:olfen",
    "Int": 1,
    "Float": 1.0,
    "Boolean": True,
    "Date": "2021-07-01",
    "DateTime": "2021-07-01T00:00:00+00:00",
    "JSON": {},
}


def _minimal(type_: GraphQLInputType) -> Any:
    """A valid-looking value with every required part filled in."""
    if isinstance(type_, GraphQLNonNull):
        return _minimal(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [_minimal(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {name: _minimal(f.type) for name, f in type_.fields.items() if isinstance(f.type, GraphQLNonNull)}
    assert isinstance(type_, GraphQLScalarType)
    return SCALAR_DEFAULTS[type_.name]


def _text_leaves(type_: GraphQLInputType, depth: int = 0) -> Iterator[tuple[str | int, ...]]:
    """Paths to every String or ID inside ``type_`` (input objects followed three levels deep)."""
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLList):
        for path in _text_leaves(inner.of_type, depth):
            yield (0, *path)
        return
    if isinstance(inner, GraphQLScalarType) and inner.name in ("String", "ID"):
        yield ()
        return
    if isinstance(inner, GraphQLInputObjectType) and depth < 3:
        for name, field in inner.fields.items():
            if name in ("AND", "OR", "NOT"):
                continue  # the same filters again, one level down
            for path in _text_leaves(field.type, depth + 1):
                yield (name, *path)


def _with(type_: GraphQLInputType, path: tuple[str | int, ...], payload: str) -> Any:
    """A value of ``type_`` whose leaf at ``path`` is ``payload``."""
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if not path:
        return payload
    if isinstance(inner, GraphQLList):
        return [_with(inner.of_type, path[1:], payload)]
    assert isinstance(inner, GraphQLInputObjectType)
    value = _minimal(inner)
    value[str(path[0])] = _with(inner.fields[str(path[0])].type, path[1:], payload)
    return value


def injection_requests() -> Iterator[tuple[str, dict[str, Any]]]:
    """One request per text leaf of every argument of every root field, each with an injection."""
    payloads = itertools.cycle(INJECTIONS)
    for operation, root in (("query", schema._schema.query_type), ("mutation", schema._schema.mutation_type)):
        assert root is not None
        for field_name, field in root.fields.items():
            base = {name: _minimal(arg.type) for name, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)}
            if "version" in field.args:
                base["version"] = 999  # updates and deletes of existing entities must stay stale
            if field_name.startswith("create"):
                base["input"] = {**base["input"], "key": "not a key"}  # creates must not succeed: see the verbatim test
            selection = "" if isinstance(get_named_type(field.type), GraphQLScalarType) else "{ __typename }"
            for arg_name, arg in field.args.items():
                for path in _text_leaves(arg.type):
                    variables = {**base, arg_name: _with(arg.type, path, next(payloads))}
                    if field_name.startswith("create") and arg_name == "input" and path != ("key",):
                        variables[arg_name]["key"] = "not a key"
                    declared = ", ".join(f"${name}: {field.args[name].type}" for name in variables)
                    used = ", ".join(f"{name}: ${name}" for name in variables)
                    yield f"{operation}({declared}) {{ {field_name}({used}) {selection} }}", variables


def _clear(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    for error in body.get("errors", ()):
        assert error["message"].strip()
        assert (error.get("extensions") or {}).get("code") != "INTERNAL", error
    return body


@pytest.fixture
async def guarded(seeded: Store, tmp_path: Path) -> Any:
    async with served(settings(tmp_path, rate_limit=0.0), seeded) as (client, _):
        yield client, seeded


async def test_cypher_injection_in_every_string_argument_and_filter_changes_nothing(guarded: Any) -> None:
    client, store = guarded
    before = checksum(await store.snapshot())
    admin = bearer(Role.ADMIN, ADMIN_SUBJECT)
    requests = list(injection_requests())
    assert len(requests) > 300  # every text leaf of every root field
    fields = {query.split("{ ", 1)[1].split("(", 1)[0] for query, _ in requests}
    assert {"node", "nodes", "referral", "organisations", "createService", "updateService", "link", "auditTrail"} <= fields
    for query, variables in requests:
        _clear(await client.post("/graphql", json={"query": query, "variables": variables}, headers=admin))
    assert checksum(await store.snapshot()) == before
    assert await store.audit_trail(AuditQuery(subject=ADMIN_SUBJECT)) == []


async def test_injected_text_in_a_valid_mutation_is_stored_verbatim_and_nothing_else_changes(guarded: Any) -> None:
    client, store = guarded
    snapshot = await store.snapshot()
    headers = bearer(Role.COORDINATOR)
    for number, payload in enumerate(INJECTIONS[:6]):
        body = _clear(
            await client.post(
                "/graphql",
                json={
                    "query": "mutation($i: NeedCreateInput!) { createNeed(input: $i) { entity { name description } errors { message } } }",
                    "variables": {"i": {"key": f"need:inj-{number}", "name": payload, "description": payload}},
                },
                headers=headers,
            )
        )
        assert body["data"]["createNeed"] == {"entity": {"name": payload, "description": payload}, "errors": []}
    after = await store.snapshot()
    assert set(after.nodes) - set(snapshot.nodes) == {f"need:inj-{n}" for n in range(6)}
    for key, node in snapshot.nodes.items():
        assert after.nodes[key].props == node.props
    assert after.edges == snapshot.edges


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "{ " + 'node(id: "mun:olfen") { ... on Municipality { partOf { nodes { ' * 8 + "__typename" + " } } } }" * 8 + " }",
            "levels deep",
        ),
        ("{ " + " ".join(f"a{i}: __typename" for i in range(200)) + " }", "aliases"),
        (
            "{ ...F0 } "
            + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} ...F{i + 1} }}" for i in range(30))
            + " fragment F30 on Query { municipalities { nodes { key } } }",
            "the query would cost",
        ),
        ("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }", "Cannot spread fragment 'A' within itself"),
        ("{ __typename " + "@include(if: true) " * 100 + "}", "can only be used once at this location"),
        ("{ " + "__typename " * 2000 + "}", "more than 1000 tokens"),
        ("{ nodes(ids: [" + ", ".join('"mun:olfen"' for _ in range(600)) + "]) { id } }", "a list argument has 600 entries"),
        ("{ " + "[" * 5000, "Syntax Error"),
    ],
    ids=["deep", "alias-bomb", "fragment-bomb", "fragment-cycle", "directive-bomb", "token-bomb", "huge-list", "bracket-bomb"],
)
async def test_bombs_are_refused_with_a_clear_error(guarded: Any, query: str, message: str) -> None:
    client, store = guarded
    before = checksum(await store.snapshot())
    body = _clear(await client.post("/graphql", json={"query": query}, headers=bearer(Role.ADMIN)))
    assert message in body["errors"][0]["message"]
    assert checksum(await store.snapshot()) == before


@pytest.mark.parametrize(
    ("content", "status", "message"),
    [
        (b'{"query": "{ __typename }"', 400, "not valid JSON"),
        (b"\xff\xfe\x00{", 400, "not valid JSON"),
        (b'{"query": "{ node(id: \\"\xc3\x28\\") { id } }"}', 400, "not valid JSON"),
        (b"[" * 600_000 + b"]" * 600_000, 413, "larger than"),
        (b"[" * 50_000 + b"]" * 50_000, 400, "not valid JSON"),
        (b'"just a string"', 400, "must be a JSON object"),
        (b"null", 400, "must be a JSON object"),
        (b'{"query": 42}', 400, "has no query"),
        (b'{"query": "{ __typename }", "variables": "x"}', 400, "variables must be a JSON object"),
        (b'{"query": "{ __typename }", "operationName": ["x"]}', 400, "operationName must be a string"),
        (json.dumps({"query": "{ __typename }", "variables": {"s": "x" * 2_000_000}}).encode(), 413, "larger than"),
        (
            json.dumps({"query": "query($s: ID!) { node(id: $s) { id } }", "variables": {"s": "x" * 200_000}}).encode(),
            200,
            "at most 10000",
        ),
        (json.dumps({"query": '{ node(id: "\\u0000\\ud800") { id } }'}).encode(), 200, "Invalid Unicode escape sequence"),
        (
            json.dumps({"query": "query($s: ID!) { node(id: $s) { id } }", "variables": {"s": "\u0000\ud800"}}).encode(),
            200,
            "is neither",
        ),
    ],
    ids=[
        "truncated",
        "binary",
        "invalid-utf8",
        "bracket-flood",
        "deep-json",
        "string",
        "null",
        "query-not-text",
        "variables-not-object",
        "operation-not-text",
        "huge-body",
        "huge-string",
        "lone-surrogate",
        "lone-surrogate-variable",
    ],
)
async def test_malformed_requests_get_a_clear_error(guarded: Any, content: bytes, status: int, message: str) -> None:
    client, store = guarded
    before = checksum(await store.snapshot())
    response = await client.post("/graphql", content=content, headers={"content-type": "application/json", **bearer(Role.ADMIN)})
    assert response.status_code == status
    body = _clear(response)
    assert message in json.dumps(body)
    assert checksum(await store.snapshot()) == before


async def test_invalid_utf8_and_junk_in_a_query_string_are_clear_errors(guarded: Any) -> None:
    client, store = guarded
    before = checksum(await store.snapshot())
    for raw in (
        "query=%FF%FE%00",
        "query=%7B%20node(id%3A%20%22%C3%28%22)%20%7B%20id%20%7D%20%7D",
        "variables=%7B&query=%7B__typename%7D",
    ):
        response = await client.get(f"/graphql?{raw}", headers=bearer(Role.ADMIN))
        assert response.status_code in (200, 400)
        _clear(response)
    assert checksum(await store.snapshot()) == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": "{ __typename }", "operationName": "Z"}, "no operation of the given operationName"),
        ({"query": "{ __typename }", "operationName": ""}, "no operation of the given operationName"),
        ({"query": "query A { __typename } query B { __typename }", "operationName": "C"}, "no operation of the given"),
        ({"query": "query A { __typename } query B { __typename }"}, "has 2 operations; name the one to run"),
        ({"query": "query A { __typename } mutation B { __typename }"}, "has 2 operations; name the one to run"),
        ({"query": "subscription { __typename }"}, "has no subscriptions"),
    ],
    ids=["unknown", "empty", "unknown-of-two", "two-unnamed", "query-and-mutation", "subscription"],
)
@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
async def test_an_operation_that_cannot_be_chosen_is_a_request_error(
    guarded: Any, body: dict[str, Any], message: str, accept: str
) -> None:
    client, store = guarded
    before = checksum(await store.snapshot())
    headers = {"accept": accept, **bearer(Role.ADMIN)}
    answers = [await client.post("/graphql", json=body, headers=headers)]
    if not body["query"].startswith(("subscription", "query A { __typename } mutation")):
        answers.append(await client.get("/graphql", params=body, headers=headers))
    for response in answers:
        assert response.status_code == (400 if accept.endswith("graphql-response+json") else 200), response.text
        found = _clear(response)
        assert "data" not in found
        assert message in found["errors"][0]["message"]
    assert checksum(await store.snapshot()) == before


async def test_a_named_operation_of_several_runs_alone(guarded: Any) -> None:
    client, _ = guarded
    query = "query A { a: __typename } query B { b: __typename }"
    response = await client.post("/graphql", json={"query": query, "operationName": "B"}, headers=bearer(Role.ADMIN))
    assert response.json() == {"data": {"b": "Query"}}


async def test_a_lone_surrogate_in_a_mutation_variable_is_invalid_input(guarded: Any) -> None:
    client, store = guarded
    before = checksum(await store.snapshot())
    query = "mutation($i: ServiceCreateInput!) { createService(input: $i) { entity { key } errors { field code } } }"
    content = json.dumps({"query": query, "variables": {"i": {"key": "svc:x", "name": "a\ud800b"}}}).encode()
    headers = {"content-type": "application/json", **bearer(Role.ADMIN, "surrogate-admin")}
    body = _clear(await client.post("/graphql", content=content, headers=headers))
    assert body["data"]["createService"] == {"entity": None, "errors": [{"field": "name", "code": "INVALID"}]}
    assert checksum(await store.snapshot()) == before
    assert await store.audit_trail(AuditQuery(subject="surrogate-admin")) == []
