"""Fuzzing the API with operations generated from its schema (hypothesis-graphql).

Shared by the short run in the test suite and the long run of ``bench/fuzz.py``.
Operations are valid queries and mutations with arbitrary arguments (the
mutations run as an admin, so they really write), and invalid documents. The
one rule: the answer is never a 5xx and never an internal error.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as reproduce_with
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

from kimnet.schema.root import schema

__all__ = ["Outcome", "check", "fuzz", "operations"]

Outcome = Counter[str]

_DATES = st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31))
_SCALARS = {
    "Date": _DATES.map(lambda d: nodes.String(d.isoformat())),
    "DateTime": st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2040, 1, 1)).map(lambda t: nodes.String(t.isoformat())),
    "JSON": st.just(nodes.String("{}")),
}
# Keys of entities that exist, so that valid operations reach the data and not only "not found".
_KEYS = st.sampled_from(["mun:olfen", "org:geba", "need:ausbildung", "svc:ds-coaching-cv", "reg:kreis-coesfeld", "ld:sgb-viii"])


def operations() -> st.SearchStrategy[str]:
    """Valid queries and mutations over the whole schema, and invalid documents."""
    sdl = schema.as_str()
    ids = {"ID": st.one_of(_KEYS, st.text(max_size=30)).map(nodes.String)}
    valid = {**_SCALARS, **ids}
    return st.one_of(
        queries(sdl, custom_scalars=valid),
        mutations(sdl, custom_scalars=valid),
        queries(sdl, custom_scalars=_SCALARS, mode=Mode.NEGATIVE),
        mutations(sdl, custom_scalars=_SCALARS, mode=Mode.NEGATIVE),
    ).map(str)


def check(status: int, body: bytes) -> str:
    """Fail on a 5xx or an internal error; return how the operation ended, for the summary."""
    assert status < 500, (status, body[:500])
    answer: dict[str, Any] = json.loads(body)
    codes = [(e.get("extensions") or {}).get("code") for e in answer.get("errors", ())]
    assert "INTERNAL" not in codes, answer
    if not codes:
        return "answered"
    return next((c for c in codes if c), "refused with a message")


def fuzz(post: Callable[[str], tuple[int, bytes]], examples: int, outcome: Outcome, seed: int | None = None) -> None:
    """Send ``examples`` generated operations through ``post`` and check every answer."""

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=seed is None,
        suppress_health_check=list(HealthCheck),
    )
    @given(operations())
    def one(document: str) -> None:
        status, body = post(document)
        outcome[check(status, body)] += 1

    if seed is not None:
        one = reproduce_with(seed)(one)
    one()
