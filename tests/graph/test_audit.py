"""The audit trail and idempotent writes, on both stores.

A write made by someone is recorded once, with before and after, in the same
transaction; a replayed write (after a lost acknowledgement) changes nothing,
records nothing and does not fail as a duplicate.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
import zlib
from pathlib import Path

import pytest

from kimnet.graph.model.audit import Actor, AuditQuery
from kimnet.graph.model.changes import CreateNode, DeleteNode, Link, Unlink, UpdateNode
from kimnet.graph.model.errors import DuplicateError, NotFoundError, StaleVersionError, StoreCorruptedError
from kimnet.graph.model.graphdata import checksum
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.stores.auditlog import AUDIT
from kimnet.graph.stores.embedded import EmbeddedStore
from kimnet.graph.stores.journal import JOURNAL
from kimnet.graph.stores.store import Store


def _actor(operation: str) -> Actor:
    # A subject of its own per test: Neo4j keeps audit entries across the tests' graph resets.
    return Actor(f"tester-{uuid.uuid4().hex[:8]}", "coordinator", operation, "req-1")


async def test_a_write_is_recorded_with_who_when_and_before_and_after(seeded: Store) -> None:
    actor = _actor("updateMunicipality")
    started = dt.datetime.now(dt.UTC)
    await seeded.write([UpdateNode("mun:olfen", 1, {"population": 13001})], actor)
    [entry] = await seeded.audit_trail(AuditQuery(subject=actor.subject))
    assert (entry.subject, entry.role, entry.operation, entry.request_id) == (
        actor.subject,
        "coordinator",
        "updateMunicipality",
        "req-1",
    )
    assert started - dt.timedelta(seconds=1) <= entry.at <= dt.datetime.now(dt.UTC)
    [change] = entry.changes
    assert (change.action, change.target) == ("update", "mun:olfen")
    assert change.before is not None
    assert change.after is not None
    assert change.after["population"] == 13001
    assert change.before["population"] != 13001
    assert (change.before["version"], change.after["version"]) == (1, 2)
    assert entry.entities == ("mun:olfen",)


async def test_every_kind_of_change_is_recorded(seeded: Store) -> None:
    actor = _actor("several")
    await seeded.write([CreateNode(Node("Need", "need:audited", {"name": "Audited"}))], actor)
    await seeded.write([Link(Edge("ADDRESSES", "svc:ds-coaching-cv", "need:audited"))], actor)
    await seeded.write([Unlink("ADDRESSES", "svc:ds-coaching-cv", "need:audited")], actor)
    await seeded.write([DeleteNode("need:audited")], actor)
    entries = await seeded.audit_trail(AuditQuery(subject=actor.subject))
    assert [(e.changes[0].action, e.changes[0].target) for e in entries] == [
        ("delete", "need:audited"),
        ("unlink", "ADDRESSES svc:ds-coaching-cv -> need:audited"),
        ("link", "ADDRESSES svc:ds-coaching-cv -> need:audited"),
        ("create", "need:audited"),
    ]
    assert entries[0].changes[0].before == {"kind": "Need", "version": 1, "name": "Audited"}
    assert entries[0].changes[0].after is None
    assert entries[-1].changes[0].before is None


async def test_the_trail_is_filtered_and_paged_newest_first(seeded: Store) -> None:
    actor = _actor("updateNeed")
    for version in (1, 2, 3):
        await seeded.write([UpdateNode("need:sprache", version, {"description": f"v{version + 1}"})], actor)
    first = await seeded.audit_trail(AuditQuery(subject=actor.subject, limit=2))
    assert [e.changes[0].after["description"] for e in first] == ["v4", "v3"]  # type: ignore[index]
    rest = await seeded.audit_trail(AuditQuery(subject=actor.subject, before=(first[-1].at, first[-1].id)))
    assert [e.changes[0].after["description"] for e in rest] == ["v2"]  # type: ignore[index]
    assert len(await seeded.audit_trail(AuditQuery(subject=actor.subject, entity="need:sprache"))) == 3
    assert await seeded.audit_trail(AuditQuery(subject=actor.subject, entity="mun:olfen")) == []
    assert await seeded.audit_trail(AuditQuery(subject=actor.subject, since=dt.datetime.now(dt.UTC))) == []


async def test_a_write_without_an_actor_and_a_refused_write_record_nothing(seeded: Store) -> None:
    actor = _actor("createNeed")
    await seeded.write([CreateNode(Node("Need", "need:quiet", {"name": "Quiet"}))])
    with pytest.raises(DuplicateError):
        await seeded.write([CreateNode(Node("Need", "need:quiet", {"name": "Loud"}))], actor)
    assert await seeded.audit_trail(AuditQuery(subject=actor.subject)) == []


async def test_a_replayed_create_succeeds_writes_nothing_and_records_nothing(seeded: Store) -> None:
    actor = _actor("createService")
    changes = [
        CreateNode(Node("Service", "svc:replayed", {"name": "Replayed", "validFrom": "2024-01-01"})),
        Link(Edge("PROVIDES", "org:geba", "svc:replayed")),
    ]
    first = await seeded.write(changes, actor)
    after_first = checksum(await seeded.snapshot())
    again = await seeded.write(changes, actor)
    assert again == first
    assert checksum(await seeded.snapshot()) == after_first
    assert len(await seeded.audit_trail(AuditQuery(subject=actor.subject))) == 1
    with pytest.raises(DuplicateError, match="svc:replayed exists already"):
        await seeded.write([CreateNode(Node("Service", "svc:replayed", {"name": "Other content"}))], actor)


async def test_a_replayed_update_succeeds_once_and_a_different_one_is_stale(seeded: Store) -> None:
    actor = _actor("updateNeed")
    [updated] = await seeded.write([UpdateNode("need:sprache", 1, {"description": "neu"})], actor)
    [again] = await seeded.write([UpdateNode("need:sprache", 1, {"description": "neu"})], actor)
    assert isinstance(again, Node)
    assert isinstance(updated, Node)
    assert (again.version, again.props) == (2, updated.props)
    assert len(await seeded.audit_trail(AuditQuery(subject=actor.subject))) == 1
    with pytest.raises(StaleVersionError):
        await seeded.write([UpdateNode("need:sprache", 1, {"description": "anders"})], actor)


async def test_a_replayed_link_succeeds_and_one_with_other_properties_is_a_duplicate(seeded: Store) -> None:
    link = Link(Edge("COOPERATES_WITH", "org:geba", "org:fi-olfen", {"kind": "Praktika"}))
    await seeded.write([link])
    before = checksum(await seeded.snapshot())
    await seeded.write([link])
    assert checksum(await seeded.snapshot()) == before
    with pytest.raises(DuplicateError, match="already linked"):
        await seeded.write([Link(Edge("COOPERATES_WITH", "org:geba", "org:fi-olfen", {"kind": "Beratung"}))])


async def test_a_delete_records_every_relationship_it_removes_and_partners_see_it(seeded: Store) -> None:
    before = await seeded.snapshot()
    ties = sorted(e.key for e in before.edges.values() if "org:geba" in (e.source, e.target))
    assert len(ties) >= 5
    actor = _actor("deleteOrganisation")
    await seeded.write([DeleteNode("org:geba", 1)], actor)
    [entry] = await seeded.audit_trail(AuditQuery(subject=actor.subject))
    deleted, *unlinked = entry.changes
    assert (deleted.action, deleted.target, deleted.after) == ("delete", "org:geba", None)
    assert {c.action for c in unlinked} == {"unlink"}
    assert sorted(tuple(c.target.replace(" -> ", " ").split(" ")) for c in unlinked) == ties
    for change in unlinked:
        type_, source, _, target = change.target.split(" ")
        edge = before.edges[(type_, source, target)]
        assert change.before == {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in edge.props.items()}
    partners = {k for _, s, t in ties for k in (s, t)} - {"org:geba"}
    for partner in partners:
        assert [e.id for e in await seeded.audit_trail(AuditQuery(entity=partner, subject=actor.subject))] == [entry.id]


@pytest.mark.parametrize("version", [None, 1])
async def test_a_retried_delete_that_had_landed_succeeds_and_records_nothing(seeded: Store, version: int | None) -> None:
    actor = _actor("deleteOrganisation")
    [first] = await seeded.write([DeleteNode("org:geba", version)], actor)
    after = checksum(await seeded.snapshot())
    [again] = await seeded.write([DeleteNode("org:geba", version)], actor)
    assert (again.id, again.version) == (first.id, first.version) == ("org:geba", 1)
    assert checksum(await seeded.snapshot()) == after
    assert len(await seeded.audit_trail(AuditQuery(subject=actor.subject))) == 1
    with pytest.raises(NotFoundError):
        await seeded.write([DeleteNode("org:geba", 7)], actor)  # not the version that was deleted
    with pytest.raises(NotFoundError):
        await seeded.write([DeleteNode("org:never-was")], actor)


async def test_a_delete_after_a_re_create_is_not_taken_for_a_replay(seeded: Store) -> None:
    actor = _actor("several")
    await seeded.write([CreateNode(Node("Need", "need:phoenix", {"name": "P"}))], actor)
    await seeded.write([DeleteNode("need:phoenix")], actor)
    await seeded.write([CreateNode(Node("Need", "need:phoenix", {"name": "P"}))], actor)
    await seeded.write([UpdateNode("need:phoenix", 1, {"name": "Q"})], actor)
    await seeded.write([DeleteNode("need:phoenix", 2)], actor)
    [replayed] = await seeded.write([DeleteNode("need:phoenix", 2)], actor)
    assert replayed.version == 2
    with pytest.raises(NotFoundError):
        await seeded.write([DeleteNode("need:phoenix", 1)], actor)


async def test_the_embedded_trail_survives_a_restart_and_drops_an_unacknowledged_entry(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path)
    await store.write([CreateNode(Node("Need", "need:kept", {"name": "Kept"}))], Actor("ada", "admin", "createNeed"))
    await store.close()
    # A crash between the audit line and the journal line leaves an entry for a write never acknowledged.
    audit = tmp_path / AUDIT
    first = audit.read_bytes()
    body = first.split(b" ", 1)[1].rstrip(b"\n").replace(b'"seq":1', b'"seq":2')
    audit.write_bytes(first + b"%08x " % zlib.crc32(body) + body + b"\n")
    journal = (tmp_path / JOURNAL).read_bytes()
    store = EmbeddedStore.open(tmp_path)
    try:
        assert [e.changes[0].target for e in await store.audit_trail(AuditQuery())] == ["need:kept"]
        assert audit.read_bytes() == first  # the dangling line is gone from disk too
        assert (tmp_path / JOURNAL).read_bytes() == journal
    finally:
        await store.close()


async def test_a_damaged_audit_file_is_reported_at_start(tmp_path: Path) -> None:
    store = EmbeddedStore.open(tmp_path)
    await store.write([CreateNode(Node("Need", "need:kept", {"name": "Kept"}))], Actor("ada", "admin", "createNeed"))
    await store.close()
    audit = tmp_path / AUDIT
    audit.write_bytes(audit.read_bytes().replace(b"Kept", b"Kapt"))
    with pytest.raises(StoreCorruptedError, match=r"audit.kim, line 1 is damaged \(checksum mismatch\)"):
        EmbeddedStore.open(tmp_path)


# Writes needs with an actor, one at a time, and prints each number once the write is acknowledged.
AUDITED_WRITER = """
import asyncio, sys
from kimnet.graph.model.audit import Actor
from kimnet.graph.model.changes import CreateNode
from kimnet.graph.model.kinds import Node
from kimnet.graph.stores.embedded import EmbeddedStore

async def main(folder: str) -> None:
    store = EmbeddedStore.open(folder, compact_after=25)
    number = 0
    while True:
        number += 1
        await store.write([CreateNode(Node("Need", f"need:k-{number}", {"name": "x" * (number % 200)}))], Actor("w", "admin", "createNeed"))
        print(number, flush=True)

asyncio.run(main(sys.argv[1]))
"""


def _audited_writes_until_killed(folder: Path, acks_before_kill: int) -> list[int]:
    writer = subprocess.Popen([sys.executable, "-c", AUDITED_WRITER, str(folder)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    acked: list[int] = []
    for line in writer.stdout:
        acked.append(int(line))
        if len(acked) >= acks_before_kill:
            os.kill(writer.pid, signal.SIGKILL)
            break
    acked += [int(line) for line in writer.stdout]
    writer.wait()
    return acked


@pytest.mark.parametrize("acks_before_kill", [3, 61])
async def test_kill_9_during_audited_writes_leaves_one_entry_per_surviving_write(tmp_path: Path, acks_before_kill: int) -> None:
    acked = _audited_writes_until_killed(tmp_path, acks_before_kill)
    store = EmbeddedStore.open(tmp_path)
    try:
        needs = {n.id for n in await store.nodes_of_kind("Need")}
        assert {f"need:k-{n}" for n in acked} <= needs
        targets = [c.target for e in await store.audit_trail(AuditQuery(limit=10_000)) for c in e.changes]
        assert sorted(targets) == sorted(needs)  # every surviving write has its entry, and only those
    finally:
        await store.close()
