"""Duplicate structures: offers of one need and place admitting one kind of person, from unrelated providers."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.read.index import GraphIndex
from kimnet.graph.read.readcache import Reads
from kimnet.graph.rules.availability import TargetGroup, offers_by_area
from kimnet.graph.rules.duplicates import duplicates, person_groups

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
