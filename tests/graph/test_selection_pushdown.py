"""The Neo4j statements generated from a selection (audit trail, proposals queue) select what ``select`` selects.

The same records go to Neo4j and to the Python rule; every condition, its
boundaries (a time equal to ``since`` or ``until``) and keyset paging across ties
(two records at one time) are asked of both.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import pytest
from neo4j import RoutingControl

from kimnet.graph.model.audit import Actor, AuditEntry, AuditQuery, encode_entry, select
from kimnet.graph.model.proposals import Proposal, ProposalQuery, listing, select_proposals
from kimnet.graph.model.sidewrite import SideWrite
from kimnet.graph.stores.neo4j import Neo4jStore

pytestmark = pytest.mark.neo4j

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


def _entries() -> list[AuditEntry]:
    # Two entries per time, their ids not in the order they were made: the order's second part decides.
    ids = ["e07", "e03", "e11", "e00", "e05", "e09", "e01", "e10", "e04", "e08", "e02", "e06"]
    return [
        AuditEntry(
            ids[i],
            T0 + (i // 2) * SECOND,
            ("s1", "s2")[i % 2],
            "admin",
            ("createService", "updateService", "deleteNeed")[i % 3],
            None,
            (),
            ("svc:a", "org:x") if i % 4 == 0 else ("need:b",),
        )
        for i in range(12)
    ]


def _audit_queries(entries: list[AuditEntry]) -> list[AuditQuery]:
    tie = entries[5]  # shares its time with entries[4]
    return [
        AuditQuery(),
        AuditQuery(subject="s2"),
        AuditQuery(entity="org:x"),
        AuditQuery(operation="deleteNeed"),
        AuditQuery(since=entries[4].at),
        AuditQuery(until=entries[7].at),
        AuditQuery(since=entries[4].at, until=entries[7].at, subject="s1"),
        AuditQuery(before=(tie.at, tie.id)),
        AuditQuery(before=(entries[4].at, entries[4].id), limit=3),
        AuditQuery(before=(tie.at, tie.id), entity="need:b", limit=2),
        AuditQuery(entity="nobody:here"),
    ]


async def test_the_audit_trail_statement_selects_what_select_selects(neo4j_store: Neo4jStore | None) -> None:
    assert neo4j_store is not None
    write = functools.partial(neo4j_store._query, routing=RoutingControl.WRITE)
    await write("MATCH (a:AuditEntry) DETACH DELETE a")
    entries = _entries()
    for entry in entries:
        await write("CREATE (a:AuditEntry) SET a = $props", props=encode_entry(entry))
    sizes = []
    for query in _audit_queries(entries):
        expected = [e.id for e in select(entries, query)]
        assert [e.id for e in await neo4j_store.audit_trail(query)] == expected, query
        sizes.append(len(expected))
    await write("MATCH (a:AuditEntry) DETACH DELETE a")
    # The boundaries count: since and until keep the entries at their very time.
    assert (sizes[0], sizes[4], sizes[5], sizes[-1]) == (12, 8, 8, 0)
    assert 0 < sizes[7] < 12


def _proposals() -> list[Proposal]:
    statuses = ("PENDING", "APPROVED", "REJECTED")
    ids = ["prop:c", "prop:a", "prop:f", "prop:b", "prop:e", "prop:d"]
    return [
        Proposal(
            ids[i],
            ("alice", "bob")[i % 2],
            "partner",
            (("org:x",), ("org:y", "org:z"), ("org:z",))[i % 3],
            "updateService",
            (),
            (),
            {},
            T0 + (i // 2) * SECOND,
            statuses[i % 3],
        )
        for i in range(6)
    ]


async def test_the_proposals_statement_selects_what_select_proposals_selects(neo4j_store: Neo4jStore | None) -> None:
    assert neo4j_store is not None
    await neo4j_store._query("MATCH (p:ChangeProposal) DETACH DELETE p", routing=RoutingControl.WRITE)
    proposals = _proposals()
    for proposal in proposals:
        await neo4j_store.write([], Actor("tester", "admin", "propose"), SideWrite(dataclasses.replace(proposal)))
    tie = listing(proposals[3])  # shares its time with proposals[2]
    queries = [
        ProposalQuery(),
        ProposalQuery(status="PENDING"),
        ProposalQuery(organisations=("org:z",)),
        ProposalQuery(organisations=("org:x", "org:y")),
        ProposalQuery(author="bob"),
        ProposalQuery(after=(tie["createdAt"], tie["id"])),
        ProposalQuery(after=(tie["createdAt"], tie["id"]), organisations=("org:z",), limit=1),
        ProposalQuery(limit=2),
        ProposalQuery(author="nobody"),
    ]
    sizes = []
    for query in queries:
        expected = [p.id for p in select_proposals(proposals, query)]
        assert [p.id for p in await neo4j_store.proposals(query)] == expected, query
        sizes.append(len(expected))
    await neo4j_store._query("MATCH (p:ChangeProposal) DETACH DELETE p", routing=RoutingControl.WRITE)
    assert (sizes[0], sizes[-1]) == (6, 0)
    assert 0 < sizes[5] < 6
