"""Mutations refuse text that is no text, blank names, overlong keys, unknown languages and
non-web addresses, each with one clear INVALID error and nothing written; on both stores."""

from __future__ import annotations

from typing import Any

import pytest

from kimnet.graph.model.graphdata import checksum
from kimnet.graph.stores.store import Store

from .conftest import Run

CREATE_SERVICE = """mutation($input: ServiceCreateInput!) { createService(input: $input) {
  entity { key } errors { field message code } } }"""
CREATE_ORG = """mutation($input: OrganisationCreateInput!) { createOrganisation(input: $input) {
  entity { key } errors { field message code } } }"""


async def _refused(gql: Run, store: Store, query: str, field: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    before = checksum(await store.snapshot())
    data = await gql(query, {"input": values})
    payload = next(iter(data.values()))
    assert payload["entity"] is None, payload
    assert payload["errors"], payload
    assert {e["code"] for e in payload["errors"]} == {"INVALID"}
    assert {e["field"] for e in payload["errors"]} == {field}, payload["errors"]
    assert checksum(await store.snapshot()) == before
    return list(payload["errors"])


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("a\ud800b", "lone surrogate"),
        ("\udc00", "lone surrogate"),
        ("a\x00b", "control character"),
        ("a\x1bb", "control character"),
        ("", "empty or blank"),
        ("   \t ", "empty or blank"),
    ],
    ids=["surrogate-high", "surrogate-low", "nul", "escape", "empty", "blank"],
)
async def test_a_name_that_is_no_text_or_blank_is_invalid(gql: Run, seeded: Store, name: str, words: str) -> None:
    errors = await _refused(gql, seeded, CREATE_SERVICE, "name", {"key": "svc:x", "name": name})
    assert words in errors[0]["message"]


async def test_a_surrogate_in_an_optional_text_or_a_list_is_invalid(gql: Run, seeded: Store) -> None:
    await _refused(gql, seeded, CREATE_SERVICE, "description", {"key": "svc:x", "name": "X", "description": "\ud83d"})
    await _refused(gql, seeded, CREATE_SERVICE, "languages", {"key": "svc:x", "name": "X", "languages": ["d\ud800"]})


async def test_text_with_tabs_newlines_and_any_script_is_stored(gql: Run) -> None:
    name = "Sprachcafé\tSenden\n\u0627\u0644\u0639\u0631\u0628\u064a\u0629 🙂"
    data = await gql(CREATE_SERVICE, {"input": {"key": "svc:x", "name": name}})
    assert data["createService"] == {"entity": {"key": "svc:x"}, "errors": []}


async def test_a_key_over_200_characters_is_invalid_and_not_echoed(gql: Run, seeded: Store) -> None:
    errors = await _refused(gql, seeded, CREATE_SERVICE, "id", {"key": "svc:" + "a" * 9_990, "name": "X"})
    assert "at most 200 characters" in errors[0]["message"]
    assert len(errors[0]["message"]) < 300
    ok = await gql(CREATE_SERVICE, {"input": {"key": "svc:" + "a" * 196, "name": "X"}})
    assert ok["createService"]["errors"] == []


async def test_languages_are_iso_639_1_codes(gql: Run, seeded: Store) -> None:
    errors = await _refused(
        gql, seeded, CREATE_SERVICE, "languages", {"key": "svc:x", "name": "X", "languages": ["de", "klingon-xx"]}
    )
    assert "ISO 639-1" in errors[0]["message"]
    assert "klingon-xx" in errors[0]["message"]
    await _refused(gql, seeded, CREATE_SERVICE, "languages", {"key": "svc:x", "name": "X", "languages": ["DE"]})
    ok = await gql(CREATE_SERVICE, {"input": {"key": "svc:x", "name": "X", "languages": ["de", "ar", "ti", "zu"]}})
    assert ok["createService"]["errors"] == []


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        "data:text/html,<script>",
        "ftp://example.org",
        "//example.org",
        "https://",
        "https://exa mple.org",
        " https://x.de",
    ],
)
async def test_a_website_is_an_http_address(gql: Run, seeded: Store, website: str) -> None:
    values = {"key": "org:x", "name": "X", "kind": "welfare", "website": website}
    await _refused(gql, seeded, CREATE_ORG, "website", values)


async def test_a_website_update_is_checked_too(gql: Run) -> None:
    update = """mutation { updateOrganisation(id: "org:geba", version: 1, input: {website: "javascript:alert(1)"}) {
      entity { key } errors { field code } } }"""
    assert (await gql(update))["updateOrganisation"] == {"entity": None, "errors": [{"field": "website", "code": "INVALID"}]}
    ok = await gql(
        CREATE_ORG, {"input": {"key": "org:x", "name": "X", "kind": "welfare", "website": "https://www.example.org/a?b=1"}}
    )
    assert ok["createOrganisation"]["errors"] == []


async def test_an_invalid_kind_is_one_error_not_also_missing(gql: Run, seeded: Store) -> None:
    errors = await _refused(gql, seeded, CREATE_ORG, "kind", {"key": "org:x", "name": "X", "kind": "bakery"})
    assert len(errors) == 1
    assert "must be one of" in errors[0]["message"]


async def test_linking_to_a_missing_end_of_a_symmetric_relationship_names_that_end(gql: Run, seeded: Store) -> None:
    delete = 'mutation { deleteOrganisation(id: "org:geba") { deletedKey errors { code } } }'
    assert (await gql(delete))["deleteOrganisation"] == {"deletedKey": "org:geba", "errors": []}
    before = checksum(await seeded.snapshot())
    link = """mutation($s: ID!, $t: ID!) { link(relationship: COOPERATES_WITH, source: $s, target: $t) {
      relationship { type } errors { field message code } } }"""
    for source, target in (("org:ki-coesfeld", "org:geba"), ("org:geba", "org:ki-coesfeld")):
        errors = (await gql(link, {"s": source, "t": target}))["link"]["errors"]
        assert len(errors) == 1, errors
        assert errors[0]["code"] == "INVALID"
        assert errors[0]["message"].endswith("org:geba does not exist"), errors
        assert errors[0]["field"] == ("target" if target == "org:geba" else "source")
    assert checksum(await seeded.snapshot()) == before
