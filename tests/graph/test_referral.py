"""Referral of one case: eligibility, exclusion reasons, ranking, responsibilities, case conference."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import networkx as nx
import pytest

from kimnet.graph.model.errors import NotFoundError
from kimnet.graph.model.kinds import Node, Value
from kimnet.graph.rules import conference as conference_rules
from kimnet.graph.rules.catalogue import Catalogue, Offer
from kimnet.graph.rules.referral import Case, CaseManagerPost, Exclusion, Reason, place, refer
from tests.graph.places import geography

DAY = dt.date(2021, 6, 1)
TRAINING, WORK, FAMILY = "need:ausbildung", "need:arbeit", "need:familie"


def offer(
    id_: str,
    provider: str,
    *,
    needs: tuple[str, ...] = (TRAINING,),
    domains: tuple[str, ...] = ("ld:sgb3",),
    areas: tuple[str, ...] = ("mun:olfen",),
    **props: Value,
) -> Offer:
    return Offer(Node("Service", id_, {"name": id_, **props}), (provider,), needs, domains, areas)


def catalogue(*offers: Offer) -> Catalogue:
    return Catalogue(geography(), {o.id: o for o in offers})


def case(
    municipality: str = "mun:olfen",
    needs: tuple[str, ...] = (TRAINING,),
    age: int | None = None,
    residence_status: str | None = None,
    languages: tuple[str, ...] = (),
) -> Case:
    return Case(municipality, DAY, age, residence_status, needs, languages)


def test_eligible_offer_says_why_it_matched() -> None:
    kurs = offer("svc:kurs", "org:vhs", minAge=18, maxAge=27, residenceStatuses=("duldung", "gestattung"), languages=("ar", "fa"))
    result = refer(case(age=22, residence_status="duldung", languages=("ar",)), catalogue(kurs), [], nx.Graph())
    (match,) = result.per_need[TRAINING]
    assert match.offer is kurs
    assert (match.need, match.level, match.language_match) == (TRAINING, "municipality", True)
    assert match.reasons == (
        Reason("available", area="mun:olfen", area_name="Olfen", level="municipality"),
        Reason("age_within", age=22, min_age=18, max_age=27),
        Reason("status_eligible", status="duldung", statuses=("duldung", "gestattung")),
        Reason("languages", languages=("ar",)),
    )
    assert not match.conditional
    assert not match.illustrative
    assert result.excluded == ()


def test_excluded_offer_lists_every_failing_reason() -> None:
    kurs = offer(
        "svc:kurs",
        "org:vhs",
        areas=("mun:nottuln",),
        maxAge=21,
        residenceStatuses=("aufenthaltserlaubnis", "niederlassungserlaubnis"),
        validFrom=dt.date(2019, 5, 1),
        validTo=dt.date(2020, 12, 31),
    )
    result = refer(case(age=22, residence_status="duldung"), catalogue(kurs), [], nx.Graph())
    assert result.per_need[TRAINING] == ()
    (exclusion,) = result.excluded
    assert (exclusion.offer, exclusion.need) == (kurs, TRAINING)
    assert exclusion.reasons == (
        Reason("not_valid", day=DAY, valid_from=dt.date(2019, 5, 1), valid_to=dt.date(2020, 12, 31)),
        Reason("not_available", area="mun:olfen", area_name="Olfen"),
        Reason("age_above", age=22, max_age=21),
        Reason("status_not_eligible", status="duldung", statuses=("aufenthaltserlaubnis", "niederlassungserlaubnis")),
    )
    assert [r.kind for r in exclusion.reasons] == ["validity", "area", "age", "residence_status"]
    assert exclusion.illustrative is False


def test_offer_not_yet_started_names_its_start() -> None:
    kurs = offer("svc:kurs", "org:vhs", validFrom=dt.date(2022, 1, 1))
    (exclusion,) = refer(case(), catalogue(kurs), [], nx.Graph()).excluded
    assert exclusion.reasons == (Reason("not_valid", day=DAY, valid_from=dt.date(2022, 1, 1)),)


def test_young_person_is_excluded_below_minimum_age() -> None:
    kurs = offer("svc:kurs", "org:vhs", minAge=25)
    (exclusion,) = refer(case(age=22), catalogue(kurs), [], nx.Graph()).excluded
    assert exclusion.reasons == (Reason("age_below", age=22, min_age=25),)


def test_unknown_age_and_status_exclude_nothing_but_make_the_match_conditional() -> None:
    kurs = offer("svc:kurs", "org:vhs", minAge=18, maxAge=21, residenceStatuses=("aufenthaltserlaubnis",))
    (match,) = refer(case(), catalogue(kurs), [], nx.Graph()).per_need[TRAINING]
    assert match.reasons == (
        Reason("available", area="mun:olfen", area_name="Olfen", level="municipality"),
        Reason("age_unknown", min_age=18, max_age=21, conditional=True),
        Reason("status_unknown", statuses=("aufenthaltserlaubnis",), conditional=True),
    )
    assert match.conditional


def test_an_offer_without_limits_is_not_conditional_when_the_case_says_nothing() -> None:
    (match,) = refer(case(), catalogue(offer("svc:kurs", "org:vhs")), [], nx.Graph()).per_need[TRAINING]
    assert not match.conditional


def test_reasons_resting_on_illustrative_data_say_so() -> None:
    node = Node("Service", "svc:coaching", {"name": "Coaching", "illustrative": True, "maxAge": 21})
    coaching = Offer(node, ("org:drk",), (TRAINING,), (), ("reg:mitte",), (), frozenset({"reg:mitte"}))
    local = Offer(Node("Service", "svc:local", {"name": "Local"}), ("org:vhs",), (TRAINING,), (), ("reg:sued",), (), frozenset())
    result = refer(case(age=22), catalogue(coaching, local), [], nx.Graph())
    (exclusion,) = result.excluded
    assert [(r.code, r.illustrative) for r in exclusion.reasons] == [("not_available", True), ("age_above", True)]
    assert exclusion.illustrative
    (match,) = result.per_need[TRAINING]
    assert not match.illustrative


def test_offer_reached_through_a_region_names_the_region() -> None:
    kurs = offer("svc:kurs", "org:vhs", areas=("reg:kreis", "reg:sued"))
    (match,) = refer(case(), catalogue(kurs), [], nx.Graph()).per_need[TRAINING]
    assert match.level == "region"
    assert match.reasons == (Reason("available", area="reg:sued", area_name="CM-Region Süd", level="region"),)


def test_ranking_puts_municipality_before_region_before_county() -> None:
    county = offer("svc:a-county", "org:a", areas=("reg:kreis",))
    region = offer("svc:b-region", "org:b", areas=("reg:sued",))
    local = offer("svc:c-local", "org:c", areas=("mun:olfen",))
    matches = refer(case(), catalogue(county, region, local), [], nx.Graph()).per_need[TRAINING]
    assert [(m.offer.id, m.level) for m in matches] == [
        ("svc:c-local", "municipality"),
        ("svc:b-region", "region"),
        ("svc:a-county", "county"),
    ]


def test_ranking_within_a_level_prefers_language_then_capacity_then_name() -> None:
    # The names (the offers' ids here) sort otherwise than the capacities, so that only the
    # capacity can put them in this order; a capacity of 0 is known, and ranks before an unknown one.
    offers = (
        offer("svc:big", "org:a", capacity=30),
        offer("svc:arabic", "org:b", capacity=5, languages=("ar",)),
        offer("svc:unknown-size", "org:c"),
        offer("svc:also-big", "org:d", capacity=30),
        offer("svc:a-small", "org:e", capacity=10),
        offer("svc:none-left", "org:f", capacity=0),
        offer("svc:one-left", "org:g", capacity=1),
    )
    matches = refer(case(languages=("ar",)), catalogue(*offers), [], nx.Graph()).per_need[TRAINING]
    assert [m.offer.id for m in matches] == [
        "svc:arabic",
        "svc:also-big",
        "svc:big",
        "svc:a-small",
        "svc:one-left",
        "svc:none-left",
        "svc:unknown-size",
    ]


def test_statutory_offers_are_responsibilities_not_matches() -> None:
    jobcenter = offer("svc:sgb2", "org:jobcenter", domains=("ld:sgb2",), areas=("reg:kreis",), statutory=True)
    result = refer(case(), catalogue(jobcenter), [], nx.Graph())
    assert result.per_need[TRAINING] == ()
    assert result.excluded == ()
    (responsibility,) = result.responsibilities
    assert (responsibility.legal_domain, responsibility.offers, responsibility.organisations, responsibility.level) == (
        "ld:sgb2",
        (jobcenter,),
        ("org:jobcenter",),
        "county",
    )


def youth_offices() -> Catalogue:
    county = offer(
        "svc:hze-kreis", "org:jugendamt-kreis", needs=(FAMILY,), domains=("ld:sgb8",), areas=("reg:kreis",), statutory=True
    )
    duelmen = offer(
        "svc:hze-duelmen", "org:jugendamt-duelmen", needs=(FAMILY,), domains=("ld:sgb8",), areas=("mun:duelmen",), statutory=True
    )
    jobcenter = offer("svc:sgb2", "org:jobcenter", needs=(WORK,), domains=("ld:sgb2",), areas=("reg:kreis",), statutory=True)
    ended = offer(
        "svc:old",
        "org:old",
        needs=(FAMILY,),
        domains=("ld:sgb8",),
        areas=("mun:nottuln",),
        statutory=True,
        validTo=dt.date(2020, 1, 1),
    )
    return catalogue(county, duelmen, jobcenter, ended)


@pytest.mark.parametrize(
    ("municipality", "office", "level"),
    [("mun:nottuln", "org:jugendamt-kreis", "county"), ("mun:duelmen", "org:jugendamt-duelmen", "municipality")],
)
def test_youth_office_responsible_for_a_family(municipality: str, office: str, level: str) -> None:
    result = refer(case(municipality=municipality, needs=(FAMILY,)), youth_offices(), [], nx.Graph())
    by_domain = {r.legal_domain: r for r in result.responsibilities}
    assert (by_domain["ld:sgb8"].organisations, by_domain["ld:sgb8"].level) == ((office,), level)
    # Every legal domain with a responsible body comes out, not only the case's needs.
    assert list(by_domain) == ["ld:sgb2", "ld:sgb8"]


def post(id_: str, employer: str | None, covers: tuple[str, ...]) -> CaseManagerPost:
    return CaseManagerPost(Node("CaseManager", id_, {"name": id_, "fte": 1.0}), employer, "org:ki", covers)


def test_case_managers_are_the_posts_covering_the_municipality() -> None:
    posts = [
        post("cm:2", "org:caritas", ("mun:olfen",)),
        post("cm:3", "org:drk", ("mun:nottuln",)),
        post("cm:1", None, ("mun:olfen",)),
    ]
    result = refer(case(), catalogue(), posts, nx.Graph())
    assert [p.node.id for p in result.case_managers] == ["cm:1", "cm:2"]
    assert result.conference.anchor == "org:caritas"


def test_conference_covers_every_need_and_domain_with_fewest_organisations() -> None:
    offers = (
        offer("svc:bvb", "org:bildung", needs=(TRAINING,), domains=("ld:sgb3",)),
        offer("svc:job", "org:bildung", needs=(WORK,), domains=("ld:sgb2",)),
        offer("svc:ausbildung", "org:agentur", needs=(TRAINING,), domains=("ld:sgb3",)),
        offer("svc:arbeit", "org:jc-partner", needs=(WORK,), domains=("ld:sgb2",)),
        offer("svc:abh", "org:abh", needs=("need:aufenthalt",), domains=("ld:aufenthg",), areas=("reg:kreis",), statutory=True),
        offer("svc:abh-training", "org:abh", needs=(TRAINING,), domains=("ld:aufenthg",), areas=("reg:kreis",), statutory=True),
    )
    conference = refer(case(needs=(TRAINING, WORK)), catalogue(*offers), [], nx.Graph()).conference
    assert conference.organisations == ("org:abh", "org:bildung")
    assert conference.covers == {"org:abh": (TRAINING, "ld:aufenthg"), "org:bildung": (TRAINING, WORK, "ld:sgb2", "ld:sgb3")}
    assert conference.uncovered == ()


def test_conference_prefers_organisations_cooperating_with_the_anchor() -> None:
    offers = (offer("svc:a", "org:a"), offer("svc:z", "org:z"))
    cooperation: nx.Graph[str] = nx.Graph([("org:caritas", "org:z")])
    posts = [post("cm:1", "org:caritas", ("mun:olfen",))]
    conference = refer(case(), catalogue(*offers), posts, cooperation).conference
    assert conference.organisations == ("org:z",)
    assert conference.paths == {"org:z": ("org:caritas", "org:z")}


def test_conference_prefers_direct_partners_before_short_paths() -> None:
    language, housing = "need:sprache", "need:wohnen"
    # Only {a, b} and {c, d} cover all four needs with two organisations.
    offers = (
        offer("svc:a", "org:a", needs=(TRAINING, WORK)),
        offer("svc:b", "org:b", needs=(language, housing)),
        offer("svc:c", "org:c", needs=(TRAINING, language)),
        offer("svc:d", "org:d", needs=(WORK, housing)),
    )
    # org:a cooperates with the anchor, org:b with nobody; org:c and org:d are both two steps away.
    edges = [("org:caritas", "org:a"), ("org:caritas", "org:m"), ("org:m", "org:c"), ("org:m", "org:d")]
    posts = [post("cm:1", "org:caritas", ("mun:olfen",))]
    needs = (TRAINING, WORK, language, housing)
    conference = refer(case(needs=needs), catalogue(*offers), posts, nx.Graph(edges)).conference
    assert conference.organisations == ("org:a", "org:b")
    assert conference.paths == {"org:a": ("org:caritas", "org:a")}


def test_conference_prefers_shorter_paths_when_nobody_cooperates_directly() -> None:
    offers = (offer("svc:a", "org:a"), offer("svc:z", "org:z"))
    cooperation: nx.Graph[str] = nx.Graph([("org:caritas", "org:m"), ("org:m", "org:z"), ("org:m", "org:n"), ("org:n", "org:a")])
    conference = refer(case(), catalogue(*offers), [post("cm:1", "org:caritas", ("mun:olfen",))], cooperation).conference
    assert conference.organisations == ("org:z",)
    assert conference.paths == {"org:z": ("org:caritas", "org:m", "org:z")}


def test_conference_without_anchor_takes_the_smallest_ids() -> None:
    conference = refer(case(), catalogue(offer("svc:z", "org:z"), offer("svc:a", "org:a")), [], nx.Graph()).conference
    assert (conference.organisations, conference.anchor, conference.paths) == (("org:a",), None, {})


def test_conference_lists_what_nobody_covers() -> None:
    offers = (offer("svc:a", "org:a", needs=(TRAINING,)), offer("svc:too-old", "org:b", needs=(WORK,), maxAge=18))
    conference = refer(case(age=22, needs=(TRAINING, WORK, "need:wohnen")), catalogue(*offers), [], nx.Graph()).conference
    assert conference.organisations == ("org:a",)
    assert conference.uncovered == (WORK, "need:wohnen")


def test_conference_falls_back_to_greedy_beyond_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conference_rules, "EXACT_COVER_LIMIT", 0)
    offers = (
        offer("svc:t", "org:a", needs=(TRAINING,)),
        offer("svc:w", "org:b", needs=(WORK,)),
        offer("svc:tw", "org:c", needs=(TRAINING, WORK)),
    )
    conference = refer(case(needs=(TRAINING, WORK)), catalogue(*offers), [], nx.Graph()).conference
    assert conference.organisations == ("org:c",)


def test_case_is_never_shown_in_reprs_or_errors() -> None:
    secret = case(age=22, residence_status="duldung")
    result = refer(secret, catalogue(offer("svc:a", "org:a", maxAge=18)), [], nx.Graph())
    assert result.excluded[0].reasons[0] == Reason("age_above", age=22, max_age=18)  # the answer itself does say it
    for shown in (repr(secret), repr(result)):
        assert "duldung" not in shown
        assert "22" not in shown
    with pytest.raises(NotFoundError) as raised:
        refer(case(municipality="mun:geheim"), catalogue(), [], nx.Graph())
    assert "geheim" not in str(raised.value)


def test_a_case_that_gives_only_place_and_day_leaves_the_rest_unknown() -> None:
    kurs = offer("svc:kurs", "org:vhs", minAge=18, residenceStatuses=("duldung",), languages=("ar",))
    (match,) = refer(Case("mun:olfen", DAY, needs=(TRAINING,)), catalogue(kurs), [], nx.Graph()).per_need[TRAINING]
    assert [(r.code, r.conditional) for r in match.reasons] == [
        ("available", False),
        ("age_unknown", True),
        ("status_unknown", True),
    ]
    assert not match.language_match
    nothing = refer(Case("mun:olfen", DAY), catalogue(kurs), [], nx.Graph())
    assert (nothing.per_need, nothing.excluded, nothing.conference.organisations) == ({}, (), ())


def test_a_reason_carries_only_the_values_it_refers_to() -> None:
    # Clients word a reason from its code and its values: a value it does not refer to stays empty.
    kurs = offer("svc:kurs", "org:vhs", minAge=18, maxAge=27, residenceStatuses=("duldung",), languages=("ar",))
    gone = offer("svc:gone", "org:b", areas=("mun:nottuln",), maxAge=21, residenceStatuses=("eu",), validTo=dt.date(2020, 12, 31))
    result = refer(case(age=22, residence_status="duldung", languages=("ar",)), catalogue(kurs, gone), [], nx.Graph())
    reasons = [*result.per_need[TRAINING][0].reasons, *result.excluded[0].reasons]
    given = {}
    for reason in reasons:
        assert isinstance(reason.statuses, tuple)
        assert isinstance(reason.languages, tuple)
        values = {f.name: getattr(reason, f.name) for f in dataclasses.fields(reason)}
        given[reason.code] = sorted(name for name, value in values.items() if value not in (None, (), False))
    assert given == {
        "available": ["area", "area_name", "code", "level"],
        "age_within": ["age", "code", "max_age", "min_age"],
        "status_eligible": ["code", "status", "statuses"],
        "languages": ["code", "languages"],
        "not_valid": ["code", "day", "valid_to"],
        "not_available": ["area", "area_name", "code"],
        "age_above": ["age", "code", "max_age"],
        "status_not_eligible": ["code", "status", "statuses"],
    }


def test_a_referral_and_its_parts_are_frozen() -> None:
    # A referral is a value: the resolvers that word it read it, none may change it.
    posts = [post("cm:1", "org:caritas", ("mun:olfen",))]
    kurs, old = offer("svc:kurs", "org:vhs"), offer("svc:old", "org:b", validTo=dt.date(2020, 1, 1))
    result = refer(case(), catalogue(kurs, old), posts, nx.Graph())
    (match,), (exclusion,) = result.per_need[TRAINING], result.excluded
    parts: list[object] = [result, result.case, result.conference, match, exclusion, match.reasons[0], posts[0]]
    for part in parts:
        field = dataclasses.fields(part)[0].name  # type: ignore[arg-type]
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(part, field, None)


def _cover_trap() -> tuple[Catalogue, Case]:
    """Six needs: org:x and org:y cover three each, org:z four of them, so taking the widest first takes three."""
    needs = tuple(f"need:{i}" for i in range(1, 7))
    offers = (
        offer("svc:x", "org:x", needs=needs[:3]),
        offer("svc:y", "org:y", needs=needs[3:]),
        offer("svc:z", "org:z", needs=needs[:2] + needs[3:5]),
    )
    return catalogue(*offers), case(needs=needs)


def test_conference_is_a_smallest_cover_where_taking_the_widest_first_is_not() -> None:
    trap, the_case = _cover_trap()
    assert refer(the_case, trap, [], nx.Graph()).conference.organisations == ("org:x", "org:y")


@pytest.mark.parametrize(("limit", "organisations"), [(6, ("org:x", "org:y")), (5, ("org:x", "org:y", "org:z"))])
def test_the_exact_cover_is_searched_while_its_combinations_stay_within_the_limit(
    monkeypatch: pytest.MonkeyPatch, limit: int, organisations: tuple[str, ...]
) -> None:
    # Three candidates: 3 combinations of one and 3 of two find the smallest cover; one fewer
    # allowed, and the greedy cover (widest first: org:z, then org:x and org:y) is taken.
    monkeypatch.setattr(conference_rules, "EXACT_COVER_LIMIT", limit)
    trap, the_case = _cover_trap()
    assert refer(the_case, trap, [], nx.Graph()).conference.organisations == organisations


def test_conference_prefers_an_organisation_the_anchor_can_reach() -> None:
    # org:a comes first by id and has no path from the anchor at all; org:z is two steps away.
    offers = (offer("svc:a", "org:a"), offer("svc:z", "org:z"))
    cooperation: nx.Graph[str] = nx.Graph([("org:caritas", "org:m"), ("org:m", "org:z")])
    conference = refer(case(), catalogue(*offers), [post("cm:1", "org:caritas", ("mun:olfen",))], cooperation).conference
    assert conference.organisations == ("org:z",)


def _placed_world() -> Catalogue:
    """Offers that fail on the place or day alone, on the person alone, on both, or on nothing."""
    return catalogue(
        offer("svc:here", "org:a", minAge=18, maxAge=27, residenceStatuses=("duldung",), languages=("ar",)),
        offer("svc:there", "org:b", areas=("mun:duelmen",)),  # not available: the place alone
        offer("svc:there-young", "org:c", areas=("mun:nottuln",), maxAge=21),  # the place, and a person over 21
        offer("svc:old", "org:d", validTo=dt.date(2020, 1, 1), minAge=30),  # the day, and a person under 30
        offer("svc:county", "org:e", areas=("reg:kreis",), needs=(TRAINING, WORK), languages=("fa", "ar")),
        offer("svc:region", "org:f", areas=("reg:sued",), needs=(WORK,), illustrative=True, maxAge=40),
    )


PERSONS = [
    {},
    {"age": 22, "residence_status": "duldung", "languages": ("ar",)},
    {"age": 17, "residence_status": "gestattung"},
    {"age": 35, "languages": ("fa",)},
    {"age": 45, "residence_status": "duldung", "languages": ("fa", "ar")},
]


@pytest.mark.parametrize("person", PERSONS)
def test_offers_placed_once_judge_every_person_as_a_referral_of_their_own(person: dict[str, Any]) -> None:
    world = _placed_world()
    placed = place(world, "mun:olfen", DAY, (TRAINING, WORK))
    for needs in ((TRAINING, WORK), (WORK,), (WORK, TRAINING)):
        the_case = case(needs=needs, **person)
        alone = refer(the_case, world, [], nx.Graph())
        assert refer(the_case, world, [], nx.Graph(), placed=placed) == alone
    assert len(alone.excluded) >= 2
    assert any(m for m in alone.per_need.values())


def test_what_fails_on_the_place_and_day_alone_is_one_exclusion_for_everyone_there() -> None:
    world = _placed_world()
    placed = place(world, "mun:olfen", DAY, (TRAINING, WORK))

    def excluded(age: int) -> dict[str, Exclusion]:
        found = refer(case(age=age, needs=(TRAINING, WORK)), world, [], nx.Graph(), placed=placed).excluded
        return {e.offer.id: e for e in found}

    young, older, oldest = excluded(17), excluded(35), excluded(39)
    # Not available in Olfen, whoever asks: the same object for everyone.
    assert young["svc:there"] is older["svc:there"] is oldest["svc:there"]
    assert [r.code for r in young["svc:there"].reasons] == ["not_available"]
    # Ended before the day, and for 30 and older: the young person's own exclusion, with both reasons.
    assert [r.code for r in young["svc:old"].reasons] == ["not_valid", "age_below"]
    assert [r.code for r in older["svc:old"].reasons] == ["not_valid"]
    assert older["svc:old"] is oldest["svc:old"]
    assert young["svc:old"] is not older["svc:old"]
    # Not available, and up to 21: the older persons' own exclusions, equal but not shared with the placed one.
    assert [r.code for r in older["svc:there-young"].reasons] == ["not_available", "age_above"]
    assert older["svc:there-young"] is not oldest["svc:there-young"]
    assert [r.code for r in young["svc:there-young"].reasons] == ["not_available"]


def test_offers_placed_for_another_place_day_or_needs_are_refused() -> None:
    world = _placed_world()
    placed = place(world, "mun:olfen", DAY, (TRAINING,))
    for other in (
        Case("mun:nottuln", DAY, needs=(TRAINING,)),
        Case("mun:olfen", DAY + dt.timedelta(days=1), needs=(TRAINING,)),
        Case("mun:olfen", DAY, needs=(TRAINING, WORK)),
    ):
        with pytest.raises(ValueError, match="placed for another"):
            refer(other, world, [], nx.Graph(), placed=placed)
    with pytest.raises(NotFoundError):
        place(world, "mun:geheim", DAY, (TRAINING,))
