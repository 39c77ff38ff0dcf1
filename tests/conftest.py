"""Fixtures shared by the whole suite: the two stores and the seed.

Every store test runs against both backends through the parametrised ``store``
fixture. The Neo4j one needs the server that ``scripts/neo4j start`` runs (the
README's test command starts it). When Neo4j does not answer, its tests fail:
they are never skipped. ``KIMNET_TEST_BACKENDS=embedded`` runs the embedded
store alone, for quick local work.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from neo4j import RoutingControl

from kimnet.graph.io.seedfile import load_seed_dir
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.read import readcache
from kimnet.graph.stores.embedded import EmbeddedStore
from kimnet.graph.stores.neo4j import Neo4jStore
from kimnet.graph.stores.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "coesfeld"
BACKENDS = os.environ.get("KIMNET_TEST_BACKENDS", "embedded,neo4j").split(",")
if os.environ.get("CI") == "true" and "neo4j" not in BACKENDS:
    # Leaving Neo4j out is for quick local work; in CI its tests must run (and fail, never skip).
    raise pytest.UsageError("under CI=true the Neo4j tests must run: unset KIMNET_TEST_BACKENDS")
NEO4J_URI = os.environ.get("KIMNET_TEST_NEO4J_URI", "bolt://127.0.0.1:" + os.environ.get("KIMNET_NEO4J_BOLT_PORT", "7687"))
NEO4J_PASSWORD = os.environ.get("KIMNET_NEO4J_PASSWORD", "kimnet-dev-password")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave the Neo4j-only tests out of a quick local run without Neo4j (deselected, not skipped;
    under CI=true such a run is refused above)."""
    if "neo4j" in BACKENDS:
        return
    dropped = [i for i in items if i.get_closest_marker("neo4j") or "fault_neo4j" in getattr(i, "fixturenames", ())]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]


@pytest.fixture(scope="session")
def seed_data() -> GraphData:
    return load_seed_dir(SEED)


@pytest.fixture(scope="session")
async def neo4j_store() -> AsyncIterator[Neo4jStore | None]:
    if "neo4j" not in BACKENDS:
        yield None
        return
    try:
        store = await Neo4jStore.connect(NEO4J_URI, "neo4j", NEO4J_PASSWORD)
    except Exception as exc:  # a missing Neo4j is a failure of these tests, never a skip
        pytest.fail(f"Neo4j at {NEO4J_URI} does not answer ({exc}); start it with scripts/neo4j start", pytrace=False)
    yield store
    await store.close()


@pytest.fixture(autouse=True)
def _no_outside_checks_by_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """No check for writes from outside kimnet in a test that does not ask for one.

    They run every ``OUTSIDE_CHECK`` seconds of the clock: a slow run would add a
    round trip to tests that count them. The tests of the check set it themselves.
    """
    monkeypatch.setattr(readcache, "OUTSIDE_CHECK", 3600.0)


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path, neo4j_store: Neo4jStore | None) -> AsyncIterator[Store]:
    """An empty store of each backend."""
    if request.param == "neo4j":
        assert neo4j_store is not None
        neo4j = neo4j_store
        await neo4j.replace_all(GraphData())
        # An import leaves what Neo4j keeps beside the graph (like the audit trail); a test's
        # empty store starts without the proposals and freshness of earlier tests and runs too.
        await neo4j._query("MATCH (n) WHERE n:ChangeProposal OR n:Freshness DETACH DELETE n", routing=RoutingControl.WRITE)
        neo4j.round_trips = 0
        # The server is shared by the session, the caches of earlier tests are not: one that a failed
        # test's traceback kept alive followed this test's writes, read the graph through this test's
        # stand-in for read_index and waited on it for ever (CI hung after one failure).
        neo4j.listeners.clear()
        yield neo4j
        neo4j.listeners.clear()
    else:
        embedded = EmbeddedStore.open(tmp_path / "store")
        yield embedded
        await embedded.close()


@pytest.fixture
async def seeded(store: Store, seed_data: GraphData) -> Store:
    """A store of each backend holding the Coesfeld seed."""
    await store.replace_all(seed_data)
    store.round_trips = 0
    return store
