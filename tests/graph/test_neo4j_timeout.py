"""Every Neo4j transaction of a request has a server-side timeout; running over it is a clear error."""

from __future__ import annotations

import time
from typing import Any

import pytest
from neo4j import AsyncGraphDatabase, Query

from kimnet.graph.model.changes import UpdateNode
from kimnet.graph.model.errors import StoreTimeoutError
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Node
from kimnet.graph.stores.neo4j import Neo4jStore
from tests.conftest import NEO4J_PASSWORD, NEO4J_URI

pytestmark = pytest.mark.neo4j


async def test_a_write_that_waits_past_the_timeout_is_ended_by_neo4j_with_a_clear_error(neo4j_store: Neo4jStore) -> None:
    await neo4j_store.replace_all(GraphData({"need:locked": Node("Need", "need:locked", {"name": "Locked"})}))
    store = await Neo4jStore.connect(NEO4J_URI, "neo4j", NEO4J_PASSWORD, tx_timeout=1.0)
    other = AsyncGraphDatabase.driver(NEO4J_URI, auth=("neo4j", NEO4J_PASSWORD))
    try:
        async with other.session() as session:
            holder = await session.begin_transaction()
            await (await holder.run("MATCH (n:Entity {id: 'need:locked'}) SET n.name = 'held'")).consume()
            started = time.monotonic()
            with pytest.raises(StoreTimeoutError, match=r"the database ended the transaction after 1 s \(KIMNET_NEO4J_TIMEOUT\)"):
                await store.write([UpdateNode("need:locked", 1, {"name": "Waiting"})])
            assert time.monotonic() - started < 10
            await holder.rollback()
        [node] = (await store.get_nodes(["need:locked"])).values()
        assert node.props["name"] == "Locked"  # nothing of the ended write landed
    finally:
        await other.close()
        await store.close()


async def test_every_read_carries_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    store = Neo4jStore.open(NEO4J_URI, "neo4j", NEO4J_PASSWORD, tx_timeout=2.5)
    seen: list[Any] = []

    async def execute_query(query: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(query)
        raise OSError("not really sent")

    monkeypatch.setattr(store._driver, "execute_query", execute_query)
    with pytest.raises(Exception, match="Neo4j is unavailable"):
        await store.get_nodes(["mun:olfen"])
    assert isinstance(seen[0], Query)
    assert seen[0].timeout == 2.5
    await store.close()
