"""Duplicate structures: offers of one need and place admitting one kind of person, from unrelated providers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kimnet.graph.model.errors import NotFoundError
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Node
from kimnet.graph.read.index import GraphIndex
from kimnet.graph.read.reads import Reads
from kimnet.graph.rules import duplicates as module
from kimnet.graph.rules.availability import TargetGroup, offers_by_area
from kimnet.graph.rules.catalogue import Catalogue, Geography
from kimnet.graph.rules.duplicates import age_cliques, duplicates, person_groups

from .test_coverage import DAY, LANGUAGE, catalogue, offer


def _ids(found: tuple) -> list[list[str]]:  # type: ignore[type-arg]
    return [[o.id for o in d.offers] for d in found]


def test_overlapping_offers_of_different_providers_are_a_duplicate() -> None:
    a = offer("svc:a", "mun:olfen", providers=("org:caritas",), minAge=16, maxAge=25, programmes=("prog:kim",))
    b = offer("svc:b", "reg:kreis", providers=("org:drk",), minAge=20, programmes=("prog:kim", "prog:esf"))
    (duplicate,) = duplicates(catalogue(a, b), DAY, municipalities=["mun:olfen"])
    assert (duplicate.municipality, duplicate.need, duplicate.offers) == ("mun:olfen", LANGUAGE, (a, b))
    assert duplicate.providers == ("org:caritas", "org:drk")
    assert duplicate.shared_programmes == ("prog:kim",)


def test_offers_sharing_a_provider_are_no_duplicate() -> None:
    a = offer("svc:a", "mun:olfen", providers=("org:vhs",))
    b = offer("svc:b", "mun:olfen", providers=("org:vhs",))
    joint = offer("svc:joint", "mun:olfen", providers=("org:vhs", "org:schule"))
    assert duplicates(catalogue(a, b, joint), DAY) == ()


def test_only_offers_admitting_one_person_group_together() -> None:
    young = offer("svc:young", "mun:olfen", providers=("org:a",), maxAge=17)
    adult = offer("svc:adult", "mun:olfen", providers=("org:b",), minAge=18)
    settled = offer("svc:settled", "mun:olfen", providers=("org:c",), residenceStatuses=("niederlassungserlaubnis",))
    tolerated = offer("svc:tolerated", "mun:olfen", providers=("org:d",), maxAge=10, residenceStatuses=("duldung",))
    statutory = offer("svc:statutory", "mun:olfen", providers=("org:e",), statutory=True)
    found = duplicates(catalogue(young, adult, settled, tolerated, statutory), DAY)
    # An offer for everyone no longer chains toddlers' and adults' offers into one "duplicate".
    assert _ids(found) == [["svc:adult", "svc:settled"], ["svc:settled", "svc:young"], ["svc:tolerated", "svc:young"]]
    assert duplicates(catalogue(young, adult), DAY) == ()
    assert duplicates(catalogue(settled, tolerated), DAY) == ()


def test_coordination_duplicates_nothing() -> None:
    course = offer("svc:course", "mun:olfen", providers=("org:vhs",))
    case_management = offer("svc:cm", "reg:kreis", providers=("org:ki",), coordination=True)
    assert duplicates(catalogue(course, case_management), DAY) == ()


def test_duplicates_are_ranked_by_population() -> None:
    offers = (
        offer("svc:a", "reg:kreis", providers=("org:a",), minAge=16, maxAge=20),
        offer("svc:b", "reg:kreis", providers=("org:b",), minAge=19, maxAge=25),
        offer("svc:c", "reg:kreis", providers=("org:c",), minAge=24, maxAge=30),
    )
    found = duplicates(catalogue(*offers), DAY)
    assert [d.municipality for d in found] == ["mun:duelmen"] * 2 + ["mun:nottuln"] * 2 + ["mun:olfen"] * 2
    assert _ids(found)[:2] == [["svc:a", "svc:b"], ["svc:b", "svc:c"]]


# -- bounded by design: the sweep finds exactly the maximal groups that admit one person ------------------

AGES = st.one_of(st.none(), st.integers(0, 40))
STATUSES = st.lists(st.sampled_from(["duldung", "gestattung", "aufenthaltserlaubnis"]), max_size=2, unique=True)


def _brute_force(targets: dict[str, TargetGroup]) -> set[frozenset[str]]:
    """The maximal sets of offers admitting one person, found by trying every person."""
    statuses = ["duldung", "gestattung", "aufenthaltserlaubnis", "other"]
    found: set[frozenset[str]] = set()
    for age in range(0, 42):
        for status in statuses:
            person = TargetGroup(age, age, (status,))
            admitted = frozenset(i for i, t in targets.items() if t.overlaps(person) and _admits_status(t, status))
            if admitted:
                found.add(admitted)
    return {s for s in found if not any(s < other for other in found)}


def _admits_status(target: TargetGroup, status: str) -> bool:
    return not target.residence_statuses or status in target.residence_statuses


@given(st.lists(st.tuples(AGES, AGES, STATUSES), min_size=1, max_size=9))
@settings(max_examples=200, deadline=None)
def test_person_groups_are_the_maximal_sets_admitting_one_person(groups: list[tuple[int | None, int | None, list[str]]]) -> None:
    targets = {f"svc:{i}": TargetGroup(low, high, tuple(statuses)) for i, (low, high, statuses) in enumerate(groups)}
    assert set(person_groups(targets)) == _brute_force(targets)


def test_on_the_seed_every_pair_the_clique_definition_reported_is_in_one_group(seed_data: GraphData) -> None:
    """The grouping replaces maximal cliques of pairwise duplicates: each such pair still shows up, together."""
    reads = Reads("seed", GraphIndex.of(seed_data))
    for day in (dt.date(2021, 7, 1), dt.date(2023, 1, 1)):
        catalogue = reads.catalogue(day)
        found = duplicates(catalogue, day)
        assert found, "the seed has duplicate structures on purpose"
        groups: dict[tuple[str, str], list[set[str]]] = {}
        for d in found:
            groups.setdefault((d.municipality, d.need), []).append({o.id for o in d.offers})
            assert not set.intersection(*(set(o.providers) for o in d.offers)), "no organisation provides them all"
        index = offers_by_area(o for o in catalogue.offers.values() if not o.statutory and o.valid_on(day))
        pairs = 0
        for municipality in catalogue.geography.municipalities:
            reached = {o.id: o for area in catalogue.geography.areas_of(municipality) for o in index.get(area, ())}
            for need in catalogue.needs:
                offers = sorted((o for o in reached.values() if need in o.needs_served and o.providers), key=lambda o: o.id)
                for a, b in itertools.combinations(offers, 2):
                    if set(a.providers).isdisjoint(b.providers) and TargetGroup.of(a).overlaps(TargetGroup.of(b)):
                        pairs += 1
                        assert any({a.id, b.id} <= g for g in groups[(municipality, need)]), (municipality, need, a.id, b.id)
        assert pairs > 100


def test_first_stops_after_the_largest_municipalities() -> None:
    offers = (
        offer("svc:a", "reg:kreis", providers=("org:a",)),
        offer("svc:b", "reg:kreis", providers=("org:b",)),
    )
    assert [d.municipality for d in duplicates(catalogue(*offers), DAY, first=2)] == ["mun:duelmen", "mun:nottuln"]
    assert duplicates(catalogue(*offers), DAY, first=0) == ()


def test_first_cuts_within_a_municipality() -> None:
    offers = (
        offer("svc:a", "reg:kreis", providers=("org:a",), minAge=16, maxAge=20),
        offer("svc:b", "reg:kreis", providers=("org:b",), minAge=19, maxAge=25),
        offer("svc:c", "reg:kreis", providers=("org:c",), minAge=24, maxAge=30),
    )
    found = duplicates(catalogue(*offers), DAY, first=3)
    assert [d.municipality for d in found] == ["mun:duelmen", "mun:duelmen", "mun:nottuln"]
    assert _ids(found) == [["svc:a", "svc:b"], ["svc:b", "svc:c"], ["svc:a", "svc:b"]]


def test_first_looks_at_no_municipality_once_they_are_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each municipality looked at is work and a deadline checkpoint: none after the ``first`` are found."""
    looked_at: list[str] = []
    duplicates_in = module.duplicates_in

    def counting(catalogue: Catalogue, municipality: str, *rest: object) -> list[module.Duplicate]:
        looked_at.append(municipality)
        return duplicates_in(catalogue, municipality, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "duplicates_in", counting)
    pair = catalogue(offer("svc:a", "reg:kreis", providers=("org:a",)), offer("svc:b", "reg:kreis", providers=("org:b",)))
    for first, expected in ((2, ["mun:duelmen", "mun:nottuln"]), (1, ["mun:duelmen"]), (0, [])):
        looked_at.clear()
        assert len(duplicates(pair, DAY, first=first)) == first
        assert looked_at == expected, first
    looked_at.clear()
    assert len(duplicates(pair, DAY)) == 3
    assert looked_at == ["mun:duelmen", "mun:nottuln", "mun:olfen"]


@pytest.mark.parametrize("first", [None, 0, 5])
def test_unknown_ids_are_named_with_their_kind(first: int | None) -> None:
    """The message is what an API client sees: which kind of id, and every unknown one."""
    known = catalogue(offer("svc:a", "mun:olfen", providers=("org:a",)))
    with pytest.raises(NotFoundError) as unknown_places:
        duplicates(known, DAY, municipalities=["mun:zwolle", "mun:olfen", "mun:atlantis"], first=first)
    assert str(unknown_places.value) == (
        "unknown municipality id(s) mun:atlantis, mun:zwolle; use ids from the catalogue's municipalities"
    )
    with pytest.raises(NotFoundError) as unknown_needs:
        duplicates(known, DAY, needs=[LANGUAGE, "need:fliegen"], first=first)
    assert str(unknown_needs.value) == "unknown need id(s) need:fliegen; use ids from the catalogue's needs"


def test_ranked_by_population_not_by_id_and_an_unknown_population_last() -> None:
    sizes = {"mun:aachen": None, "mun:ahaus": 39_000, "mun:borken": 42_000, "mun:coesfeld": 36_000}
    geography = Geography(
        {m: Node("Municipality", m, {"name": m} if n is None else {"name": m, "population": n}) for m, n in sizes.items()},
        {},
    )
    pair = [offer(i, *sizes, providers=(p,)) for i, p in (("svc:a", "org:a"), ("svc:b", "org:b"))]
    needs = {LANGUAGE: Node("Need", LANGUAGE, {"name": LANGUAGE})}
    found = duplicates(Catalogue(geography, {o.id: o for o in pair}, needs=needs), DAY)
    assert [d.municipality for d in found] == ["mun:borken", "mun:ahaus", "mun:coesfeld", "mun:aachen"]


def test_a_duplicate_is_frozen() -> None:
    """Answers are shared between requests (the read cache): nobody may change one under another."""
    pair = catalogue(offer("svc:a", "mun:olfen", providers=("org:a",)), offer("svc:b", "mun:olfen", providers=("org:b",)))
    (found,) = duplicates(pair, DAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.providers = ()  # type: ignore[misc]
    assert found.providers == ("org:a", "org:b")


def test_age_groups_touching_at_a_bound_share_it() -> None:
    """Bounds are closed: 17 is both ``maxAge 17`` and ``minAge 17``; one year apart, no one is in both."""
    assert age_cliques([(0, 17, "young"), (17, 30, "adult")]) == [frozenset({"young", "adult"})]
    assert sorted(map(sorted, age_cliques([(0, 16, "young"), (17, 30, "adult")]))) == [["adult"], ["young"]]
    assert age_cliques([(0, 40, "all"), (5, 9, "child")]) == [frozenset({"all", "child"})]


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=9))
@settings(max_examples=200, deadline=None)
def test_age_cliques_are_each_maximal_set_once(bounds: list[tuple[int, int]]) -> None:
    """Exactly the maximal sets sharing an age, each once: at most one per interval, the bound the module promises."""
    intervals = [(min(a, b), max(a, b), f"i{n}") for n, (a, b) in enumerate(bounds)]
    found = age_cliques(intervals)
    sharing = {frozenset(i for low, high, i in intervals if low <= age <= high) for age in range(0, 31)} - {frozenset()}
    maximal = {s for s in sharing if not any(s < other for other in sharing)}
    assert sorted(map(sorted, found)) == sorted(map(sorted, maximal))
    assert len(found) <= len(intervals)
