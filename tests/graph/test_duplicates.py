"""Duplicate structures: pairwise overlapping offers of one need and place from unrelated providers."""

from __future__ import annotations

from kimnet.graph.duplicates import duplicates

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


def test_only_pairwise_overlapping_offers_group_together() -> None:
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
