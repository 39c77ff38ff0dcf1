"""On Neo4j, checking a scoped write stays a lookup by key: every statement it runs seeks by id, none scans.

This is the weakness of authorization rules that become filters over a label
(as ``@neo4j/graphql``'s do): a lookup by key turns into a scan of every node.
kimnet's scope rules are Python over facts read by key (``graph.read.scope_facts.read_facts``),
and proposals and freshness are found by id too; the plans of those statements
must start from the uniqueness constraints' indexes.
"""

from __future__ import annotations

from typing import Any, LiteralString

import pytest
from neo4j import AsyncGraphDatabase

from kimnet.graph.stores import neo4j_side
from kimnet.graph.stores.neo4j import Neo4jStore
from kimnet.graph.stores.neo4j_read import GET_NODES, NEIGHBOURS
from kimnet.graph.stores.neo4j_write import LOCK_NODE
from tests.conftest import NEO4J_PASSWORD, NEO4J_URI

pytestmark = pytest.mark.neo4j

#: What graph.read.scope_facts.read_facts and the proposal and freshness lookups run.
BY_KEY: dict[str, LiteralString] = {
    "nodes": GET_NODES,
    "lock": LOCK_NODE,
    "providers": NEIGHBOURS["in"]["PROVIDES"],
    "offer places": NEIGHBOURS["out"]["AVAILABLE_IN"],
    "organisation places": NEIGHBOURS["out"]["LOCATED_IN"],
    "posts' places": NEIGHBOURS["out"]["COVERS"],
    "regions above": NEIGHBOURS["out"]["PART_OF"],
    "proposal by id": neo4j_side.PROPOSALS_BY_ID,
    "proposal lock": neo4j_side.LOCK_PROPOSAL,
    "freshness by id": neo4j_side.FRESHNESS_OF,
}

_SCANS = ("AllNodesScan", "NodeByLabelScan", "NodeIndexScan", "DirectedRelationshipTypeScan", "UndirectedRelationshipTypeScan")


def _operators(plan: Any) -> list[str]:
    name = str(plan["operatorType"]).split("@")[0]
    return [name, *(op for child in plan.get("children", []) for op in _operators(child))]


@pytest.mark.parametrize("name", list(BY_KEY))
async def test_scope_statements_seek_by_key(neo4j_store: Neo4jStore, name: str) -> None:
    driver = AsyncGraphDatabase.driver(NEO4J_URI, auth=("neo4j", NEO4J_PASSWORD))
    try:
        async with driver.session() as session:
            # Right after a test wiped and reloaded the database, the index statistics still say the
            # index is empty, and the planner then prefers a scan; a running database's follow its
            # data. Plan with statistics that match the data, as production's do.
            indexes = await session.run("SHOW RANGE INDEXES YIELD name")
            for index in [record["name"] async for record in indexes]:
                await (await session.run("CALL db.resampleIndex($name)", name=index)).consume()
            await (await session.run("CALL db.awaitIndexes(60)")).consume()
            await (await session.run("CALL db.clearQueryCaches()")).consume()
            result = await session.run("EXPLAIN " + BY_KEY[name], ids=["svc:x"], id="svc:x")
            summary = await result.consume()
    finally:
        await driver.close()
    assert summary.plan is not None
    operators = _operators(summary.plan)
    assert any("UniqueIndexSeek" in op for op in operators), operators
    assert not [op for op in operators if op.startswith(_SCANS)], operators
