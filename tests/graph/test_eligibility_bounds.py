"""Eligibility at its edges: an age exactly at ``minAge`` or ``maxAge`` and one beyond, and every
residence status the rules know, for referrals and for the target groups of coverage questions."""

from __future__ import annotations

import dataclasses
import datetime as dt

import networkx as nx
import pytest

from kimnet.graph.model.domain import RESIDENCE_STATUSES
from kimnet.graph.model.kinds import Node, Value
from kimnet.graph.model.validity import valid_on
from kimnet.graph.rules.availability import (
    TargetGroup,
    closest_area,
    closest_level,
    for_target_group,
    int_prop,
    offers_by_area,
    reachable,
)
from kimnet.graph.rules.catalogue import Catalogue, Geography, Level, Offer
from kimnet.graph.rules.referral import Case, refer

DAY = dt.date(2021, 6, 1)
GEO = Geography({"mun:olfen": Node("Municipality", "mun:olfen", {"name": "Olfen"})}, {})
RESTRICTED = ("duldung", "gestattung")


def _offer(**props: object) -> Offer:
    node = Node("Service", "svc:x", {"name": "X", **props})  # type: ignore[dict-item]
    return Offer(node, ("org:x",), ("need:ausbildung",), ("ld:sgb3",), ("mun:olfen",))


def _outcome(offer: Offer, age: int | None = None, status: str | None = None) -> tuple[bool, list[str]]:
    case = Case("mun:olfen", DAY, age=age, residence_status=status, needs=("need:ausbildung",))
    result = refer(case, Catalogue(GEO, {offer.id: offer}), [], nx.Graph())
    matched = [m.offer.id for m in result.per_need["need:ausbildung"]] == ["svc:x"]
    return matched, [r.kind for e in result.excluded for r in e.reasons]


@pytest.mark.parametrize(
    ("age", "eligible"), [(15, False), (16, True), (17, True), (24, True), (25, True), (26, False), (None, True)]
)
def test_a_referral_admits_ages_from_min_age_to_max_age_inclusive(age: int | None, eligible: bool) -> None:
    matched, reasons = _outcome(_offer(minAge=16, maxAge=25), age=age)
    assert matched is eligible
    assert reasons == ([] if eligible else ["age"])


@pytest.mark.parametrize(("age", "eligible"), [(17, False), (18, True), (99, True)])
def test_a_minimum_alone_is_a_lower_bound(age: int, eligible: bool) -> None:
    assert _outcome(_offer(minAge=18), age=age)[0] is eligible


@pytest.mark.parametrize(("age", "eligible"), [(0, True), (21, True), (22, False)])
def test_a_maximum_alone_is_an_upper_bound(age: int, eligible: bool) -> None:
    assert _outcome(_offer(maxAge=21), age=age)[0] is eligible


@pytest.mark.parametrize("status", RESIDENCE_STATUSES)
def test_each_residence_status_against_a_restricted_and_an_open_offer(status: str) -> None:
    matched, reasons = _outcome(_offer(residenceStatuses=RESTRICTED), status=status)
    assert matched is (status in RESTRICTED)
    assert reasons == ([] if status in RESTRICTED else ["residence_status"])
    assert _outcome(_offer(), status=status) == (True, [])
    assert _outcome(_offer(residenceStatuses=(status,)), status=status) == (True, [])


def test_both_bounds_failing_are_both_reported() -> None:
    matched, reasons = _outcome(_offer(minAge=18, residenceStatuses=("eu",)), age=17, status="duldung")
    assert (matched, sorted(reasons)) == (False, ["age", "residence_status"])


@pytest.mark.parametrize(("age", "overlaps"), [(15, False), (16, True), (25, True), (26, False)])
def test_a_target_group_overlaps_at_exactly_the_bounds(age: int, overlaps: bool) -> None:
    offer = TargetGroup(16, 25)
    person = TargetGroup(age, age)
    assert offer.overlaps(person) is overlaps
    assert person.overlaps(offer) is overlaps


@pytest.mark.parametrize("status", RESIDENCE_STATUSES)
def test_a_target_group_overlaps_by_each_residence_status(status: str) -> None:
    person = TargetGroup(22, 22, (status,))
    assert TargetGroup(residence_statuses=RESTRICTED).overlaps(person) is (status in RESTRICTED)
    assert TargetGroup().overlaps(person)
    assert TargetGroup(residence_statuses=RESTRICTED).overlaps(TargetGroup(22, 22))


@pytest.mark.parametrize(
    ("props", "day", "holds"),
    [
        ({"validFrom": dt.date(2021, 6, 1)}, dt.date(2021, 5, 31), False),
        ({"validFrom": dt.date(2021, 6, 1)}, dt.date(2021, 6, 1), True),
        ({"since": dt.date(2021, 6, 1)}, dt.date(2021, 5, 31), False),
        ({"since": dt.date(2021, 6, 1)}, dt.date(2021, 6, 1), True),
        ({"validTo": dt.date(2021, 6, 1)}, dt.date(2021, 6, 1), True),
        ({"validTo": dt.date(2021, 6, 1)}, dt.date(2021, 6, 2), False),
        # The later of validFrom and since is the first day, whichever of the two it is.
        ({"validFrom": dt.date(2021, 1, 1), "since": dt.date(2021, 6, 1)}, dt.date(2021, 5, 31), False),
        ({"validFrom": dt.date(2021, 6, 1), "since": dt.date(2021, 1, 1)}, dt.date(2021, 5, 31), False),
        (
            {"validFrom": dt.date(2021, 1, 1), "since": dt.date(2021, 6, 1), "validTo": dt.date(2021, 6, 1)},
            dt.date(2021, 6, 1),
            True,
        ),
        ({}, dt.date(2021, 6, 1), True),
        # A date that is no date (a string left by a bad import) bounds nothing, and raises nothing.
        ({"validFrom": "2099-01-01", "since": "2099-01-01", "validTo": "2000-01-01"}, dt.date(2021, 6, 1), True),
    ],
)
def test_validity_holds_from_the_first_to_the_last_day_inclusive(props: dict[str, Value], day: dt.date, holds: bool) -> None:
    assert valid_on(props, day) is holds


@pytest.mark.parametrize(
    ("value", "read"), [(18, 18), (0, 0), (True, None), (False, None), ("18", None), (18.0, None), (None, None)]
)
def test_an_age_bound_is_read_only_from_a_whole_number(value: Value, read: int | None) -> None:
    # bool is an int subclass: a stray True must not read as minAge 1.
    assert int_prop({"minAge": value}, "minAge") == read
    assert int_prop({}, "minAge") is None


def test_a_target_group_is_read_from_the_offer() -> None:
    offer = _offer(minAge=16, maxAge=25, residenceStatuses=RESTRICTED)
    assert TargetGroup.of(offer) == TargetGroup(16, 25, RESTRICTED)
    assert TargetGroup.of(_offer(residenceStatuses="duldung")) == TargetGroup()  # not a list of statuses


AREAS: dict[str, Level] = {"mun:olfen": "municipality", "reg:nord": "region", "reg:sued": "region", "reg:kreis": "county"}


def _at(offer_id: str, name: str, *areas: str) -> Offer:
    return Offer(Node("Service", offer_id, {"name": name}), areas=areas)


def test_of_two_areas_at_one_level_the_smaller_id_is_the_closest_whatever_the_link_order() -> None:
    for areas in (("reg:sued", "reg:nord", "reg:kreis"), ("reg:kreis", "reg:nord", "reg:sued")):
        offer = _at("svc:x", "X", *areas)
        assert (closest_area(offer, AREAS), closest_level(offer, AREAS)) == ("reg:nord", "region")
    offer = _at("svc:x", "X", "reg:kreis", "mun:senden")
    assert (closest_area(offer, AREAS), closest_level(offer, AREAS)) == ("reg:kreis", "county")
    assert closest_level(_at("svc:x", "X", "mun:senden"), AREAS) is None


def test_reachable_offers_come_once_each_by_level_then_name_then_id() -> None:
    offers = [
        _at("svc:c", "Beratung", "reg:kreis"),
        _at("svc:b", "Kurs", "reg:sued", "reg:kreis"),
        _at("svc:a", "Kurs", "reg:nord", "mun:olfen"),
        _at("svc:d", "Anlauf", "reg:nord"),
        _at("svc:e", "Anderswo", "mun:senden"),
    ]
    by_area = offers_by_area(offers)
    assert {area: [o.id for o in found] for area, found in by_area.items()} == {
        "reg:kreis": ["svc:c", "svc:b"],
        "reg:sued": ["svc:b"],
        "reg:nord": ["svc:a", "svc:d"],
        "mun:olfen": ["svc:a"],
        "mun:senden": ["svc:e"],
    }
    found = reachable(AREAS, by_area)
    assert [(o.id, level) for o, level in found] == [
        ("svc:a", "municipality"),
        ("svc:d", "region"),
        ("svc:b", "region"),
        ("svc:c", "county"),
    ]


def test_a_target_group_is_a_frozen_value() -> None:
    # Catalogues filtered for a group keep it, and it keys what is computed for that group.
    group = TargetGroup(18, 27, RESTRICTED)
    assert hash(group) == hash(TargetGroup(18, 27, RESTRICTED))
    with pytest.raises(dataclasses.FrozenInstanceError):
        group.min_age = 0  # type: ignore[misc]


def test_a_catalogue_for_a_target_group_keeps_only_the_offers_that_admit_it() -> None:
    young = Offer(Node("Service", "svc:young", {"name": "Jung", "maxAge": 17}), areas=("mun:olfen",))
    adults = Offer(Node("Service", "svc:adults", {"name": "Erwachsen", "minAge": 18}), areas=("mun:olfen",))
    catalogue = Catalogue(GEO, {young.id: young, adults.id: adults})
    group = TargetGroup(18, 18)
    filtered = for_target_group(catalogue, group)
    assert (list(filtered.offers), filtered.target) == (["svc:adults"], group)
    assert list(catalogue.offers) == ["svc:young", "svc:adults"]  # the original is untouched
