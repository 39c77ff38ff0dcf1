"""Coverage per municipality: levels, gaps by population, programme parts, changes over time."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest

from kimnet.graph.model.errors import NotFoundError
from kimnet.graph.model.kinds import Node, Value
from kimnet.graph.rules.availability import TargetGroup, closest_area
from kimnet.graph.rules.catalogue import Catalogue, Geography, Level, Offer
from kimnet.graph.rules.coverage import (
    Changes,
    Gap,
    LevelChange,
    NeedCoverage,
    coverage,
    coverage_changes,
    coverage_gaps,
    programme_gaps,
    responsibilities,
)
from tests.graph.places import POPULATION, geography

DAY = dt.date(2021, 6, 1)
LANGUAGE, TRAINING = "need:sprache", "need:ausbildung"


def offer(
    id_: str,
    *areas: str,
    needs: tuple[str, ...] = (LANGUAGE,),
    providers: tuple[str, ...] = ("org:vhs",),
    programmes: tuple[str, ...] = (),
    **props: Value,
) -> Offer:
    return Offer(Node("Service", id_, {"name": id_, **props}), providers, needs, (), areas, programmes)


def catalogue(
    *offers: Offer, programmes: dict[str, Node] | None = None, parents: dict[str, tuple[str, ...]] | None = None
) -> Catalogue:
    needs = {n: Node("Need", n, {"name": n}) for n in (LANGUAGE, TRAINING)}
    return Catalogue(
        geography(), {o.id: o for o in offers}, needs=needs, programmes=programmes or {}, programme_parents=parents or {}
    )


def test_coverage_gives_the_closest_level_per_need_and_none_for_a_gap() -> None:
    county = offer("svc:b-county", "reg:kreis")
    local = offer("svc:z-local", "mun:olfen", statutory=True)
    expired = offer("svc:a-old", "mun:olfen", validTo=dt.date(2020, 12, 31))
    result = coverage("mun:olfen", catalogue(county, local, expired), DAY)
    assert [(c.need, c.level) for c in result] == [(TRAINING, None), (LANGUAGE, "municipality")]
    assert result[1].offers == ((local, "municipality"), (county, "county"))


def test_coverage_of_an_unknown_municipality_raises() -> None:
    with pytest.raises(NotFoundError, match="mun:atlantis"):
        coverage("mun:atlantis", catalogue(), DAY)


def statutory(id_: str, office: str, need: str, domain: str, area: str) -> Offer:
    return Offer(Node("Service", id_, {"name": id_, "statutory": True}), (office,), (need,), (domain,), (area,))


def test_own_youth_office_supersedes_the_county_one() -> None:
    county = statutory("svc:hze-kreis", "org:jugendamt-kreis", "need:familie", "ld:sgb8", "reg:kreis")
    duelmen = statutory("svc:hze-duelmen", "org:jugendamt-duelmen", "need:familie", "ld:sgb8", "mun:duelmen")
    (nottuln,) = responsibilities("mun:nottuln", catalogue(county, duelmen), DAY)
    assert (nottuln.legal_domain, nottuln.organisations, nottuln.level) == ("ld:sgb8", ("org:jugendamt-kreis",), "county")
    (own,) = responsibilities("mun:duelmen", catalogue(county, duelmen), DAY)
    assert (own.offers, own.organisations, own.level) == ((duelmen,), ("org:jugendamt-duelmen",), "municipality")


def test_closer_body_does_not_supersede_a_farther_one_for_other_needs() -> None:
    county = statutory("svc:eingliederung", "org:kreis", "need:gesundheit", "ld:sgb12", "reg:kreis")
    local = statutory("svc:hlu", "org:sozialamt", "need:existenz", "ld:sgb12", "mun:olfen")
    (responsibility,) = responsibilities("mun:olfen", catalogue(county, local, offer("svc:not-statutory", "mun:olfen")), DAY)
    assert responsibility.offers == (local, county)
    assert responsibility.organisations == ("org:kreis", "org:sozialamt")
    assert responsibility.level == "municipality"


def test_gaps_are_ranked_by_population_then_ids() -> None:
    gaps = coverage_gaps(catalogue(offer("svc:kurs", "reg:sued")), DAY)
    assert gaps == (
        Gap("mun:duelmen", 46800, TRAINING),
        Gap("mun:duelmen", 46800, LANGUAGE),
        Gap("mun:nottuln", 19800, TRAINING),
        Gap("mun:nottuln", 19800, LANGUAGE),
        Gap("mun:olfen", 12900, TRAINING),
    )


def test_gaps_can_be_narrowed_to_needs_and_municipalities() -> None:
    gaps = coverage_gaps(
        catalogue(offer("svc:kurs", "reg:sued")), DAY, needs=[LANGUAGE], municipalities=["mun:olfen", "mun:nottuln"]
    )
    assert gaps == (Gap("mun:nottuln", 19800, LANGUAGE),)


def test_gaps_reject_unknown_needs() -> None:
    with pytest.raises(NotFoundError, match="need:fliegen"):
        coverage_gaps(catalogue(), DAY, needs=["need:fliegen"])


def test_gaps_look_at_each_municipality_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    areas_of: Callable[[Geography, str], dict[str, Level]] = Geography.areas_of

    def counting(self: Geography, municipality: str) -> dict[str, Level]:
        calls.append(municipality)
        return areas_of(self, municipality)

    monkeypatch.setattr(Geography, "areas_of", counting)
    offers = [offer(f"svc:{i}", "mun:olfen", needs=(LANGUAGE, TRAINING)) for i in range(200)]
    coverage_gaps(catalogue(*offers), DAY)
    assert sorted(calls) == sorted(POPULATION)


def durchstarten(*offers: Offer, part_valid_to: dt.date | None = None) -> Catalogue:
    programmes = {
        "prog:durchstarten": Node("Programme", "prog:durchstarten", {"name": "Durchstarten", "validTo": dt.date(2022, 12, 31)}),
        "prog:ds-1": Node("Programme", "prog:ds-1", {"name": "Baustein 1"}),
        "prog:ds-5": Node("Programme", "prog:ds-5", {"name": "Baustein 5"}),
        "prog:ds-6": Node(
            "Programme", "prog:ds-6", {"name": "Baustein 6", **({"validTo": part_valid_to} if part_valid_to else {})}
        ),
    }
    parents: dict[str, tuple[str, ...]] = dict.fromkeys(("prog:ds-1", "prog:ds-5", "prog:ds-6"), ("prog:durchstarten",))
    return catalogue(*offers, programmes=programmes, parents=parents)


def test_programme_part_without_any_offer_is_a_gap_in_every_municipality() -> None:
    offers = (offer("svc:bs1", "reg:kreis", programmes=("prog:ds-1",)), offer("svc:bs6", "reg:kreis", programmes=("prog:ds-6",)))
    gaps = programme_gaps(durchstarten(*offers), "prog:durchstarten", DAY)
    assert gaps == tuple(Gap(m, p, None, "prog:ds-5") for m, p in POPULATION.items())
    assert programme_gaps(durchstarten(*offers), "prog:durchstarten", dt.date(2023, 1, 1)) == ()  # the programme ended


def test_programme_part_that_has_ended_is_not_a_gap() -> None:
    offers = (offer("svc:bs1", "reg:kreis", programmes=("prog:ds-1",)), offer("svc:bs5", "reg:kreis", programmes=("prog:ds-5",)))
    catalogue_ = durchstarten(*offers, part_valid_to=dt.date(2021, 5, 31))
    assert programme_gaps(catalogue_, "prog:durchstarten", DAY) == ()
    assert programme_gaps(catalogue_, "prog:durchstarten", dt.date(2023, 1, 1)) == ()  # the whole programme ended


def test_programme_without_parts_stands_for_itself() -> None:
    catalogue_ = durchstarten(offer("svc:bs5", "mun:olfen", programmes=("prog:ds-5",)))
    gaps = programme_gaps(catalogue_, "prog:ds-5", DAY, municipalities=["mun:olfen", "mun:nottuln"])
    assert gaps == (Gap("mun:nottuln", 19800, None, "prog:ds-5"),)
    # A programme gap names no need: one made by naming only the part is the same gap.
    assert gaps == (Gap("mun:nottuln", 19800, programme="prog:ds-5"),)


def test_gaps_open_when_an_offer_ends_and_close_when_one_starts() -> None:
    ending = offer("svc:ending", "reg:mitte", validTo=dt.date(2022, 12, 31))
    starting = offer("svc:starting", "mun:olfen", validFrom=dt.date(2022, 7, 1))
    changes = coverage_changes(catalogue(ending, starting), DAY, dt.date(2023, 1, 1), needs=[LANGUAGE])
    assert changes.opened == (Gap("mun:duelmen", 46800, LANGUAGE), Gap("mun:nottuln", 19800, LANGUAGE))
    assert changes.closed == (Gap("mun:olfen", 12900, LANGUAGE),)


def test_target_groups_with_open_bounds_overlap() -> None:
    assert TargetGroup(min_age=18).overlaps(TargetGroup(max_age=18))
    assert not TargetGroup(min_age=19).overlaps(TargetGroup(max_age=18))
    assert TargetGroup(residence_statuses=("duldung",)).overlaps(TargetGroup())


def test_closest_area_prefers_the_nearest_level_whatever_the_link_order() -> None:
    areas = geography().areas_of("mun:olfen")
    assert closest_area(offer("svc:x", "reg:kreis", "mun:olfen", "reg:sued"), areas) == "mun:olfen"
    assert closest_area(offer("svc:y", "mun:nottuln"), areas) is None


def test_when_a_programme_ends_its_parts_open_gaps_even_where_offers_still_run() -> None:
    # The offers have no end date of their own: the programme's end is what ends them as its parts.
    offers = (offer("svc:bs1", "reg:kreis", programmes=("prog:ds-1",)), offer("svc:bs6", "mun:olfen", programmes=("prog:ds-6",)))
    changes = coverage_changes(durchstarten(*offers), DAY, dt.date(2023, 1, 1), programme="prog:durchstarten")
    opened = {(g.municipality, g.programme) for g in changes.opened}
    assert opened == {(m, "prog:ds-1") for m in POPULATION} | {("mun:olfen", "prog:ds-6")}
    assert changes.closed == ()


def test_coordination_covers_no_need() -> None:
    case_management = offer("svc:cm", "reg:kreis", needs=(LANGUAGE, TRAINING), coordination=True)
    course = offer("svc:course", "mun:olfen")
    found = {c.need: c.level for c in coverage("mun:olfen", catalogue(case_management, course), DAY)}
    assert found == {LANGUAGE: "municipality", TRAINING: None}
    assert {(g.municipality, g.need) for g in coverage_gaps(catalogue(case_management), DAY)} == {
        (m, n) for m in POPULATION for n in (LANGUAGE, TRAINING)
    }


def test_changes_read_the_later_day_from_its_own_catalogue() -> None:
    # A relationship that ends (the course leaves Olfen) shows up only in the later day's catalogue.
    before = catalogue(offer("svc:course", "mun:olfen"))
    after = catalogue(offer("svc:course", "mun:nottuln"))
    changes = coverage_changes(before, DAY, dt.date(2022, 1, 1), needs=[LANGUAGE], later=after)
    assert changes.opened == (Gap("mun:olfen", 12900, LANGUAGE),)
    assert changes.closed == (Gap("mun:nottuln", 19800, LANGUAGE),)


END = dt.date(2023, 1, 1)


@pytest.mark.parametrize(
    ("ask", "message"),
    [
        (
            lambda c: coverage("mun:atlantis", c, DAY),
            "unknown municipality id(s) mun:atlantis; use ids from the catalogue's municipalities",
        ),
        (
            lambda c: responsibilities("mun:atlantis", c, DAY),
            "unknown municipality id(s) mun:atlantis; use ids from the catalogue's municipalities",
        ),
        (
            lambda c: coverage_gaps(c, DAY, municipalities=["mun:olfen", "mun:avalon", "mun:atlantis"]),
            "unknown municipality id(s) mun:atlantis, mun:avalon; use ids from the catalogue's municipalities",
        ),
        (
            lambda c: coverage_gaps(c, DAY, needs=[LANGUAGE, "need:fliegen"]),
            "unknown need id(s) need:fliegen; use ids from the catalogue's needs",
        ),
        (
            lambda c: programme_gaps(c, "prog:gone", DAY),
            "unknown programme id(s) prog:gone; use ids from the catalogue's programmes",
        ),
        (
            lambda c: coverage_changes(c, DAY, END, needs=["need:fliegen"]),
            "unknown need id(s) need:fliegen; use ids from the catalogue's needs",
        ),
    ],
)
def test_unknown_ids_are_named_all_at_once_with_what_they_should_be(ask: Callable[[Catalogue], object], message: str) -> None:
    # The message goes to the client as is: it names every unknown id (sorted) and the kind of id expected.
    with pytest.raises(NotFoundError) as raised:
        ask(durchstarten())
    assert str(raised.value) == message


def test_a_municipality_without_a_population_figure_weighs_nothing() -> None:
    base = geography()
    lippe = Node("Municipality", "mun:lippe", {"name": "Lippe"})
    places = Geography({**base.municipalities, "mun:lippe": lippe}, base.regions, base.parents)
    needs = {LANGUAGE: Node("Need", LANGUAGE, {"name": LANGUAGE})}
    gaps = coverage_gaps(Catalogue(places, {}, needs=needs), DAY)
    assert gaps[-1] == Gap("mun:lippe", 0, LANGUAGE)


def test_a_need_without_an_offer_is_a_gap_unless_said_otherwise() -> None:
    assert NeedCoverage(LANGUAGE, None, ()).gap
    assert not NeedCoverage(LANGUAGE, "county", ((offer("svc:x", "reg:kreis"), "county"),)).gap


def test_changes_list_the_needs_covered_on_both_days_from_another_level_largest_place_first() -> None:
    offers = (
        offer("svc:county", "reg:kreis"),
        offer("svc:mitte", "reg:mitte", validTo=dt.date(2022, 12, 31)),  # Dülmen, Nottuln: region -> county
        offer("svc:olfen", "mun:olfen", validFrom=dt.date(2022, 7, 1)),  # Olfen: county -> municipality
        offer("svc:t-olfen", "mun:olfen", needs=(TRAINING,)),  # unchanged
        offer("svc:t-nottuln", "mun:nottuln", needs=(TRAINING,), validTo=dt.date(2022, 12, 31)),  # opens a gap
        offer("svc:t-duelmen", "mun:duelmen", needs=(TRAINING,), validFrom=dt.date(2022, 7, 1)),  # closes a gap
    )
    changes = coverage_changes(catalogue(*offers), DAY, END)
    assert changes.moved == (
        LevelChange("mun:duelmen", 46800, LANGUAGE, "region", "county"),
        LevelChange("mun:nottuln", 19800, LANGUAGE, "region", "county"),
        LevelChange("mun:olfen", 12900, LANGUAGE, "county", "municipality"),
    )
    assert changes.opened == (Gap("mun:nottuln", 19800, TRAINING),)
    assert changes.closed == (Gap("mun:duelmen", 46800, TRAINING),)


def test_changes_list_the_offers_that_ended_and_started_between_the_days() -> None:
    offers = {
        "running": offer("svc:running", "reg:kreis"),
        "gone": offer("svc:gone", "reg:kreis", validTo=dt.date(2020, 12, 31)),  # valid on neither day
        "future": offer("svc:future", "reg:kreis", validFrom=dt.date(2024, 1, 1)),  # valid on neither day
        "ends-b": offer("svc:ends-b", "mun:olfen", validTo=dt.date(2022, 12, 31)),
        "ends-a": offer("svc:ends-a", "reg:mitte", validTo=dt.date(2021, 6, 1)),  # its last day is the first day
        "starts": offer("svc:starts", "mun:nottuln", validFrom=dt.date(2023, 1, 1)),  # its first day is the last day
    }
    later = offer("svc:later", "mun:duelmen", validFrom=dt.date(2022, 1, 1))  # only in the later day's catalogue
    changes = coverage_changes(catalogue(*offers.values()), DAY, END, later=catalogue(*offers.values(), later))
    assert changes.ended == (offers["ends-a"], offers["ends-b"])
    assert changes.started == (later, offers["starts"])


def test_programme_changes_list_only_the_offers_of_the_programme_and_no_moves() -> None:
    offers = {
        "part": offer("svc:bs1", "reg:kreis", programmes=("prog:ds-1",), validTo=dt.date(2022, 6, 30)),
        "whole": offer("svc:ds", "mun:olfen", programmes=("prog:durchstarten",), validTo=dt.date(2022, 6, 30)),
        "new-part": offer("svc:bs5", "mun:olfen", programmes=("prog:ds-5",), validFrom=dt.date(2022, 7, 1)),
        "other-ends": offer("svc:other", "reg:kreis", validTo=dt.date(2022, 6, 30)),
        "other-starts": offer("svc:next", "reg:kreis", programmes=("prog:else",), validFrom=dt.date(2022, 7, 1)),
    }
    changes = coverage_changes(durchstarten(*offers.values()), DAY, dt.date(2022, 12, 1), programme="prog:durchstarten")
    assert changes.ended == (offers["part"], offers["whole"])
    assert changes.started == (offers["new-part"],)
    assert changes.moved == ()
    assert {(g.municipality, g.programme) for g in changes.opened} == {(m, "prog:ds-1") for m in POPULATION}
    assert changes.closed == (Gap("mun:olfen", 12900, None, "prog:ds-5"),)


def test_a_link_to_something_that_is_not_a_programme_does_not_keep_a_part_alive() -> None:
    # Baustein 6 is also PART_OF a node that is no programme of the catalogue: skipped, the walk goes on
    # to Durchstarten, whose end still opens the gap where Baustein 6 was offered.
    catalogue_ = durchstarten(offer("svc:bs6", "mun:olfen", programmes=("prog:ds-6",)))
    catalogue_.programme_parents["prog:ds-6"] = ("prog:durchstarten", "org:not-a-programme")
    assert programme_gaps(catalogue_, "prog:ds-6", DAY, municipalities=["mun:olfen"]) == ()
    changes = coverage_changes(catalogue_, DAY, END, programme="prog:ds-6", municipalities=["mun:olfen"])
    assert changes.opened == (Gap("mun:olfen", 12900, programme="prog:ds-6"),)


def test_answers_are_frozen() -> None:
    county = statutory("svc:hze-kreis", "org:jugendamt-kreis", "need:familie", "ld:sgb8", "reg:kreis")
    mitte = offer("svc:mitte", "reg:mitte", validTo=dt.date(2022, 12, 31))
    catalogue_ = catalogue(county, mitte, offer("svc:county", "reg:kreis"))
    changes = coverage_changes(catalogue_, DAY, END)
    answers = (
        coverage("mun:olfen", catalogue_, DAY)[0],
        responsibilities("mun:olfen", catalogue_, DAY)[0],
        changes.moved[0],
        changes,
    )
    for answer in answers:
        field = dataclasses.fields(answer)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(answer, field, getattr(answer, field))


def test_changes_that_name_only_gaps_moved_ended_and_started_nothing() -> None:
    changes = Changes(opened=(Gap("mun:olfen", 12900, LANGUAGE),), closed=())
    assert (changes.moved, changes.ended, changes.started) == ((), (), ())
