"""The applicability rules at their edges: each age bound, open ends, whole status sets, and what an answer carries."""

from __future__ import annotations

import dataclasses

import pytest

from kimnet.graph.model.kinds import Node
from kimnet.graph.rules.applicability import APPLIES, AUDIENCES, Applicability, NeedReason, applicability
from kimnet.graph.rules.availability import TargetGroup

SCHULE = Node("Need", "need:schule", {"name": "Schule", "minAge": 6, "maxAge": 18})
JUGENDHILFE = Node("Need", "need:jugendhilfe", {"name": "Jugendhilfe", "maxAge": 17})
RENTE = Node("Need", "need:rente", {"name": "Rente", "minAge": 63})
KITA = Node("Need", "need:kita", {"name": "Kita", "audience": "household", "minAge": 1, "maxAge": 5})
ELTERNGELD = Node("Need", "need:elterngeld", {"name": "Elterngeld", "audience": "household", "maxAge": 1})
SCHULWEG = Node("Need", "need:schulweg", {"name": "Schulweg", "audience": "household", "minAge": 6})
FAMILIENBERATUNG = Node("Need", "need:familienberatung", {"name": "Familienberatung", "audience": "household"})
EINBUERGERUNG = Node(
    "Need",
    "need:einbuergerung",
    {
        "name": "Einbürgerung",
        "notForStatuses": ("duldung", "gestattung"),
        "minAge": 16,
        "applicabilitySource": "§ 10 StAG",
        "applicabilityIllustrative": True,
    },
)


def _status(need: Node, group: TargetGroup | None) -> str:
    return applicability(need, group).status


def test_a_persons_need_applies_at_both_of_its_age_bounds_and_not_one_year_beyond() -> None:
    assert [_status(SCHULE, TargetGroup(age, age)) for age in (5, 6, 18, 19)] == [
        "not_applicable",
        "applies",
        "applies",
        "not_applicable",
    ]


def test_a_group_whose_ages_reach_into_the_needs_applies() -> None:
    assert _status(SCHULE, TargetGroup(3, 6)) == "applies"
    assert _status(SCHULE, TargetGroup(18, 30)) == "applies"
    assert _status(SCHULE, TargetGroup(0, 99)) == "applies"


def test_an_open_age_end_bounds_nothing() -> None:
    assert [_status(JUGENDHILFE, TargetGroup(age, age)) for age in (0, 17, 18)] == ["applies", "applies", "not_applicable"]
    assert [_status(RENTE, TargetGroup(age, age)) for age in (62, 63, 90)] == ["not_applicable", "applies", "applies"]


def test_ages_outside_give_the_needs_ages_and_the_groups_youngest() -> None:
    found = applicability(SCHULE, TargetGroup(40, 45))
    assert found.reason == NeedReason("age_outside", min_age=6, max_age=18, age=40)


def test_half_given_or_missing_ages_of_the_group_are_unknown_ages() -> None:
    for group in (TargetGroup(10, None), TargetGroup(None, 10), TargetGroup()):
        found = applicability(SCHULE, group)
        assert (found.status, found.reason) == ("conditional", NeedReason("age_unknown", min_age=6, max_age=18))


def test_a_household_need_applies_only_when_every_age_of_the_group_is_a_childs_of_its_ages() -> None:
    assert [_status(KITA, TargetGroup(low, high)) for low, high in ((1, 1), (5, 5), (1, 5))] == ["applies"] * 3
    for low, high in ((0, 0), (6, 6), (0, 3), (3, 6), (None, 3), (3, None)):
        found = applicability(KITA, TargetGroup(low, high))
        assert (found.status, found.reason) == ("conditional", NeedReason("household_child", min_age=1, max_age=5))


def test_a_household_need_with_one_open_age_end() -> None:
    assert [_status(ELTERNGELD, TargetGroup(age, age)) for age in (0, 1, 2)] == ["applies", "applies", "conditional"]
    assert [_status(SCHULWEG, TargetGroup(age, age)) for age in (5, 6, 40)] == ["conditional", "applies", "applies"]


def test_a_household_need_without_ages_is_conditional_for_every_group() -> None:
    found = applicability(FAMILIENBERATUNG, TargetGroup(3, 3))
    assert (found.status, found.reason) == ("conditional", NeedReason("household_child"))


def test_a_need_is_not_applicable_only_when_every_status_of_the_group_excludes_it() -> None:
    found = applicability(EINBUERGERUNG, TargetGroup(30, 30, ("gestattung", "duldung")))
    assert (found.status, found.reason) == (
        "not_applicable",
        NeedReason("status_excluded", ("duldung", "gestattung"), "gestattung"),
    )
    assert _status(EINBUERGERUNG, TargetGroup(30, 30, ("duldung",))) == "not_applicable"
    assert _status(EINBUERGERUNG, TargetGroup(30, 30, ("duldung", "niederlassungserlaubnis"))) == "applies"


def test_statuses_that_allow_the_need_leave_its_ages_to_decide() -> None:
    assert _status(EINBUERGERUNG, TargetGroup(10, 10, ("niederlassungserlaubnis",))) == "not_applicable"
    assert _status(EINBUERGERUNG, TargetGroup(None, None, ("niederlassungserlaubnis",))) == "conditional"


def test_statuses_that_are_not_a_list_of_words_exclude_nothing() -> None:
    odd = Node("Need", "need:x", {"name": "X", "notForStatuses": "duldung"})
    assert _status(odd, TargetGroup(30, 30, ("duldung",))) == "applies"
    mixed = Node("Need", "need:y", {"name": "Y", "notForStatuses": ("duldung", 7)})
    assert applicability(mixed, TargetGroup(30, 30)).reason == NeedReason("status_unknown", ("duldung",))


def test_every_answer_carries_the_needs_source_and_whether_its_rule_is_illustrative() -> None:
    groups = (None, TargetGroup(30, 30), TargetGroup(30, 30, ("duldung",)), TargetGroup(10, 10, ("aufenthaltserlaubnis",)))
    for group in groups:
        found = applicability(EINBUERGERUNG, group)
        assert (found.source, found.illustrative) == ("§ 10 StAG", True)
    plain = applicability(SCHULE, TargetGroup(10, 10))
    assert (plain.source, plain.illustrative) == (None, False)
    unsourced = Node("Need", "need:z", {"name": "Z", "applicabilitySource": 10, "applicabilityIllustrative": False})
    assert (applicability(unsourced, None).source, applicability(unsourced, None).illustrative) == (None, False)


def test_the_answers_tell_their_status() -> None:
    assert (APPLIES.applies, APPLIES.not_applicable, APPLIES.reason) == (True, False, None)
    assert applicability(SCHULE, None) == Applicability("applies")
    conditional = Applicability("conditional", NeedReason("age_unknown"))
    excluded = Applicability("not_applicable", NeedReason("age_outside"))
    assert (conditional.applies, conditional.not_applicable) == (False, False)
    assert (excluded.applies, excluded.not_applicable) == (False, True)


def test_each_audience_the_model_allows_has_its_own_rule() -> None:
    # One need of ages 1 to 5 per audience, asked for a 30-year-old: a person's is out of age, a
    # household's depends on a child, an organisation's is no person's at all.
    found = {}
    for audience in AUDIENCES:
        need = Node("Need", f"need:{audience}", {"name": audience, "audience": audience, "minAge": 1, "maxAge": 5})
        answer = applicability(need, TargetGroup(30, 30))
        found[audience] = (answer.status, answer.reason and answer.reason.code)
    assert found == {
        "person": ("not_applicable", "age_outside"),
        "household": ("conditional", "household_child"),
        "organisation": ("not_applicable", "organisation_need"),
    }


def test_a_reason_leaves_what_it_does_not_refer_to_empty() -> None:
    reason = applicability(SCHULE, TargetGroup()).reason
    assert reason is not None
    assert (reason.statuses, reason.status, reason.age) == ((), None, None)


def test_answers_cannot_be_changed_once_given() -> None:
    # APPLIES is one object shared by every coverage cell that has no rule of its own.
    with pytest.raises(dataclasses.FrozenInstanceError):
        APPLIES.status = "not_applicable"  # type: ignore[misc]
    reason = applicability(SCHULE, TargetGroup(40, 40)).reason
    with pytest.raises(dataclasses.FrozenInstanceError):
        reason.age = 10  # type: ignore[misc, union-attr]
