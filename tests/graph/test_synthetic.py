"""The NRW-shaped synthetic network: deterministic by seed, valid, and shaped like the state."""

from __future__ import annotations

import statistics
from collections import Counter

import pytest

from kimnet.graph.io.synthetic import COUNTIES, TARGETS, nrw
from kimnet.graph.model.graphdata import GraphData, checksum, counts
from kimnet.graph.model.validate import check_graph


@pytest.fixture(scope="module")
def state() -> GraphData:
    return nrw(seed=1)


def test_the_same_seed_gives_the_same_graph_and_another_seed_another() -> None:
    assert checksum(nrw(seed=5, scale=0.02)) == checksum(nrw(seed=5, scale=0.02))
    assert checksum(nrw(seed=5, scale=0.02)) != checksum(nrw(seed=6, scale=0.02))


def test_the_state_sized_network_has_the_sizes_the_issue_names(state: GraphData) -> None:
    found = counts(state)
    assert found.nodes["Municipality"] == 396
    assert found.nodes["Organisation"] == TARGETS["organisations"]
    assert found.nodes["Service"] == TARGETS["offers"]
    assert found.edges["COOPERATES_WITH"] == TARGETS["cooperations"]
    assert abs(found.nodes["CaseManager"] - TARGETS["case_managers"]) <= 10


def test_the_state_sized_network_is_valid_against_the_model(state: GraphData) -> None:
    assert [str(p) for p in check_graph(state.nodes, state.edges.values())][:5] == []


def test_municipalities_lie_in_53_counties_and_county_free_cities(state: GraphData) -> None:
    counties = {n.id for n in state.nodes.values() if n.kind == "Region" and n.props["kind"] == "county"}
    assert len(counties) == len(COUNTIES) == 53
    county_of = Counter(e.source for e in state.edges.values() if e.type == "PART_OF" and e.target in counties)
    municipalities = [n.id for n in state.nodes.values() if n.kind == "Municipality"]
    assert all(county_of[m] == 1 for m in municipalities)
    cities = [c for c in COUNTIES if c.city]
    assert len(cities) == 22
    assert sum(c.municipalities for c in COUNTIES) == 396
    assert len({state.nodes[m].props["ags"] for m in municipalities}) == 396  # official keys are unique


def test_most_offers_are_local_and_some_reach_a_whole_county(state: GraphData) -> None:
    reach = Counter(e.target.split(":")[0] for e in state.edges.values() if e.type == "AVAILABLE_IN")
    assert reach["mun"] > 0.7 * sum(reach.values())
    assert reach["reg"] > 0.05 * sum(reach.values())


def test_a_few_organisations_are_hubs(state: GraphData) -> None:
    degree = Counter(end for e in state.edges.values() if e.type == "COOPERATES_WITH" for end in (e.source, e.target))
    assert max(degree.values()) > 20 * statistics.median(degree.values())


def test_large_towns_have_their_own_youth_office(state: GraphData) -> None:
    youth = {n.id for n in state.nodes.values() if n.kind == "Service" and n.name.startswith("Hilfen zur Erziehung")}
    in_a_town = {e.source for e in state.edges.values() if e.type == "AVAILABLE_IN" and e.target.startswith("mun:")}
    assert 0 < len(youth & in_a_town) < len(youth)


def test_a_scale_that_is_not_positive_is_refused() -> None:
    with pytest.raises(ValueError, match="scale must be above 0"):
        nrw(scale=0)
