"""Network analysis: the organisation graph, paths, brokers, missing ties, what a departure costs."""

from __future__ import annotations

import dataclasses
import datetime as dt

import networkx as nx
import pytest

from kimnet.graph.model.errors import NotFoundError
from kimnet.graph.model.kinds import Edge, Node, Value
from kimnet.graph.rules.catalogue import Catalogue, Geography, Offer
from kimnet.graph.rules.coverage import Gap, coverage_gaps
from kimnet.graph.rules.measures import departure_losses
from kimnet.graph.rules.network import (
    brokers,
    cooperation_path,
    impact_of_leaving,
    missing_ties,
    organisation_graph,
    shortest_paths,
)

DAY = dt.date(2021, 6, 1)
ENDED: dict[str, Value] = {"validTo": dt.date(2020, 12, 31)}


def organisations(*ids: str) -> dict[str, Node]:
    return {i: Node("Organisation", i, {"name": i[4:].upper(), "kind": "welfare"}) for i in ids}


def cooperates(a: str, b: str, **props: Value) -> Edge:
    return Edge("COOPERATES_WITH", a, b, {"kind": "referral", **props})


def member(org: str, group: str, **props: Value) -> Edge:
    return Edge("MEMBER_OF", org, group, props)


def test_graph_joins_cooperating_organisations_and_members_of_one_group() -> None:
    orgs = organisations("org:a", "org:b", "org:c", "org:d")
    graph = organisation_graph(
        orgs,
        cooperation=[cooperates("org:a", "org:b")],
        memberships=[
            member(o, g)
            for o, g in (("org:a", "wg:2"), ("org:b", "wg:2"), ("org:a", "wg:1"), ("org:b", "wg:1"), ("org:c", "wg:1"))
        ],
        as_of=DAY,
    )
    assert graph.nodes["org:a"]["name"] == "A"
    assert graph.edges["org:a", "org:b"] == {"via": "cooperation", "kind": "referral", "groups": ("wg:1", "wg:2"), "weight": 1}
    assert graph.edges["org:a", "org:c"] == {"via": "working_group", "kind": None, "groups": ("wg:1",), "weight": 2}
    assert sorted(graph.nodes) == ["org:a", "org:b", "org:c", "org:d"]
    assert graph.degree("org:d") == 0


def test_graph_leaves_out_ties_and_organisations_not_valid_on_the_day() -> None:
    orgs = organisations("org:a", "org:b", "org:c") | {"org:gone": Node("Organisation", "org:gone", {"name": "Gone", **ENDED})}
    graph = organisation_graph(
        orgs,
        cooperation=[cooperates("org:a", "org:b", **ENDED), cooperates("org:a", "org:gone"), cooperates("org:a", "org:unknown")],
        memberships=[member("org:a", "wg:1", **ENDED), member("org:c", "wg:1"), member("org:gone", "wg:1")],
        as_of=DAY,
    )
    assert sorted(graph.nodes) == ["org:a", "org:b", "org:c"]
    assert graph.number_of_edges() == 0


def test_paths_prefer_direct_cooperation_over_shared_groups() -> None:
    orgs = organisations("org:a", "org:b", "org:c", "org:x")
    graph = organisation_graph(
        orgs,
        cooperation=[cooperates("org:a", "org:c"), cooperates("org:c", "org:b"), cooperates("org:x", "org:b")],
        memberships=[member("org:a", "wg:1"), member("org:x", "wg:1")],
        as_of=DAY,
    )
    assert cooperation_path(graph, "org:a", "org:b") == ("org:a", "org:c", "org:b")


def test_paths_weigh_ties_rather_than_count_them() -> None:
    # Two shared groups (2 + 2) weigh more than three cooperations (1 + 1 + 1), though fewer steps.
    orgs = organisations("org:a", "org:b", "org:c", "org:d", "org:x")
    graph = organisation_graph(
        orgs,
        cooperation=[cooperates("org:a", "org:c"), cooperates("org:c", "org:d"), cooperates("org:d", "org:b")],
        memberships=[member("org:a", "wg:1"), member("org:x", "wg:1"), member("org:x", "wg:2"), member("org:b", "wg:2")],
        as_of=DAY,
    )
    assert cooperation_path(graph, "org:a", "org:b") == ("org:a", "org:c", "org:d", "org:b")


def test_path_is_none_between_unconnected_organisations_and_unknown_ids_raise() -> None:
    graph = organisation_graph(organisations("org:a", "org:b"), [], [], DAY)
    assert cooperation_path(graph, "org:a", "org:b") is None
    with pytest.raises(NotFoundError, match="org:nobody"):
        cooperation_path(graph, "org:a", "org:nobody")


def test_brokers_rank_betweenness_highest_first_then_by_id() -> None:
    graph: nx.Graph[str] = nx.Graph([("org:a", "org:hub"), ("org:b", "org:hub"), ("org:c", "org:hub"), ("org:c", "org:d")])
    ranked = brokers(graph)
    # Five of the six pairs of the others pass through the hub, three through org:c.
    assert [org for org, _ in ranked] == ["org:hub", "org:c", "org:a", "org:b", "org:d"]
    assert [score for _, score in ranked] == pytest.approx([5 / 6, 3 / 6, 0, 0, 0])
    assert brokers(graph, top=2) == ranked[:2]


def test_missing_ties_are_domain_pairs_no_organisation_or_cooperation_joins() -> None:
    graph: nx.Graph[str] = nx.Graph()
    graph.add_edge("org:jobcenter", "org:jugendamt", via="cooperation")
    graph.add_edge("org:jugendamt", "org:abh", via="working_group")
    domains_of = {
        "org:jobcenter": ["ld:sgb2"],
        "org:jugendamt": ["ld:sgb8"],
        "org:agentur": ["ld:sgb3", "ld:sgb2"],
        "org:abh": ["ld:aufenthg"],
        "org:idle": [],
    }
    assert missing_ties(graph, domains_of) == (
        ("ld:aufenthg", "ld:sgb2"),
        ("ld:aufenthg", "ld:sgb3"),
        ("ld:aufenthg", "ld:sgb8"),
        ("ld:sgb3", "ld:sgb8"),
    )
    assert ("ld:aufenthg", "ld:sgb8") not in missing_ties(graph, domains_of, include_groups=True)


def service(id_: str, *providers: str, **props: Value) -> Offer:
    node = Node("Service", id_, {"name": id_, **props})
    return Offer(node, providers, ("need:sprache",), (), ("mun:olfen",))


def test_impact_of_leaving_counts_lost_offers_gaps_and_broken_ties() -> None:
    geography = Geography({"mun:olfen": Node("Municipality", "mun:olfen", {"name": "Olfen", "population": 12900})}, {})
    offers = (
        service("svc:alone", "org:leaving"),
        service("svc:together", "org:leaving", "org:y"),
        service("svc:ended", "org:leaving", **ENDED),
        service("svc:other", "org:y"),
    )
    catalogue = Catalogue(
        geography,
        {o.id: o for o in offers},
        needs={n: Node("Need", n) for n in ("need:sprache", "need:wohnen")},
    )
    # x - leaving - y - z, and w hangs on leaving alone.
    graph: nx.Graph[str] = nx.Graph(
        [("org:x", "org:leaving"), ("org:leaving", "org:y"), ("org:y", "org:z"), ("org:w", "org:leaving")]
    )
    graph.add_edge("org:p", "org:q")
    impact = impact_of_leaving("org:leaving", catalogue, graph, DAY)
    assert [o.id for o in impact.offers_lost] == ["svc:alone"]
    assert [o.id for o in impact.offers_shared] == ["svc:together"]
    assert impact.gaps_opened == ()  # svc:other still covers language in Olfen
    assert impact.partners == ("org:w", "org:x", "org:y")
    assert impact.pairs_disconnected == 5  # of x, y, z, w only y-z stay connected
    assert impact.isolated == ("org:w", "org:x")


def test_impact_of_leaving_reports_the_gaps_it_opens() -> None:
    geography = Geography({"mun:olfen": Node("Municipality", "mun:olfen", {"name": "Olfen", "population": 12900})}, {})
    catalogue = Catalogue(
        geography,
        {"svc:alone": service("svc:alone", "org:leaving")},
        organisations=organisations("org:leaving"),
        needs={"need:sprache": Node("Need", "need:sprache")},
    )
    impact = impact_of_leaving("org:leaving", catalogue, nx.Graph(), DAY)
    assert impact.gaps_opened == (Gap("mun:olfen", 12900, "need:sprache"),)
    assert (impact.partners, impact.pairs_disconnected, impact.isolated) == ((), 0, ())


def test_impact_of_an_unknown_organisation_raises() -> None:
    geography = Geography({}, {})
    with pytest.raises(NotFoundError, match="org:nobody"):
        impact_of_leaving("org:nobody", Catalogue(geography), nx.Graph(), DAY)


def test_shortest_paths_weigh_a_cooperation_1_and_a_shared_group_2() -> None:
    graph = organisation_graph(
        organisations("org:a", "org:b", "org:c", "org:d"),
        cooperation=[cooperates("org:a", "org:b")],
        memberships=[member("org:b", "wg:1"), member("org:c", "wg:1")],
        as_of=DAY,
    )
    assert shortest_paths(graph, "org:a") == {
        "org:a": (0.0, ("org:a",)),
        "org:b": (1.0, ("org:a", "org:b")),
        "org:c": (3.0, ("org:a", "org:b", "org:c")),
    }
    assert shortest_paths(graph, "org:nobody") == {}
    # A graph built elsewhere, without weights: each tie weighs 1.
    unweighted: nx.Graph[str] = nx.Graph([("org:a", "org:b"), ("org:b", "org:c")])
    assert shortest_paths(unweighted, "org:c")["org:a"] == (2.0, ("org:c", "org:b", "org:a"))


def test_an_organisation_cooperating_with_itself_has_no_tie() -> None:
    graph = organisation_graph(organisations("org:a"), [cooperates("org:a", "org:a")], [], DAY)
    assert graph.number_of_edges() == 0


def test_missing_ties_count_an_edge_without_via_as_cooperation() -> None:
    graph: nx.Graph[str] = nx.Graph([("org:jobcenter", "org:jugendamt")])
    domains_of = {"org:jobcenter": ["ld:sgb2"], "org:jugendamt": ["ld:sgb8"]}
    assert missing_ties(graph, domains_of) == ()


def test_impact_of_leaving_with_the_shared_losses_and_gaps_is_the_same() -> None:
    geography = Geography({"mun:olfen": Node("Municipality", "mun:olfen", {"name": "Olfen", "population": 12900})}, {})
    offers = (service("svc:alone", "org:leaving"), service("svc:other", "org:y"))
    catalogue = Catalogue(geography, {o.id: o for o in offers}, needs={"need:sprache": Node("Need", "need:sprache")})
    graph: nx.Graph[str] = nx.Graph([("org:x", "org:leaving"), ("org:leaving", "org:y"), ("org:y", "org:z")])
    alone = impact_of_leaving("org:leaving", catalogue, graph, DAY)
    shared = impact_of_leaving(
        "org:leaving", catalogue, graph, DAY, losses=departure_losses(graph), gaps_before=coverage_gaps(catalogue, DAY)
    )
    assert shared == alone
    assert alone.pairs_disconnected == 2  # x-y and x-z
    assert type(alone.pairs_disconnected) is int  # a count: exported as 2, not 2.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        alone.partners = ()  # type: ignore[misc]
    # An organisation that provides nothing loses no offers and opens no gaps.
    idle = impact_of_leaving("org:x", catalogue, graph, DAY)
    assert (idle.offers_lost, idle.offers_shared, idle.gaps_opened) == ((), (), ())
