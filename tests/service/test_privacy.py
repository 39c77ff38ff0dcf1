"""A referral's case appears in no log line (at any level), no store write and no error message.

The case carries markers that occur nowhere else (a made-up language, an age
of 117, words in wrong values), sent every way a client can send it: valid,
with wrong types, wrong enum values, unknown fields, a syntax error, by a
caller without the role, and through an internal error whose exception text
holds the case. The logs are captured as the server writes them (JSON, at
debug level, which includes every other level), with every logger enabled.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kimnet.graph.model.audit import AuditQuery
from kimnet.graph.model.graphdata import checksum
from kimnet.graph.read.reads import Reads
from kimnet.graph.stores.embedded import EmbeddedStore
from kimnet.graph.stores.store import Store
from kimnet.schema.access import Role
from kimnet.service.logs import configure
from tests.service.hardening import bearer, served, settings

LANGUAGE = "zz-canary-tongue"
WORDS = ("canarystatus", "zweiundzwanzig-canary", "canary-field", "mun:canary-town", "need:canary-need")
AGE = 117

QUERY = "query($case: CaseInput!) { referral(case: $case) { asOf needs { offers { offer { key } } } } }"
CASE = {
    "municipality": "mun:olfen",
    "age": AGE,
    "residenceStatus": "DULDUNG",
    "needs": ["need:ausbildung"],
    "languages": [LANGUAGE],
}


def _attempts() -> Iterator[tuple[str, dict[str, Any] | None, Role]]:
    yield QUERY, {"case": CASE}, Role.CASEWORKER
    yield QUERY, {"case": {**CASE, "age": WORDS[1]}}, Role.CASEWORKER
    yield QUERY, {"case": {**CASE, "residenceStatus": WORDS[0]}}, Role.CASEWORKER
    yield QUERY, {"case": {**CASE, WORDS[2]: LANGUAGE}}, Role.CASEWORKER
    yield QUERY, {"case": {**CASE, "municipality": WORDS[3]}}, Role.CASEWORKER
    yield QUERY, {"case": {**CASE, "needs": [WORDS[4]]}}, Role.CASEWORKER
    yield QUERY, {"case": {**CASE, "age": 1000 + AGE}}, Role.CASEWORKER
    yield QUERY, {"case": CASE}, Role.VIEWER
    inline = f'{{ referral(case: {{municipality: "mun:olfen", age: {AGE}, residenceStatus: {WORDS[0].upper()}, languages: ["{LANGUAGE}"]}}) {{ asOf }} }}'
    yield inline, None, Role.CASEWORKER
    yield inline.replace("languages:", "languages"), None, Role.CASEWORKER  # a syntax error next to the case
    yield inline.replace("age:", f"{WORDS[1]}:"), None, Role.CASEWORKER


def _leaks(text: str) -> list[str]:
    found = [marker for marker in (LANGUAGE, *WORDS, WORDS[0].upper()) if marker.lower() in text.lower()]
    # As a number of its own: inside a word it is no age (a random request id may hold "117bc3").
    if re.search(rf"(?<![\w.]){AGE}(?!\w)", text):
        found.append(str(AGE))
    return found


@pytest.fixture
def server_logs() -> Iterator[io.StringIO]:
    """Every log line the server would write, at debug level; the logging set-up is restored afterwards."""
    root, neo4j = logging.getLogger(), logging.getLogger("neo4j")
    saved = (list(root.handlers), root.level, neo4j.level)
    stream = io.StringIO()
    configure("debug", "json", stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        neo4j.setLevel(saved[2])


async def test_a_referral_case_leaves_no_trace(
    seeded: Store, tmp_path: Path, server_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = checksum(await seeded.snapshot())
    audit_before = await seeded.audit_trail(AuditQuery(limit=1_000_000))
    files_before = {p.name: p.read_bytes() for p in seeded.folder.iterdir()} if isinstance(seeded, EmbeddedStore) else {}
    answers: list[str] = []
    async with served(settings(tmp_path, rate_limit=0.0), seeded) as (client, _):
        for query, variables, role in _attempts():
            response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=bearer(role))
            assert response.status_code < 500, response.text
            answers.append(response.text)
        assert "errors" not in json.loads(answers[0]), answers[0]  # the valid case was answered
        assert all("errors" in json.loads(a) for a in answers[1:])

        # An internal error whose exception text holds the case: logged as a type and a stack, no text.
        def broken(reads: Reads, municipality: str, *args: object, **kwargs: object) -> object:
            raise KeyError(f"{municipality} {LANGUAGE} {AGE}")

        monkeypatch.setattr(Reads, "referral_world", broken)
        response = await client.post(
            "/graphql", json={"query": QUERY, "variables": {"case": CASE}}, headers=bearer(Role.CASEWORKER)
        )
        assert response.json()["errors"][0]["message"] == "internal error; it has been logged"
        answers.append(response.text)

    lines = server_logs.getvalue().splitlines()
    assert any('"logger": "kimnet.http"' in line for line in lines)  # the capture works
    assert any("internal error at referral: KeyError (its message is withheld" in line for line in lines)
    for line in lines:
        record = json.loads(line)
        record.pop("time", None)
        record.pop("duration_ms", None)
        assert not _leaks(json.dumps(record, ensure_ascii=False)), line
    for answer in answers[1:]:
        errors = json.dumps(json.loads(answer)["errors"], ensure_ascii=False)
        assert not _leaks(errors), errors
    assert checksum(await seeded.snapshot()) == before
    assert await seeded.audit_trail(AuditQuery(limit=1_000_000)) == audit_before
    if isinstance(seeded, EmbeddedStore):
        assert {p.name: p.read_bytes() for p in seeded.folder.iterdir()} == files_before
