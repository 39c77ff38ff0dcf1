"""Eligibility at its edges: an age exactly at ``minAge`` or ``maxAge`` and one beyond, and every
residence status the rules know, for referrals and for the target groups of coverage questions."""

from __future__ import annotations

import datetime as dt

import networkx as nx
import pytest

from kimnet.graph.availability import TargetGroup
from kimnet.graph.catalogue import Catalogue, Geography, Offer
from kimnet.graph.model import RESIDENCE_STATUSES, Node
from kimnet.graph.referral import Case, refer

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
