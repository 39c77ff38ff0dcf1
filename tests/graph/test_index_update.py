"""An index kept up to date by writes answers exactly as one read afresh from the store, on both stores."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import AsyncIterator, Sequence

import networkx as nx
import pytest
from neo4j import AsyncGraphDatabase

from kimnet.graph.model.audit import Actor
from kimnet.graph.model.changes import Change, CreateNode, DeleteNode, Link, Step, Unlink, UpdateNode
from kimnet.graph.model.freshness import verification
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.model.proposals import Proposal, rehearse
from kimnet.graph.model.sidewrite import SideWrite
from kimnet.graph.read import gather, readcache, reads
from kimnet.graph.read.index import GraphIndex, read_index
from kimnet.graph.read.index_update import updated
from kimnet.graph.read.readcache import ReadCache
from kimnet.graph.read.reads import Reads
from kimnet.graph.rules.coverage import coverage_gaps
from kimnet.graph.rules.network import shortest_paths
from kimnet.graph.rules.referral import Paths
from kimnet.graph.stores import neo4j as neo4j_module
from kimnet.graph.stores import neo4j_log, neo4j_outside
from kimnet.graph.stores.neo4j import Neo4jStore
from kimnet.graph.stores.store import Store
from kimnet.service.metrics import Metrics
from tests.conftest import NEO4J_PASSWORD, NEO4J_URI
from tests.schema.conftest import make_runner

DAYS = (None, dt.date(2021, 7, 1), dt.date(2022, 12, 31), dt.date(2023, 1, 1))

#: The answers compared: referrals (with the conference, which reads the network), the gap report, brokers.
QUERIES = (
    """{ referral(case: {municipality: "mun:olfen", needs: ["need:ausbildung", "need:sprache"], age: 22,
         residenceStatus: DULDUNG, asOf: "2021-07-01"}) {
      needs { need { key } offers { offer { key name } organisations { key } level conditional reasons { code } } }
      excluded { offer { key } reasons { code } } responsibilities { legalDomain { key } organisations { key } }
      conference { anchor { key } members { organisation { key } cooperationPath { key } } uncoveredNeeds { key } } } }""",
    """{ coverageGaps(asOf: "2021-07-01") { municipality { key } need { key } programme { key } population } }""",
    """{ coverageGaps(asOf: "2023-01-01", target: {age: 22, residenceStatus: DULDUNG}) { municipality { key } need { key } } }""",
    """{ brokers(asOf: "2021-07-01", top: 10) { organisation { key name } betweenness } }""",
)

#: Writes of every kind, each one write, in this order: creates, updates, links, unlinks, deletes.
WRITES: tuple[Sequence[Change], ...] = (
    [
        CreateNode(Node("Service", "svc:b5-kreis", {"name": "Baustein 5 im Kreis", "minAge": 18, "maxAge": 27})),
        Link(Edge("PROVIDES", "org:geba", "svc:b5-kreis")),
        Link(Edge("ADDRESSES", "svc:b5-kreis", "need:ausbildung")),
        Link(Edge("FUNDED_BY", "svc:b5-kreis", "prog:durchstarten-b5")),
        Link(Edge("AVAILABLE_IN", "svc:b5-kreis", "reg:kreis-coesfeld", {"validTo": dt.date(2022, 12, 31)})),
    ],
    [CreateNode(Node("Organisation", "org:aaa-neu", {"name": "Neue Initiative", "kind": "initiative"}))],
    [
        Link(Edge("COOPERATES_WITH", "org:aaa-neu", "org:geba", {"kind": "Kooperation"})),
        Link(Edge("PROVIDES", "org:aaa-neu", "svc:sprachcafe-olfen")),
        Link(Edge("MEMBER_OF", "org:aaa-neu", "wg:netzwerk-chancengerechtigkeit", {"role": "Mitglied"})),
    ],
    [UpdateNode("svc:sprachcafe-olfen", 1, {"name": "Sprachcafé Olfen (neu)", "validTo": dt.date(2022, 6, 30)})],
    [UpdateNode("org:geba", 1, {"name": "GEBA (umbenannt)"})],
    [UpdateNode("svc:ds-coaching-cv", 1, {"description": "mit Bewerbungstraining"})],  # keeps its illustrative areas
    [Link(Edge("AVAILABLE_IN", "svc:sprachcafe-olfen", "mun:nottuln", {"illustrative": True}))],
    [Unlink("AVAILABLE_IN", "svc:integrationskurs-vhs-luedinghausen", "mun:olfen")],
    [Unlink("COOPERATES_WITH", "org:afa-coesfeld", "org:ki-coesfeld")],
    [Unlink("AVAILABLE_IN", "svc:b5-kreis", "reg:kreis-coesfeld")],
    [DeleteNode("svc:ds-coaching-drk")],
    [DeleteNode("org:geba")],
    [DeleteNode("need:wohnen")],
    [DeleteNode("mun:nottuln")],
)


def assert_same(kept: GraphIndex, fresh: GraphIndex) -> None:
    """Every part of the index a reader sees is the same (dict orders included)."""
    for kind in fresh.kinds:
        assert list(kept.kinds[kind].items()) == list(fresh.kinds[kind].items()), kind
    assert kept.by_id == fresh.by_id  # for lookups: in no promised order
    assert list(kept.offers.items()) == list(fresh.offers.items())
    assert set(kept.dated) == set(fresh.dated)
    for offer in fresh.dated:
        for day in DAYS:
            assert kept.offer(offer, day) == fresh.offer(offer, day), (offer, day)
    assert {a: sorted(o) for a, o in kept.available.items()} == {a: sorted(o) for a, o in fresh.available.items()}
    for area in fresh.available:
        for day in DAYS:
            assert kept.available_in([area], day) == fresh.available_in([area], day)
    assert kept.edges.keys() == fresh.edges.keys()
    for rel_type, found in fresh.edges.items():
        assert sorted(repr(e) for e in kept.edges[rel_type]) == sorted(repr(e) for e in found), rel_type
        for direction in ("out", "in"):
            assert kept.adjacent(rel_type, direction) == fresh.adjacent(rel_type, direction), rel_type


async def _answers(store: Store, cache: ReadCache) -> list[str]:
    run = make_runner(store, cache=cache)
    return [json.dumps(await run(query), sort_keys=True) for query in QUERIES]


async def test_an_index_that_follows_writes_answers_as_one_read_afresh(seeded: Store) -> None:
    cache = ReadCache(seeded)
    await _answers(seeded, cache)  # a kept index to follow from, with its networks and measures
    for write in WRITES:
        followed = cache.followed
        await seeded.write(write)
        kept = await _answers(seeded, cache)
        assert cache.followed == followed + 1, write  # followed, not read from the store
        assert_same((await cache.reads()).index, await read_index(seeded))
        cache = ReadCache(seeded)  # the next request reads the store afresh
        assert await _answers(seeded, cache) == kept, write


async def test_several_writes_are_followed_in_order_by_one_request(seeded: Store) -> None:
    cache = ReadCache(seeded)
    await cache.reads()
    for write in WRITES[:4]:
        await seeded.write(write)
    kept = await cache.reads()
    assert cache.followed >= 1
    assert_same(kept.index, await read_index(seeded))


async def test_a_replayed_write_changes_nothing_and_keeps_the_reads(seeded: Store) -> None:
    cache = ReadCache(seeded)
    await seeded.write(WRITES[0])
    cached = await cache.reads()
    await seeded.write(WRITES[0])  # in place already: no new generation
    assert await cache.reads() is cached


def _graph(nodes: Sequence[Node], edges: Sequence[Edge]) -> GraphData:
    data = GraphData()
    for node in nodes:
        data.nodes[node.id] = node
    for edge in edges:
        data.edges[edge.key] = edge
    return data


@pytest.mark.parametrize("again", ["svc:kurs", "org:vhs", "mun:olfen", "org:caritas"])
def test_a_node_removed_and_put_again_has_only_the_relationships_put_after_it(again: str) -> None:
    """How a node changed outside kimnet is followed: removed, then put with what the store holds now."""
    nodes = [
        Node("Service", "svc:kurs", {"name": "Kurs"}),
        Node("Organisation", "org:vhs", {"name": "VHS", "kind": "authority"}),
        Node("Organisation", "org:caritas", {"name": "Caritas", "kind": "welfare"}),
        Node("Municipality", "mun:olfen"),
        Node("Municipality", "mun:nottuln"),
    ]
    before = [
        Edge("PROVIDES", "org:vhs", "svc:kurs"),
        Edge("AVAILABLE_IN", "svc:kurs", "mun:olfen", {"validTo": dt.date(2022, 12, 31)}),
        Edge("COOPERATES_WITH", "org:caritas", "org:vhs"),
    ]
    # Now: every relationship of the node put again is gone but one new one.
    kept = [e for e in before if again not in (e.source, e.target)]
    new = {
        "svc:kurs": Edge("AVAILABLE_IN", "svc:kurs", "mun:nottuln"),
        "org:vhs": Edge("COOPERATES_WITH", "org:vhs", "org:caritas"),
        "mun:olfen": Edge("AVAILABLE_IN", "svc:kurs", "mun:nottuln", {"illustrative": True}),
        "org:caritas": Edge("PROVIDES", "org:caritas", "svc:kurs"),
    }[again]
    node = next(n for n in nodes if n.id == again)
    followed = updated(GraphIndex.of(_graph(nodes, before)), [Step("remove", node), Step("put", node), Step("put", new)])
    assert_same(followed, GraphIndex.of(_graph(nodes, [*kept, new])))


def test_a_node_put_again_keeps_its_place_and_one_removed_again_is_gone() -> None:
    nodes = [Node("Service", i, {"name": i}) for i in ("svc:a", "svc:b", "svc:c")]
    index = GraphIndex.of(_graph(nodes, []))
    again = updated(index, [Step("remove", nodes[0]), Step("put", nodes[0])])
    assert list(again.kinds["Service"]) == list(again.offers) == ["svc:a", "svc:b", "svc:c"]
    gone = updated(index, [Step("remove", nodes[0]), Step("put", nodes[0]), Step("remove", nodes[0])])
    assert_same(gone, GraphIndex.of(_graph(nodes[1:], [])))


async def test_the_old_index_is_left_as_it_was(seeded: Store) -> None:
    cache = ReadCache(seeded)
    before = await cache.reads()
    names = dict(before.index.by_id)
    await seeded.write(WRITES[0])
    after = await cache.reads()
    assert after is not before
    assert "svc:b5-kreis" in after.index.offers
    assert "svc:b5-kreis" not in before.index.offers
    assert before.index.by_id == names


@pytest.mark.parametrize("write", [WRITES[3], WRITES[5]])
async def test_writes_to_offers_alone_keep_the_network_measures(seeded: Store, write: Sequence[Change]) -> None:
    cache = ReadCache(seeded)
    before = await cache.reads()
    day = dt.date(2021, 7, 1)
    measures = before.measures(day)
    await seeded.write(write)
    assert (await cache.reads()).measures(day) is measures


async def test_writes_to_the_network_make_its_measures_anew(seeded: Store) -> None:
    cache = ReadCache(seeded)
    before = await cache.reads()
    day = dt.date(2021, 7, 1)
    measures = before.measures(day)
    await seeded.write(WRITES[1])
    assert (await cache.reads()).measures(day) is not measures


async def test_writes_to_offers_alone_update_a_days_catalogue_and_keep_what_they_cannot_change(seeded: Store) -> None:
    cache = ReadCache(seeded)
    day = dt.date(2021, 7, 1)
    before = await cache.reads()
    catalogue, gaps = before.catalogue(day), before.gaps(day)
    before.county_catalogue("mun:olfen", day)
    await seeded.write(WRITES[5])  # a description: the offer serves the same needs in the same areas
    after = await cache.reads()
    carried = dict(after._catalogues.items())  # before any request asked: carried over, not gathered
    assert carried[day].offers["svc:ds-coaching-cv"].node.props["description"] == "mit Bewerbungstraining"
    assert carried[day].offers == gather.catalogue(after.index, after.geography, gather.reference(after.index, day), day).offers
    assert carried[day].organisations is catalogue.organisations  # no provider changed
    assert day in dict(after._gaps.items())  # carried
    assert after.gaps(day) is gaps
    await seeded.write(WRITES[7])  # the course no longer in Olfen: a gap may open
    later = await cache.reads()
    assert day not in dict(later._gaps.items())  # not carried: made anew on first use
    assert later.gaps(day) == coverage_gaps(
        gather.catalogue(later.index, later.geography, gather.reference(later.index, day), day), day
    )


async def test_a_catalogue_being_made_when_a_write_is_followed_is_carried_not_made_again(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At 10 writes a second the next generation came before a state's catalogue (a third of a
    # second) was done, made it anew, and so on: gap reports took half a second for seconds.
    cache = ReadCache(seeded)
    day = dt.date(2021, 7, 1)
    before = await cache.reads()
    made: list[dt.date | None] = []
    started, finish = threading.Event(), threading.Event()
    gather_catalogue = gather.catalogue

    def slow(*args: object) -> object:
        made.append(args[-1])  # type: ignore[arg-type]
        started.set()
        finish.wait(10)
        return gather_catalogue(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(gather, "catalogue", slow)
    making = asyncio.ensure_future(asyncio.to_thread(before.catalogue, day))  # a request in a worker thread
    await asyncio.to_thread(started.wait, 10)
    writing = asyncio.ensure_future(seeded.write(WRITES[5]))  # to one offer alone
    await asyncio.sleep(0.2)
    assert not writing.done()  # followed before it returns, which waits for the catalogue in the making
    assert await cache.reads() is before  # meanwhile, requests are answered from the reads before it
    finish.set()
    await making
    await writing
    after = await cache.reads()
    assert day in dict(after._catalogues.items())
    assert after.catalogue(day).offers["svc:ds-coaching-cv"].node.props["description"] == "mit Bewerbungstraining"
    assert made == [day]  # made once, for the generation before the write


async def test_a_write_to_an_offer_keeps_the_offers_of_counties_it_is_not_available_in(seeded: Store) -> None:
    cache = ReadCache(seeded)
    day = dt.date(2021, 7, 1)
    before = await cache.reads()
    before.county_catalogue("mun:olfen", day)
    kept = dict(before._county_offers.items())
    assert kept
    await seeded.write([UpdateNode("svc:sprachcafe-olfen", 1, {"name": "Sprachcafé (neu)"})])
    assert dict((await cache.reads())._county_offers.items()) == {}  # available in Olfen's county: made anew
    await seeded.write([CreateNode(Node("Service", "svc:nirgends", {"name": "Nirgends verfügbar"}))])
    assert dict((await cache.reads())._county_offers.items()) == {}  # nothing asked since: nothing to keep
    after = await cache.reads()
    after.county_catalogue("mun:olfen", day)
    made = dict(after._county_offers.items())
    await seeded.write([UpdateNode("svc:nirgends", 1, {"name": "Immer noch nirgends"})])
    assert dict((await cache.reads())._county_offers.items()) == made  # available nowhere: the county's offers stay


async def test_a_write_to_an_offer_keeps_the_referral_worlds_of_counties_it_is_not_available_in(seeded: Store) -> None:
    cache = ReadCache(seeded)
    day, needs = dt.date(2021, 7, 1), ("need:sprache",)
    world = (await cache.reads()).referral_world("mun:olfen", day, needs)
    await seeded.write([CreateNode(Node("Service", "svc:nirgends", {"name": "Nirgends verfügbar"}))])
    assert (await cache.reads()).referral_world("mun:olfen", day, needs) is world  # available nowhere: carried
    await seeded.write([UpdateNode("svc:sprachcafe-olfen", 1, {"name": "Sprachcafé (neu)"})])
    after = (await cache.reads()).referral_world("mun:olfen", day, needs)
    assert after is not world  # available in Olfen's county: made anew, with the new name
    assert after.catalogue.offers["svc:sprachcafe-olfen"].node.props["name"] == "Sprachcafé (neu)"
    assert world.catalogue.offers["svc:sprachcafe-olfen"].node.props["name"] != "Sprachcafé (neu)"
    await seeded.write([Link(Edge("COOPERATES_WITH", "org:caritas-coesfeld", "org:geba"))])
    assert (await cache.reads()).referral_world("mun:olfen", day, needs) is not after  # not a write to offers alone


async def test_the_paths_through_a_county_network_are_kept_with_it_and_made_anew_with_it(seeded: Store) -> None:
    cache = ReadCache(seeded)
    day, anchor = dt.date(2021, 7, 1), "org:ki-coesfeld"

    async def paths() -> tuple[nx.Graph[str], Paths]:
        reads = await cache.reads()
        _, network = reads.county_network(reads.county_catalogue("mun:olfen", day), "mun:olfen", day, [anchor])
        return network, reads.paths(network, anchor)

    network, before = await paths()
    assert before["org:afa-coesfeld"] == (1.0, (anchor, "org:afa-coesfeld"))
    assert (await paths())[1] is before  # made once per network and organisation
    await seeded.write(WRITES[5])  # an offer's description: the network and its paths are carried over
    assert await paths() == (network, before)
    assert (await paths())[1] is before
    await seeded.write([Unlink("COOPERATES_WITH", "org:afa-coesfeld", anchor)])
    changed, after = await paths()
    assert changed is not network
    assert after["org:afa-coesfeld"][0] > 1.0  # no longer their direct tie
    assert after == shortest_paths(changed, anchor)


async def test_the_organisations_of_a_county_network_follow_writes(seeded: Store) -> None:
    cache = ReadCache(seeded)
    day = dt.date(2021, 7, 1)

    async def organisations() -> set[str]:
        reads = await cache.reads()
        return set(reads.county_network(reads.county_catalogue("mun:olfen", day), "mun:olfen", day)[0])

    before = await organisations()
    await seeded.write(WRITES[1])
    assert await organisations() == before  # in no municipality: not the county's
    await seeded.write([Link(Edge("LOCATED_IN", "org:aaa-neu", "mun:olfen"))])
    assert await organisations() == before | {"org:aaa-neu"}
    await seeded.write([Unlink("LOCATED_IN", "org:aaa-neu", "mun:olfen")])
    assert await organisations() == before


@pytest.fixture(autouse=True)
def every_request_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request waits for a check of the generation: these tests are about how writes are followed,
    not how soon another process's are noticed (``readcache.POLL``, ``readcache.STALE``: test_readcache)."""
    monkeypatch.setattr(readcache, "STALE", 0.0)


@pytest.fixture
async def other_process(neo4j_store: Neo4jStore | None, seed_data: GraphData) -> AsyncIterator[Neo4jStore]:
    """A second kimnet store on the seeded Neo4j database: what another worker or replica holds."""
    assert neo4j_store is not None
    await neo4j_store.replace_all(seed_data)
    other = await Neo4jStore.connect(NEO4J_URI, "neo4j", NEO4J_PASSWORD)
    try:
        yield other
    finally:
        await other.close()


@pytest.mark.neo4j
async def test_writes_of_another_process_are_followed_from_the_log(
    neo4j_store: Neo4jStore | None, other_process: Neo4jStore
) -> None:
    assert neo4j_store is not None
    cache = ReadCache(neo4j_store)
    await _answers(neo4j_store, cache)
    for write in WRITES:
        followed, kept = cache.followed, cache.kept
        await other_process.write(write)
        answers = await _answers(neo4j_store, cache)
        assert (cache.followed, cache.kept) == (followed + 1, kept), write  # from the log, not a read of the graph
        assert_same((await cache.reads()).index, await read_index(neo4j_store))
        cache = ReadCache(neo4j_store)  # the next request reads the store afresh
        assert await _answers(neo4j_store, cache) == answers, write


@pytest.mark.neo4j
async def test_a_process_further_behind_than_the_log_reads_the_graph(
    neo4j_store: Neo4jStore | None, other_process: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert neo4j_store is not None
    cache = ReadCache(neo4j_store)
    await cache.reads()
    monkeypatch.setattr(neo4j_log, "KEEP", 1)  # each write forgets the steps before its own
    for write in WRITES[:3]:
        await other_process.write(write)
    followed, kept = cache.followed, cache.kept
    found = await cache.reads()
    assert (cache.followed, cache.kept) == (followed, kept + 1)
    assert "org:aaa-neu" in found.index.by_id


#: Writes made in Cypher without kimnet, as Neo4j Browser or an ETL job would: every kind of change the trigger sees.
OUTSIDE_WRITES = {
    "a property set": ("MATCH (s:Entity {id: 'svc:sprachcafe-olfen'}) SET s.name = 'Sprachcafé (Browser)'"),
    "a property removed": ("MATCH (o:Entity {id: 'org:geba'}) REMOVE o.description"),
    "an offer made with its links": (
        "MATCH (o:Entity {id: 'org:geba'}), (m:Entity {id: 'mun:olfen'}), (n:Entity {id: 'need:sprache'}) "
        "CREATE (o)-[:PROVIDES]->(s:Entity:Service {id: 'svc:aus-dem-etl', name: 'Aus dem ETL', _version: 1}), "
        "(s)-[:AVAILABLE_IN {validTo: date('2022-12-31')}]->(m), (s)-[:ADDRESSES]->(n)"
    ),
    "a relationship's property": (
        "MATCH (:Entity {id: 'svc:integrationskurs-vhs-luedinghausen'})-[r:AVAILABLE_IN]->(:Entity {id: 'mun:olfen'}) "
        "SET r.validFrom = date('2022-01-01')"
    ),
    "a relationship deleted": (
        "MATCH (:Entity {id: 'org:afa-coesfeld'})-[r:COOPERATES_WITH]-(:Entity {id: 'org:ki-coesfeld'}) DELETE r"
    ),
    "a node deleted with its relationships": "MATCH (o:Entity {id: 'org:geba'}) DETACH DELETE o",
    "an entity no more": "MATCH (n:Entity {id: 'need:wohnen'}) REMOVE n:Entity",
    "two changes in one transaction": (
        "MATCH (a:Entity {id: 'org:caritas-coesfeld'}), (b:Entity {id: 'org:geba'}) "
        "MERGE (a)-[:COOPERATES_WITH {kind: 'Kooperation'}]->(b) SET a.name = 'Caritas (ETL)'"
    ),
    "nothing of kimnet's": "CREATE (:Notiz {text: 'nicht im Netz'})",
}


async def _cypher(statement: str) -> None:
    """Run ``statement`` as somebody else's tool would: its own driver, no metadata."""
    driver = AsyncGraphDatabase.driver(NEO4J_URI, auth=("neo4j", NEO4J_PASSWORD))
    try:
        await driver.execute_query(statement)  # type: ignore[arg-type]  # a test's own statement, not user input
    finally:
        await driver.close()


async def _trigger(store: Neo4jStore, *, runs: bool) -> None:
    """Start or stop the trigger for writes from outside, and wait until the database has reloaded it (APOC: every second)."""
    database = str((await store._query(neo4j_outside.DATABASE_NAME))[0]["name"])
    action = "CALL apoc.trigger.start($db, $name)" if runs else "CALL apoc.trigger.stop($db, $name)"
    await store._system(action, db=database, name=neo4j_outside.TRIGGER_NAME)  # type: ignore[arg-type]
    for _ in range(100):
        found = {r["name"]: r["paused"] for r in await store._query(neo4j_outside.ACTIVE_TRIGGERS)}
        if found.get(neo4j_outside.TRIGGER_NAME) is (not runs):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the trigger did not {'start' if runs else 'stop'} within 10 s")


@pytest.mark.neo4j
async def test_the_test_servers_log_writes_from_outside(neo4j_store: Neo4jStore | None) -> None:
    """scripts/neo4j starts Neo4j with APOC's triggers: where they are missing, the tests below would test the fallback alone."""
    assert neo4j_store is not None
    assert neo4j_store.outside_logged


@pytest.mark.neo4j
@pytest.mark.parametrize("write", OUTSIDE_WRITES)
async def test_a_write_in_cypher_without_kimnet_is_followed_from_the_log(
    neo4j_store: Neo4jStore | None, other_process: Neo4jStore, write: str
) -> None:
    """The trigger logs the ids it touched; the next request reads those alone and answers as a fresh read of the graph."""
    assert neo4j_store is not None
    await _trigger(neo4j_store, runs=True)
    cache = ReadCache(neo4j_store)
    await _answers(neo4j_store, cache)
    counts = (cache.followed, cache.kept, cache.outside)
    await _cypher(OUTSIDE_WRITES[write])
    answers = await _answers(neo4j_store, cache)
    if write == "nothing of kimnet's":
        assert (cache.followed, cache.kept, cache.outside) == counts  # counted beside the steps: no new generation
    else:
        assert (cache.followed, cache.kept, cache.outside) == (counts[0] + 1, counts[1], counts[2])
    assert_same((await cache.reads()).index, await read_index(neo4j_store))
    assert await _answers(neo4j_store, ReadCache(neo4j_store)) == answers


@pytest.mark.neo4j
async def test_a_bulk_write_from_outside_reads_the_graph(
    neo4j_store: Neo4jStore | None, other_process: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert neo4j_store is not None
    await _trigger(neo4j_store, runs=True)
    monkeypatch.setattr(neo4j_module, "RESYNC_LIMIT", 1)
    cache = ReadCache(neo4j_store)
    await cache.reads()
    followed, kept = cache.followed, cache.kept
    await _cypher(OUTSIDE_WRITES["two changes in one transaction"])  # two entities: a read of the graph costs less
    found = await cache.reads()
    assert (cache.followed, cache.kept) == (followed, kept + 1)
    assert found.index.by_id["org:caritas-coesfeld"].props["name"] == "Caritas (ETL)"


@pytest.mark.neo4j
async def test_a_write_in_cypher_that_no_trigger_logs_is_seen_within_the_bound(
    neo4j_store: Neo4jStore | None, other_process: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the trigger (no APOC, or stopped), the commit check notices the write and the graph is read again."""
    assert neo4j_store is not None
    monkeypatch.setattr(readcache, "OUTSIDE_CHECK", 0.2)
    await _trigger(neo4j_store, runs=False)
    try:
        cache = ReadCache(neo4j_store)
        await cache.reads()  # after the fixture's import (which it may take for a write from outside)
        outside = cache.outside
        await _cypher(OUTSIDE_WRITES["a property set"])
        await asyncio.sleep(0.25)
        noticed = await cache.reads()  # notices the write and reads the graph in the background
        assert noticed.index.by_id["svc:sprachcafe-olfen"].props["name"] != "Sprachcafé (Browser)"  # meanwhile: as before
        assert cache.outside == outside + 1
        found = await _seen(cache, "Sprachcafé (Browser)")
        assert cache.outside == outside + 1
        assert_same(found.index, await read_index(neo4j_store))
    finally:
        await _trigger(neo4j_store, runs=True)


async def _seen(cache: ReadCache, name: str) -> Reads:
    """The reads once they show the offer's new name (a read of the graph in the background: a few seconds at most)."""
    for _ in range(200):
        found = await cache.reads()
        if found.index.by_id["svc:sprachcafe-olfen"].props["name"] == name:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name} not seen within 10 s")


@pytest.mark.neo4j
async def test_writes_through_kimnet_are_not_taken_for_writes_from_outside(
    neo4j_store: Neo4jStore | None, other_process: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert neo4j_store is not None
    monkeypatch.setattr(readcache, "OUTSIDE_CHECK", 0.0)  # a check on every request
    cache = ReadCache(neo4j_store)
    await cache.reads()  # after the fixture's import (which it may take for a write from outside)
    outside, followed = cache.outside, cache.followed
    for store, write in zip([neo4j_store, other_process, neo4j_store], WRITES[:3], strict=True):
        await store.write(write)
        await cache.reads()
    assert (cache.outside, cache.followed) == (outside, followed + 3)


VERIFIED_BY = Actor("ki", "coordinator", "verify")
PROPOSED_BY = Actor("partner-caritas", "partner", "createService")
AT = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.neo4j
async def test_proposals_and_verifications_are_not_taken_for_writes_from_outside(
    neo4j_store: Neo4jStore | None, other_process: Neo4jStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """They change nothing the index holds: neither process reads the graph again after them."""
    assert neo4j_store is not None
    monkeypatch.setattr(readcache, "OUTSIDE_CHECK", 0.0)  # a check on every request
    cache = ReadCache(neo4j_store)
    verified = SideWrite(verifications=(("svc:sprachcafe-olfen", verification(AT, "coordinator", None, "CONFIRMED")),))
    change = [UpdateNode("svc:sprachcafe-olfen", 1, {"name": "Sprachcafé Olfen (vorgeschlagen)"})]
    planned, rests_on = rehearse(change, await neo4j_store.get_nodes(["svc:sprachcafe-olfen"]), {})

    def proposal() -> SideWrite:
        made = Proposal.new(
            "partner-caritas", "partner", ["org:caritas-coesfeld"], "updateService", change, planned, rests_on, AT
        )
        return SideWrite(made)

    # Once before: the first use of a label or property key in a database commits a transaction of
    # Neo4j's own (its token), which is rightly taken for a write from outside.
    await neo4j_store.write([], PROPOSED_BY, side=proposal())
    await neo4j_store.write([], VERIFIED_BY, side=verified)
    cached = await cache.reads()
    outside, kept = cache.outside, cache.kept
    for store, actor, side in [
        (neo4j_store, VERIFIED_BY, verified),
        (other_process, VERIFIED_BY, verified),
        (other_process, PROPOSED_BY, proposal()),
    ]:
        await store.write([], actor, side=side)
        assert await cache.reads() is cached
    assert (cache.outside, cache.kept) == (outside, kept)
    # A kimnet write after them is still followed, and one from outside still seen.
    await other_process.write(WRITES[3])
    assert (await cache.reads()).index.by_id["svc:sprachcafe-olfen"].props["name"] == "Sprachcafé Olfen (neu)"
    assert (cache.outside, cache.kept) == (outside, kept)
    await _cypher(OUTSIDE_WRITES["a property set"])
    await _seen(cache, "Sprachcafé (Browser)")  # logged by the trigger: followed, not read
    assert (cache.outside, cache.kept) == (outside, kept)


async def test_a_read_of_the_graph_that_a_write_straddles_is_brought_up_to_date_and_kept(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read under a write a second never saw one generation: thrown away and begun again, it kept a worker stale for tens of seconds."""
    cache = ReadCache(seeded)
    whole = readcache.read_index

    async def straddled(store: Store) -> GraphIndex:
        index = await whole(store)
        await seeded.write(WRITES[3])  # lands after the graph was read, before the read is done
        return index

    monkeypatch.setattr(readcache, "read_index", straddled)
    found = await cache.reads()
    monkeypatch.setattr(readcache, "read_index", whole)
    assert (cache.kept, cache.discarded) == (1, 0)
    assert found.index.by_id["svc:sprachcafe-olfen"].props["name"] == "Sprachcafé Olfen (neu)"
    assert found.generation == await seeded.generation()
    assert await cache.reads() is found  # kept: the next request is served from it
    assert_same(found.index, await read_index(seeded))


async def test_a_fault_in_following_reads_the_graph_instead(seeded: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ReadCache(seeded)
    await cache.reads()

    def broken(*args: object) -> GraphIndex:
        raise RuntimeError("a bug in following")

    monkeypatch.setattr(reads, "updated", broken)
    kept, followed = cache.kept, cache.followed
    await seeded.write(WRITES[0])  # followed before it returns: the graph is read then
    assert "svc:b5-kreis" in (await cache.reads()).index.offers
    assert (cache.kept, cache.followed) == (kept + 1, followed)


@pytest.mark.neo4j
def test_the_metrics_say_whether_writes_from_outside_are_logged(neo4j_store: Neo4jStore | None) -> None:
    assert neo4j_store is not None
    metrics = Metrics(lambda: neo4j_store, lambda: True, lambda: None)
    assert 'kimnet_store_outside_writes_logged{store="neo4j"} 1.0' in metrics.render().decode()
    neo4j_store.outside_logged = False
    try:
        assert 'kimnet_store_outside_writes_logged{store="neo4j"} 0.0' in metrics.render().decode()
    finally:
        neo4j_store.outside_logged = True


@pytest.mark.neo4j
async def test_a_commit_mark_pairs_the_transaction_id_with_the_writes_counted_by_then(
    neo4j_store: Neo4jStore | None, other_process: Neo4jStore
) -> None:
    """Marked while another process writes: each mark's transactions since the first are exactly kimnet's writes.

    One transaction that read the count and handed its bookmark could pair a write's id with
    the count before it: a write from outside, seen where there was none (the whole graph read
    again; once at 10 writes a second in bench/mixed).
    """
    assert neo4j_store is not None
    target = "svc:sprachcafe-olfen"
    version = (await other_process.get_nodes([target]))[target].version
    await other_process.write([UpdateNode(target, version, {"name": "Sprachcafé 0"})])  # Neo4j's tokens, once
    version += 1
    trips = neo4j_store.round_trips
    first = await neo4j_store.commit_mark()
    assert first is not None
    assert neo4j_store.round_trips - trips == 3  # three counts, while nothing writes
    writing = True

    async def writer() -> int:
        nonlocal version
        written = 0
        while writing:
            await other_process.write([UpdateNode(target, version, {"name": f"Sprachcafé {written}"})])
            version, written = version + 1, written + 1
        return written

    task = asyncio.create_task(writer())
    marks = []
    for _ in range(150):
        if (mark := await neo4j_store.commit_mark()) is not None:
            marks.append(mark)
    writing = False
    written = await task
    assert written > 10
    assert len(marks) > 100
    assert all(mark[0] - first[0] == mark[1] - first[1] for mark in marks)
    last = await neo4j_store.commit_mark()
    assert last is not None
    assert last[1] - first[1] == written
