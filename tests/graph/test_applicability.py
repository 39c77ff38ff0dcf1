"""Which needs can arise for a target group, and how coverage leaves the others out."""

from __future__ import annotations

import datetime as dt

from kimnet.graph.model.kinds import Node
from kimnet.graph.rules.applicability import applicability
from kimnet.graph.rules.availability import TargetGroup, for_target_group
from kimnet.graph.rules.catalogue import Catalogue, Offer
from kimnet.graph.rules.coverage import coverage, coverage_changes, coverage_gaps
from kimnet.graph.rules.coverage_matrix import coverage_matrix
from tests.graph.places import geography

DAY = dt.date(2021, 6, 1)
NATURALISATION = Node("Need", "need:einbuergerung", {"name": "Einbürgerung", "notForStatuses": ("duldung", "gestattung")})
KITA = Node("Need", "need:kita", {"name": "Kita", "audience": "household", "minAge": 1, "maxAge": 5})
OPENING = Node("Need", "need:oeffnung", {"name": "Öffnung", "audience": "organisation"})
SCHOOL = Node("Need", "need:schule", {"name": "Schule", "minAge": 6, "maxAge": 18})
WORK = Node("Need", "need:arbeit", {"name": "Arbeit"})


def test_a_status_that_rules_the_need_out_makes_it_not_applicable() -> None:
    assert applicability(NATURALISATION, TargetGroup(22, 22, ("duldung",))).status == "not_applicable"
    assert applicability(NATURALISATION, TargetGroup(22, 22, ("aufenthaltserlaubnis",))).status == "applies"


def test_an_unknown_status_is_never_not_applicable() -> None:
    found = applicability(NATURALISATION, TargetGroup(22, 22))
    assert (found.status, found.reason and found.reason.code) == ("conditional", "status_unknown")


def test_ages_outside_make_a_persons_need_not_applicable_and_unknown_ages_conditional() -> None:
    assert applicability(SCHOOL, TargetGroup(40, 40)).status == "not_applicable"
    assert applicability(SCHOOL, TargetGroup(10, 10)).status == "applies"
    assert applicability(SCHOOL, TargetGroup(residence_statuses=("duldung",))).status == "conditional"


def test_a_household_need_applies_to_the_child_and_is_conditional_for_adults() -> None:
    assert applicability(KITA, TargetGroup(3, 3)).status == "applies"
    assert applicability(KITA, TargetGroup(22, 22, ("duldung",))).status == "conditional"


def test_an_organisations_need_never_applies_to_a_group_and_everything_applies_to_everyone() -> None:
    assert applicability(OPENING, TargetGroup()).status == "not_applicable"
    assert all(applicability(n, None).status == "applies" for n in (NATURALISATION, KITA, OPENING, SCHOOL))


def _catalogue() -> Catalogue:
    work = Offer(Node("Service", "svc:arbeit", {"name": "Arbeit"}), ("org:a",), ("need:arbeit",), (), ("mun:olfen",))
    needs = {n.id: n for n in (NATURALISATION, KITA, OPENING, WORK)}
    return Catalogue(geography(), {work.id: work}, needs=needs)


def test_coverage_leaves_out_needs_the_group_cannot_have_and_marks_possible_gaps() -> None:
    group = for_target_group(_catalogue(), TargetGroup(22, 22, ("duldung",)))
    gaps = coverage_gaps(group, DAY, municipalities=["mun:olfen"])
    assert {(g.need, g.condition.code if g.condition else None) for g in gaps} == {("need:kita", "household_child")}
    cells = {c.need: c for c in coverage("mun:olfen", group, DAY)}
    assert not cells["need:einbuergerung"].gap
    assert cells["need:einbuergerung"].applicability.not_applicable
    assert cells["need:kita"].gap
    everyone = {g.need for g in coverage_gaps(_catalogue(), DAY, municipalities=["mun:olfen"])}
    assert everyone == {"need:einbuergerung", "need:kita", "need:oeffnung"}


def test_changes_and_the_matrix_follow_the_same_rule() -> None:
    group = for_target_group(_catalogue(), TargetGroup(22, 22, ("duldung",)))
    changes = coverage_changes(group, DAY, dt.date(2022, 1, 1))
    assert changes.opened == ()
    assert changes.closed == ()
    matrix = coverage_matrix(group, DAY)
    assert matrix.applies("need:einbuergerung").not_applicable
    assert {g.need for g in matrix.gaps if g.municipality == "mun:olfen"} == {"need:kita"}
    assert matrix.population_in_gaps("need:kita") == 0  # a possible gap weighs nothing until its condition is known
