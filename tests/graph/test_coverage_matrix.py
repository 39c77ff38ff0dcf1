"""The county's coverage matrix: every municipality against every need, and what changes between two days."""

from __future__ import annotations

import datetime as dt

import pytest

from kimnet.graph.rules.coverage_matrix import coverage_matrix
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
    with pytest.raises(ValueError, match="no second day"):
        found.change("mun:olfen", LANGUAGE)
