"""The in-memory graph index answers exactly as the store it was read from, on both stores."""

from __future__ import annotations

import datetime as dt

import pytest

from kimnet.graph.model.changes import Link
from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.model.validity import valid_on
from kimnet.graph.read.index import GraphIndex, read_index
from kimnet.graph.stores.store import Direction, Store

D = dt.date
DAYS = (None, D(2019, 1, 1), D(2021, 7, 1), D(2022, 6, 30), D(2025, 1, 1))

#: An offer's links, in Offer's order, and the direction from the offer.
OFFER_LINKS: tuple[tuple[str, Direction], ...] = (
    ("PROVIDES", "in"),
    ("ADDRESSES", "out"),
    ("UNDER", "out"),
    ("AVAILABLE_IN", "out"),
    ("FUNDED_BY", "out"),
)


@pytest.fixture
async def dated(seeded: Store) -> Store:
    """The seed with links that hold only some days, on an offer and on a membership."""
    await seeded.write(
        [
            Link(
                Edge("AVAILABLE_IN", "svc:ds-coaching-cv", "mun:senden", {"validFrom": D(2022, 1, 1), "validTo": D(2022, 12, 31)})
            ),
            Link(Edge("ADDRESSES", "svc:ds-coaching-cv", "need:wohnen", {"validTo": D(2021, 12, 31)})),
            Link(Edge("MEMBER_OF", "org:kreis-coesfeld", "wg:netzwerk-chancengerechtigkeit", {"validFrom": D(2022, 1, 1)})),
        ]
    )
    return seeded


async def test_neighbours_answer_as_the_store_does(dated: Store) -> None:
    index = await read_index(dated)
    ids = list(index.by_id)
    offer_types = {t for t, _ in OFFER_LINKS}
    for rel_type in MODEL.rels:
        if rel_type in offer_types:
            continue
        for direction in ("out", "in", "both"):
            for day in DAYS:
                expected = await dated.neighbours(ids, rel_type, direction, day)
                assert index.neighbours(ids, rel_type, direction, day) == expected, (rel_type, direction, day)


async def test_offers_carry_the_links_that_hold_on_the_day(dated: Store) -> None:
    index = await read_index(dated)
    services = [n.id for n in await dated.nodes_of_kind("Service")]
    assert list(index.offers) == services
    assert "svc:ds-coaching-cv" in index.dated
    links = {t: await dated.neighbours(services, t, direction) for t, direction in OFFER_LINKS}
    for day in DAYS:
        for sid in services:
            expected = tuple(
                tuple(n.id for e, n in links[t][sid] if day is None or valid_on(e.props, day)) for t, _ in OFFER_LINKS
            )
            offer = index.offer(sid, day)
            assert offer.node == index.by_id[sid]
            assert (offer.providers, offer.needs, offer.legal_domains, offer.areas, offer.programmes) == expected, (sid, day)


async def test_available_in_follows_the_links_that_hold_on_the_day(dated: Store) -> None:
    index = await read_index(dated)
    areas = [*index.kinds["Municipality"], *index.kinds["Region"]]
    found = await dated.neighbours(areas, "AVAILABLE_IN", "in")
    for day in DAYS:
        for area in areas:
            expected = {n.id for e, n in found[area] if day is None or valid_on(e.props, day)}
            assert index.available_in([area], day) == expected, (area, day)
    assert "svc:ds-coaching-cv" in index.available_in(["mun:senden"], D(2022, 6, 30))
    assert "svc:ds-coaching-cv" not in index.available_in(["mun:senden"], D(2023, 1, 1))


def test_offer_links_are_asked_of_the_offers_not_of_neighbours() -> None:
    with pytest.raises(ValueError, match=r"GraphIndex\.offers holds them"):
        GraphIndex.build({}, {}).neighbours(["svc:x"], "PROVIDES", "in")


def test_a_torn_read_leaves_out_the_edges_of_nodes_it_did_not_see() -> None:
    kinds = {"Organisation": [Node("Organisation", "org:a")], "Service": [Node("Service", "svc:x")]}
    edges = {
        "PROVIDES": [Edge("PROVIDES", "org:a", "svc:x"), Edge("PROVIDES", "org:gone", "svc:x")],
        "COOPERATES_WITH": [Edge("COOPERATES_WITH", "org:a", "org:gone")],
    }
    index = GraphIndex.build(kinds, edges)
    assert index.offers["svc:x"].providers == ("org:a",)
    assert index.neighbours(["org:a"], "COOPERATES_WITH", "both") == {"org:a": []}
