"""Field tests and anchors of the filter predicates, as pure functions: each operator at its edges, missing values, mixed types."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kimnet.graph.model.kinds import Node

# Imported under another name: pytest would take a module-level test_field for a test.
from kimnet.graph.rules.filtering import AllOf, Anchor, AnyOf, FieldTest, Not, Op, Related, anchor
from kimnet.graph.rules.filtering import test_field as field_passes

OLFEN = Node(
    "Municipality",
    "mun:olfen",
    {"name": "Olfen", "population": 12900, "share": 0.5, "populationDate": dt.date(2023, 12, 31), "illustrative": True},
)
KURS = Node("Service", "svc:kurs", {"name": "Sprachkurs", "languages": ("de", "ar"), "residenceStatuses": ()})


def _passes(node: Node, field: str, op: Op, value: object) -> bool:
    return field_passes(node, FieldTest(field, op, value))


def test_the_id_is_tested_as_the_stable_key() -> None:
    assert _passes(OLFEN, "id", "eq", "mun:olfen")
    assert not _passes(OLFEN, "id", "eq", "Olfen")
    assert _passes(OLFEN, "id", "in", ("mun:a", "mun:olfen"))


def test_equality_and_membership() -> None:
    assert (_passes(OLFEN, "name", "eq", "Olfen"), _passes(OLFEN, "name", "eq", "olfen")) == (True, False)
    assert (_passes(OLFEN, "name", "ne", "Olfen"), _passes(OLFEN, "name", "ne", "Lüdinghausen")) == (False, True)
    assert (_passes(OLFEN, "name", "in", ("Olfen", "Nordkirchen")), _passes(OLFEN, "name", "in", ("Nordkirchen",))) == (
        True,
        False,
    )
    assert (_passes(OLFEN, "name", "notIn", ("Olfen",)), _passes(OLFEN, "name", "notIn", ("Nordkirchen",))) == (False, True)


def test_a_missing_value_passes_only_ne_not_in_and_is_null() -> None:
    passed = {
        op: _passes(OLFEN, "website", op, "x")
        for op in ("eq", "ne", "in", "notIn", "contains", "startsWith", "gt", "lte", "includes")
    }
    assert passed == {
        "eq": False,
        "ne": True,
        "in": False,
        "notIn": True,
        "contains": False,
        "startsWith": False,
        "gt": False,
        "lte": False,
        "includes": False,
    }
    assert (_passes(OLFEN, "website", "isNull", True), _passes(OLFEN, "website", "isNull", False)) == (True, False)
    assert (_passes(OLFEN, "name", "isNull", True), _passes(OLFEN, "name", "isNull", False)) == (False, True)


def test_is_empty_tells_empty_and_missing_lists_from_filled_ones() -> None:
    assert (_passes(KURS, "residenceStatuses", "isEmpty", True), _passes(KURS, "residenceStatuses", "isEmpty", False)) == (
        True,
        False,
    )
    assert (_passes(KURS, "languages", "isEmpty", True), _passes(KURS, "languages", "isEmpty", False)) == (False, True)
    assert _passes(KURS, "fundedBy", "isEmpty", True)


def test_contains_and_starts_with_ignore_case_and_need_a_text() -> None:
    assert [_passes(KURS, "name", "contains", v) for v in ("KURS", "sprach", "Kurse")] == [True, True, False]
    assert [_passes(KURS, "name", "startsWith", v) for v in ("SPRACH", "kurs")] == [True, False]
    assert not _passes(OLFEN, "population", "contains", "129")
    assert not _passes(OLFEN, "population", "startsWith", "129")


def test_includes_asks_a_list_for_one_value_and_includes_any_for_one_of_several() -> None:
    assert [_passes(KURS, "languages", "includes", v) for v in ("ar", "en")] == [True, False]
    assert [_passes(KURS, "languages", "includesAny", v) for v in (("en", "ar"), ("en", "fr"))] == [True, False]
    assert not _passes(KURS, "name", "includes", "Sprachkurs")
    assert not _passes(KURS, "name", "includesAny", ("Sprachkurs",))


@pytest.mark.parametrize(
    ("op", "below", "equal", "above"),
    [("gt", False, False, True), ("gte", False, True, True), ("lt", True, False, False), ("lte", True, True, False)],
)
def test_comparisons_at_their_bound(op: Op, below: bool, equal: bool, above: bool) -> None:
    # The value is 12900; "below" means the value lies below the bound it is compared with.
    assert [_passes(OLFEN, "population", op, bound) for bound in (12901, 12900, 12899)] == [below, equal, above]
    assert [_passes(OLFEN, "share", op, bound) for bound in (0.6, 0.5, 0.4)] == [below, equal, above]
    assert [_passes(OLFEN, "name", op, bound) for bound in ("Olfeo", "Olfen", "Olfem")] == [below, equal, above]
    day = dt.date(2023, 12, 31)
    one = dt.timedelta(days=1)
    assert [_passes(OLFEN, "populationDate", op, bound) for bound in (day + one, day, day - one)] == [below, equal, above]


def test_values_of_different_kinds_are_never_in_order() -> None:
    for op in ("gt", "gte", "lt", "lte"):
        assert not _passes(OLFEN, "population", op, "12900")
        assert not _passes(OLFEN, "name", op, 5)
        assert not _passes(OLFEN, "populationDate", op, "2023-12-31")
        # A flag is no number, though Python counts True as 1.
        assert not _passes(OLFEN, "illustrative", op, 1)
        assert not _passes(OLFEN, "population", op, True)
    assert _passes(OLFEN, "population", "gt", 0.5)


def test_an_anchor_is_a_chain_of_some_conditions_ending_in_named_ids() -> None:
    assert anchor(FieldTest("id", "eq", "reg:kreis")) == Anchor((), ("reg:kreis",), True)
    assert anchor(FieldTest("id", "in", ("mun:a", "mun:b"))) == Anchor((), ("mun:a", "mun:b"), True)
    chain = Related("memberOf", "some", Related("partOf", "some", FieldTest("id", "eq", "wg:ag")))
    assert anchor(chain) == Anchor(("memberOf", "partOf"), ("wg:ag",), True)


def test_no_anchor_without_named_ids_at_the_end_of_a_some_chain() -> None:
    for predicate in (
        FieldTest("id", "ne", "mun:a"),
        FieldTest("id", "eq", 5),
        FieldTest("id", "in", ("mun:a", 5)),
        FieldTest("id", "in", "mun:a"),
        FieldTest("name", "eq", "mun:a"),
        FieldTest("name", "in", ("mun:a",)),
        Related("locatedIn", "none", FieldTest("id", "eq", "mun:a")),
        Related("locatedIn", "some", FieldTest("name", "eq", "Olfen")),
        AnyOf((FieldTest("id", "eq", "mun:a"), FieldTest("id", "eq", "mun:b"))),
        Not(FieldTest("id", "eq", "mun:a")),
        AllOf((FieldTest("name", "eq", "Olfen"),)),
        AllOf(()),
    ):
        assert anchor(predicate) is None, predicate


def test_of_all_conditions_the_one_naming_fewest_ids_anchors_and_the_rest_stays_to_check() -> None:
    two = Related("locatedIn", "some", FieldTest("id", "in", ("mun:a", "mun:b")))
    one = Related("memberOf", "some", FieldTest("id", "eq", "wg:ag"))
    assert anchor(AllOf((two, one))) == Anchor(("memberOf",), ("wg:ag",), False)
    assert anchor(AllOf((one, two))) == Anchor(("memberOf",), ("wg:ag",), False)
    # Among equally many ids the longer chain wins: it starts further from the filtered entities.
    longer = Related("providedBy", "some", Related("locatedIn", "some", FieldTest("id", "eq", "mun:a")))
    assert anchor(AllOf((one, longer))) == Anchor(("providedBy", "locatedIn"), ("mun:a",), False)
    assert anchor(AllOf((longer, one))) == Anchor(("providedBy", "locatedIn"), ("mun:a",), False)
    # Inside a chain an AllOf anchors part of the way: the whole chain is no longer the predicate.
    nested = Related("providedBy", "some", AllOf((FieldTest("name", "eq", "X"), FieldTest("id", "eq", "org:a"))))
    assert anchor(nested) == Anchor(("providedBy",), ("org:a",), False)


def test_predicates_are_values_alike_when_built_alike_and_never_changed() -> None:
    def build() -> tuple[object, ...]:
        leaf = FieldTest("id", "eq", "mun:a")
        return (leaf, AllOf((leaf,)), AnyOf((leaf,)), Not(leaf), Related("locatedIn", "some", leaf), Anchor((), ("mun:a",)))

    for first, second in zip(build(), build(), strict=True):
        assert first == second
        assert len({first, second}) == 1, first
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(first, dataclasses.fields(first)[0].name, None)  # type: ignore[arg-type]
