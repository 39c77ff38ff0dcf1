"""Answers that requests share (``written.shared``): a referral's place, the state's gap report.

Each referral must be the one its case gets when asked alone, whatever was asked
before it in the place, in another language or with another selection: nothing
of one person may reach another's answer. The gap report is made once a
generation, and a write that changes it is in the next one.
"""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import networkx as nx
import pytest

from kimnet.graph.io.synthetic import nrw
from kimnet.graph.read.reads import ReferralWorld
from kimnet.graph.rules.catalogue import Catalogue, Geography
from kimnet.graph.rules.referral import Place
from kimnet.graph.stores.store import Store
from kimnet.schema import coverage as coverage_schema
from kimnet.schema import referral_world
from kimnet.schema.context import Context
from kimnet.schema.offload import offload

from .conftest import make_runner

T = TypeVar("T")

#: Olfen, for language courses and housing: offers not available there (the same for everyone), and
#: offers that exclude by age alone, by the day and age, and by the place and age.
PLACE = {"municipality": "mun:olfen", "needs": ["need:sprache", "need:wohnen"], "asOf": "2021-07-01"}

PERSONS: list[dict[str, Any]] = [
    {"age": 17},
    {"age": 30, "residenceStatus": "DULDUNG", "languages": ["ar"]},
    {},
    {"age": 70, "residenceStatus": "GESTATTUNG", "languages": ["fa", "uk"]},
    {"age": 17, "needs": ["need:wohnen", "need:sprache"]},
    {"age": 30, "needs": ["need:wohnen"]},
]

EVERYTHING = """query($case: CaseInput!) { referral(case: $case) { asOf
  needs { need { key name } offers { offer { id key name validTo } organisations { key name } legalDomains { key }
          level languageMatch conditional illustrative reasons { code message conditional illustrative area areaName
          level age minAge maxAge residenceStatus residenceStatuses date validFrom validTo languages } } }
  excluded { offer { key name } need { key } illustrative reasons { kind code message age minAge maxAge date area } }
  responsibilities { legalDomain { key } level organisations { key } }
  caseManagers { post { key } employer { key } }
  conference { anchor { key } members { organisation { key } needs { key } legalDomains { key } cooperationPath { key } }
               uncoveredNeeds { key } uncoveredLegalDomains { key } } } }"""

LESS = """query($case: CaseInput!) { referral(case: $case) {
  excluded { offer { name } reasons { message } } needs { offers { offer { key } reasons { code } } } } }"""


async def test_each_referral_in_a_place_answers_as_its_case_asked_alone(seeded: Store) -> None:
    run = make_runner(seeded)  # one read cache for all, as the service's requests share one
    answers = []
    for query in (EVERYTHING, LESS):
        for language in ("en", "de"):
            for person in PERSONS:
                case = {**PLACE, **person}
                answer = await run(query, {"case": case}, language=language)
                alone = await make_runner(seeded)(query, {"case": case}, language=language)  # its own world
                assert answer == alone, (query[:40], language, person)
                answers.append(answer)
    # The persons and the languages do change the answers.
    assert len({repr(a) for a in answers}) == len(answers)


async def test_what_is_excluded_for_everyone_in_a_place_is_written_once(seeded: Store) -> None:
    run = make_runner(seeded)
    young = (await run(EVERYTHING, {"case": {**PLACE, **PERSONS[0]}}))["referral"]["excluded"]
    older = (await run(EVERYTHING, {"case": {**PLACE, **PERSONS[1]}}))["referral"]["excluded"]
    kinds = [[r["kind"] for r in e["reasons"]] for e in young]
    assert ["AREA"] in kinds
    assert ["AGE"] in kinds
    by_offer = {(e["offer"]["key"], e["need"]["key"]): e for e in older}
    shared = 0
    for exclusion, kind in zip(young, kinds, strict=True):
        same = by_offer.get((exclusion["offer"]["key"], exclusion["need"]["key"]))
        if same is None:
            continue
        if kind == [r["kind"] for r in same["reasons"]] == ["AREA"]:  # not available in Olfen, for both
            assert same is exclusion  # one answer object for everyone there
            shared += 1
        elif "AGE" in kind:  # the young person's own: made for the answer
            assert same is not exclusion
    assert shared >= 5


async def test_a_place_keeps_nothing_of_the_persons_asking_there(seeded: Store) -> None:
    run = make_runner(seeded)
    for language in ("en", "de"):
        for person in PERSONS:
            await run(EVERYTHING, {"case": {**PLACE, **person}}, language=language)
    worlds = referral_world.kept_worlds.kept()
    assert worlds
    for world in worlds:
        # Kept: exclusions and reasons of the place alone (by the ids of the place's own objects), none of a case.
        assert set(world.excluded) <= world.exclusions
        assert {key for _, key in world.worded} <= world.reasons
    assert any(world.excluded for world in worlds)


GAPS = """query($day: Date) { coverageGaps(asOf: $day) { municipality { key name } population need { key name }
  condition { code message } } }"""


async def test_the_state_gap_report_is_made_once_a_generation_and_follows_writes(store: Store) -> None:
    await store.replace_all(nrw(seed=2, scale=0.03))  # a state with gaps (Coesfeld's seed has none)
    run = make_runner(store)
    day = {"day": "2025-06-01"}
    for language in ("en", "de", "en"):
        answer = await run(GAPS, day, language=language)
        assert answer == await make_runner(store)(GAPS, day, language=language)
    first, again = (await run(GAPS, day))["coverageGaps"], (await run(GAPS, day))["coverageGaps"]
    assert len(first) > 10
    assert all(a is b for a, b in zip(first, again, strict=True))  # each gap written once
    # An offer for the first gap's need in its municipality closes that gap: the next report says so.
    gap = first[0]
    provider = (await run("{ organisations(first: 1) { nodes { key } } }"))["organisations"]["nodes"][0]["key"]
    created = await run(
        """mutation($input: ServiceCreateInput!) { createService(input: $input) { errors { code message } } }""",
        {
            "input": {
                "key": "svc:closes-a-gap",
                "name": "Closes a gap",
                "providedBy": [provider],
                "addresses": [gap["need"]["key"]],
                "availableIn": [gap["municipality"]["key"]],
            }
        },
    )
    assert created["createService"]["errors"] == []
    after = (await run(GAPS, day))["coverageGaps"]
    assert after == (await make_runner(store)(GAPS, day))["coverageGaps"]
    assert gap not in after
    assert len(after) == len(first) - 1


async def test_a_gap_report_made_for_this_generation_is_answered_without_a_worker_thread(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Handing a made report to a worker thread cost more than the answer; making one still goes there."""
    await store.replace_all(nrw(seed=2, scale=0.03))
    run = make_runner(store)
    handed: list[str] = []

    async def counted(context: Context, call: Callable[[], T]) -> T:
        handed.append("worker")
        return await offload(context, call)

    monkeypatch.setattr(coverage_schema, "offload", counted)
    day = {"day": "2025-06-01"}
    first = await run(GAPS, day)
    assert handed == ["worker"]
    assert await run(GAPS, day) == first
    await run(GAPS, day, language="de")  # worded in German: made, in a worker
    assert await run(GAPS, day) == first
    assert handed == ["worker", "worker"]
    filtered = """query($day: Date) { coverageGaps(asOf: $day, needs: ["need:sprache"]) { need { key } } }"""
    await run(filtered, day)
    await run(filtered, day)
    assert len(handed) == 4  # a selection is not shared: each is made
    key = (await run("{ organisations(first: 1) { nodes { key version } } }"))["organisations"]["nodes"][0]
    renamed = await run(
        """mutation($key: ID!, $version: Int!) {
          updateOrganisation(id: $key, version: $version, input: {name: "Umbenannt"}) { errors { code } } }""",
        {"key": key["key"], "version": key["version"]},
    )
    assert renamed["updateOrganisation"]["errors"] == []
    await run(GAPS, day)
    assert len(handed) == 5  # a new generation: made again


def _world() -> ReferralWorld:
    return ReferralWorld(Catalogue(Geography({}, {}), {}), (), {}, nx.Graph(), Place("mun:x", dt.date(2025, 6, 1), {}, (), ()))


def test_what_answers_share_goes_with_its_world_and_only_the_worlds_asked_last_keep_it() -> None:
    kept = referral_world.Kept(size=2)
    first, second, third = _world(), _world(), _world()
    made = kept.get(first, "en")
    assert kept.get(first, "en") is made
    kept.get(second, "en")
    kept.get(first, "en")  # asked again: second is now the one asked least recently
    kept.get(third, "de")
    assert "en" in first.made
    assert "de" in third.made
    assert "en" not in second.made  # let go
    assert kept.kept() == [first.made["en"], third.made["de"]]
    # A world that its generation lets go of takes what its answers shared with it.
    gone = weakref.ref(kept.get(third, "en"))
    assert "en" not in first.made  # asked least recently
    del third
    gc.collect()
    assert gone() is None
    assert kept.kept() == []
