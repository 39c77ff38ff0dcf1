"""The county's coverage matrix: every municipality against every need, and what changes between two days."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kimnet.graph.model.kinds import Node
from kimnet.graph.rules.applicability import APPLIES
from kimnet.graph.rules.catalogue import Catalogue, Geography
from kimnet.graph.rules.coverage_matrix import CoverageMatrix, coverage_matrix
from tests.graph.places import geography
from tests.graph.test_coverage import LANGUAGE, TRAINING, catalogue, offer

SPRING, WINTER = dt.date(2022, 6, 1), dt.date(2023, 1, 1)


def test_rows_are_municipalities_by_population_and_cells_the_closest_level() -> None:
    found = coverage_matrix(catalogue(offer("svc:kurs-olfen", "mun:olfen"), offer("svc:kurs-mitte", "reg:mitte")), SPRING)
    assert found.municipalities == ("mun:duelmen", "mun:nottuln", "mun:olfen")
    assert found.needs == (TRAINING, LANGUAGE)  # by name
    assert [found.level(m, LANGUAGE) for m in found.municipalities] == ["region", "region", "municipality"]
    assert [found.level(m, TRAINING) for m in found.municipalities] == [None, None, None]


def test_gaps_are_weighted_by_population() -> None:
    found = coverage_matrix(catalogue(offer("svc:kurs-olfen", "mun:olfen")), SPRING)
    assert found.population_in_gaps(LANGUAGE) == 46800 + 19800
    assert found.population_in_gaps(TRAINING) == 46800 + 19800 + 12900
    assert [(g.municipality, g.population) for g in found.gaps[:2]] == [("mun:duelmen", 46800), ("mun:duelmen", 46800)]


def test_a_second_day_shows_the_gaps_that_open_and_close_and_the_needs_that_move() -> None:
    ending = offer("svc:kurs-olfen", "mun:olfen", validTo=dt.date(2022, 12, 31))
    starting = offer("svc:training-kreis", "reg:kreis", needs=(TRAINING,), validFrom=dt.date(2022, 9, 1))
    moving = offer("svc:kurs-duelmen", "mun:duelmen", validTo=dt.date(2022, 12, 31))
    county = offer("svc:kurs-mitte", "reg:mitte")
    found = coverage_matrix(catalogue(ending, starting, moving, county), SPRING, compare=WINTER)
    assert found.change("mun:olfen", LANGUAGE) == "opened"
    assert found.change("mun:olfen", TRAINING) == "closed"
    assert found.change("mun:duelmen", LANGUAGE) == "moved"
    assert found.change("mun:nottuln", LANGUAGE) == "same"
    assert found.changes is not None
    assert [(g.municipality, g.need) for g in found.changes.opened] == [("mun:olfen", LANGUAGE)]
    assert {g.municipality for g in found.changes.closed} == {"mun:duelmen", "mun:nottuln", "mun:olfen"}
    assert found.population_in_gaps(LANGUAGE, compared=True) == 12900


def test_asking_for_a_change_without_a_second_day_is_an_error() -> None:
    found = coverage_matrix(catalogue(), SPRING)
    with pytest.raises(ValueError, match=r"^the matrix has no second day to compare with$"):
        found.change("mun:olfen", LANGUAGE)


def test_a_matrix_of_one_day_has_nothing_compared() -> None:
    found = coverage_matrix(catalogue(offer("svc:kurs-olfen", "mun:olfen")), SPRING)
    assert (found.compare, found.levels_compared, found.gaps_compared, found.changes) == (None, {}, (), None)
    assert found.population_in_gaps(LANGUAGE, compared=True) == 0
    with pytest.raises(KeyError):
        found.level("mun:olfen", LANGUAGE, compared=True)


def test_without_a_target_group_every_need_applies_also_one_the_matrix_was_not_told() -> None:
    found = coverage_matrix(catalogue(), SPRING)
    assert all(found.applies(need).applies for need in found.needs)
    assert found.applies("need:unbekannt") is APPLIES
    bare = CoverageMatrix(SPRING, ("mun:olfen",), (LANGUAGE,), {("mun:olfen", LANGUAGE): None}, (), {"mun:olfen": 12900})
    assert bare.applies(LANGUAGE) is APPLIES


def test_a_matrix_cannot_be_changed_once_made() -> None:
    # A value: whoever is handed it (each of the exchange's report writers) cannot change it under the others.
    found = coverage_matrix(catalogue(), SPRING)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.day = WINTER  # type: ignore[misc]


def test_a_municipality_without_a_population_figure_counts_none_and_comes_last() -> None:
    places = geography()
    municipalities = {**places.municipalities, "mun:neu": Node("Municipality", "mun:neu", {"name": "Aaneu"})}
    needs = {LANGUAGE: Node("Need", LANGUAGE, {"name": LANGUAGE})}
    found = coverage_matrix(Catalogue(Geography(municipalities, places.regions, places.parents), {}, needs=needs), SPRING)
    assert found.populations["mun:neu"] == 0
    assert found.municipalities[-1] == "mun:neu"
