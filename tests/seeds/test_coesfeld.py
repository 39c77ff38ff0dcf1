"""The Coesfeld seed encodes the facts of the source material (and the public facts it cites)."""

from __future__ import annotations

import datetime as dt

from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Node

D = dt.date
MUNICIPALITIES = {
    "ascheberg", "billerbeck", "coesfeld", "duelmen", "havixbeck", "luedinghausen",
    "nordkirchen", "nottuln", "olfen", "rosendahl", "senden",
}  # fmt: skip


def _linked(data: GraphData, rel: str, *, source: str | None = None, target: str | None = None) -> set[str]:
    return {
        (e.target if source else e.source)
        for e in data.edges.values()
        if e.type == rel and (source is None or e.source == source) and (target is None or e.target == target)
    }


def _funded_by(data: GraphData, programme: str) -> list[Node]:
    return [data.nodes[s] for s in _linked(data, "FUNDED_BY", target=programme) if s.startswith("svc:")]


def test_the_eleven_municipalities_with_official_keys_and_population(seed_data: GraphData) -> None:
    municipalities = [n for n in seed_data.nodes.values() if n.kind == "Municipality"]
    assert {n.id.removeprefix("mun:") for n in municipalities} == MUNICIPALITIES
    assert all(str(n.props["ags"]).startswith("05558") for n in municipalities)
    assert len({n.props["ags"] for n in municipalities}) == 11
    total = sum(int(n.props["population"]) for n in municipalities)  # type: ignore[call-overload]
    assert 215_000 < total < 225_000  # about 220,000 people live in the county
    for n in municipalities:
        assert "reg:kreis-coesfeld" in _linked(seed_data, "PART_OF", source=n.id)


def test_durchstarten_is_for_18_to_27_year_olds_with_duldung_or_gestattung_until_2022(seed_data: GraphData) -> None:
    programme = seed_data.nodes["prog:durchstarten"]
    assert programme.props["validTo"] == D(2022, 12, 31)
    parts = _linked(seed_data, "PART_OF", target="prog:durchstarten")
    assert parts == {f"prog:durchstarten-b{i}" for i in range(1, 7)}
    offers = [s for part in parts for s in _funded_by(seed_data, part)]
    assert offers
    for offer in offers:
        assert (offer.props.get("minAge"), offer.props.get("maxAge")) == (18, 27), offer.id
        assert set(offer.props["residenceStatuses"]) == {"duldung", "gestattung"}, offer.id  # type: ignore[arg-type]
        assert offer.props["validTo"] <= D(2022, 12, 31)  # type: ignore[operator]


def test_durchstarten_modules_have_their_providers_posts_and_start_dates(seed_data: GraphData) -> None:
    def module(number: int) -> list[tuple[frozenset[str], object, object]]:
        return sorted(
            (
                (frozenset(_linked(seed_data, "PROVIDES", target=o.id)), o.props.get("fte"), o.props.get("validFrom"))
                for o in _funded_by(seed_data, f"prog:durchstarten-b{number}")
            ),
            key=str,
        )

    coaching = module(1)
    assert {p for providers, _, _ in coaching for p in providers} == {
        "org:drk-kv-coesfeld",
        "org:caritas-coesfeld",
        "org:havixbecker-modell",
    }
    assert all(fte == 1.0 and start == D(2021, 5, 1) for _, fte, start in coaching)
    assert module(2)
    assert all(p == frozenset({"org:geba"}) and s == D(2021, 6, 1) for p, _, s in module(2))
    assert module(3)
    assert all(p == frozenset({"org:vhs-luedinghausen"}) and s == D(2021, 5, 1) for p, _, s in module(3))
    providers_4 = {p for providers, _, _ in module(4) for p in providers}
    assert {"org:geba", "org:handwerksbildungsstaetten", "org:vhs-luedinghausen"} <= providers_4
    assert module(5) == []  # "Trägervorschlag direkt an MKFFI: kein Angebot im Kreis Coesfeld"
    [(providers_6, fte_6, start_6)] = module(6)
    assert (providers_6, fte_6, start_6) == (frozenset({"org:caritas-coesfeld"}), 1.5, D(2020, 5, 1))


def test_kim_modules_and_their_posts(seed_data: GraphData) -> None:
    assert _linked(seed_data, "PART_OF", target="prog:kim") == {"prog:kim-modul-1", "prog:kim-modul-2", "prog:kim-modul-3"}
    assert [seed_data.nodes[f"prog:kim-modul-{i}"].props["fte"] for i in (1, 2, 3)] == [3.5, 6.0, 1.5]
    assert "org:mkffi-nrw" in _linked(seed_data, "FUNDED_BY", source="prog:kim")


def test_integrationspauschale_window(seed_data: GraphData) -> None:
    props = seed_data.nodes["prog:integrationspauschale"].props
    assert (props["validFrom"], props["validTo"]) == (D(2019, 1, 1), D(2021, 11, 30))


def test_youth_offices_of_coesfeld_and_duelmen_cover_their_towns_and_the_county_the_other_nine(seed_data: GraphData) -> None:
    assert _linked(seed_data, "AVAILABLE_IN", source="svc:jugendhilfe-jugendamt-coesfeld") == {"mun:coesfeld"}
    assert _linked(seed_data, "AVAILABLE_IN", source="svc:jugendhilfe-jugendamt-duelmen") == {"mun:duelmen"}
    county = _linked(seed_data, "AVAILABLE_IN", source="svc:jugendhilfe-jugendamt-kreis")
    assert county == {f"mun:{m}" for m in MUNICIPALITIES - {"coesfeld", "duelmen"}}
    for service in ("svc:jugendhilfe-jugendamt-coesfeld", "svc:jugendhilfe-jugendamt-duelmen", "svc:jugendhilfe-jugendamt-kreis"):
        assert "ld:sgb-viii" in _linked(seed_data, "UNDER", source=service)
        assert seed_data.nodes[service].props["statutory"] is True


def test_the_county_runs_the_jobcenter_and_the_agency_has_branches_in_duelmen_and_luedinghausen(seed_data: GraphData) -> None:
    assert "org:kreis-coesfeld" in _linked(seed_data, "PART_OF", source="org:jobcenter-kreis-coesfeld")
    assert _linked(seed_data, "PART_OF", target="org:afa-coesfeld") >= {"org:afa-gs-duelmen", "org:afa-gs-luedinghausen"}
    assert _linked(seed_data, "LOCATED_IN", source="org:afa-gs-duelmen") == {"mun:duelmen"}
    assert _linked(seed_data, "LOCATED_IN", source="org:afa-gs-luedinghausen") == {"mun:luedinghausen"}


def test_six_case_manager_posts_a_third_at_the_ki_covering_every_municipality_once(seed_data: GraphData) -> None:
    posts = [n for n in seed_data.nodes.values() if n.kind == "CaseManager"]
    assert sum(float(p.props["fte"]) for p in posts) == 6.0  # type: ignore[arg-type]
    at_ki = [p for p in posts if "org:ki-coesfeld" in _linked(seed_data, "EMPLOYED_BY", source=p.id)]
    assert len(at_ki) >= 2
    assert all(_linked(seed_data, "SUPERVISED_BY", source=p.id) == {"org:ki-coesfeld"} for p in posts)
    covered = [m for p in posts for m in _linked(seed_data, "COVERS", source=p.id)]
    assert sorted(covered) == sorted(f"mun:{m}" for m in MUNICIPALITIES)


def test_the_network_and_its_groups(seed_data: GraphData) -> None:
    assert seed_data.nodes["wg:steuerungsgruppe-netzwerk-chancengerechtigkeit"].props["kind"] == "steering-group"
    for group in ("wg:steuerungsgruppe-netzwerk-chancengerechtigkeit", "wg:ag-querschnitt", "wg:ag-case-management-konzept"):
        assert _linked(seed_data, "PART_OF", source=group) == {"wg:netzwerk-chancengerechtigkeit"}
    assert "org:ki-coesfeld" in _linked(seed_data, "MEMBER_OF", target="wg:netzwerk-chancengerechtigkeit")
    spokes = [
        e.source
        for e in seed_data.edges.values()
        if e.type == "MEMBER_OF" and e.target == "wg:sprecherkreis-fluechtlingsinitiativen" and e.props.get("role") == "Sprecher"
    ]
    assert len(spokes) == 11  # one volunteer initiative per municipality speaks for its town
    assert all(seed_data.nodes[s].props["kind"] == "initiative" for s in spokes)


def test_every_entry_says_where_it_comes_from_or_that_it_is_illustrative(seed_data: GraphData) -> None:
    unsourced = [n.id for n in seed_data.nodes.values() if not n.props.get("source") and not n.props.get("illustrative")]
    assert unsourced == []
