"""Whole-graph imports on both stores: progress, the edges primitive, and no half-import ever visible."""

from __future__ import annotations

import asyncio

import pytest

from kimnet.graph.io.synthetic import nrw
from kimnet.graph.model.errors import StoreError
from kimnet.graph.model.graphdata import GraphData, checksum, counts
from kimnet.graph.stores.embedded import EmbeddedStore
from kimnet.graph.stores.neo4j import Neo4jStore
from kimnet.graph.stores.neo4j_import import import_batches, stage, swap
from kimnet.graph.stores.store import Store

from .test_store_contract import small_graph


async def test_an_import_reports_its_progress_up_to_every_row(store: Store) -> None:
    data = nrw(seed=2, scale=0.02)
    seen: list[tuple[int, int]] = []
    await store.replace_all(data, lambda done, total: seen.append((done, total)))
    total = len(data.nodes) + len(data.edges)
    assert seen[0] == (0, total)
    assert seen[-1] == (total, total)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert checksum(await store.snapshot()) == checksum(data)


async def test_edges_returns_every_relationship_of_a_type_once(store: Store) -> None:
    data = small_graph()
    await store.replace_all(data)
    store.round_trips = 0
    provides = await store.edges("PROVIDES")
    assert sorted(e.key for e in provides) == sorted(k for k in data.edges if k[0] == "PROVIDES")
    assert store.round_trips == 1
    [tie] = await store.edges("COOPERATES_WITH")
    assert tie.props["kind"] == "referral"
    with pytest.raises(ValueError, match="unknown relationship kind"):
        await store.edges("KNOWS")


async def _die_half_way(store: Store, data: GraphData, monkeypatch: pytest.MonkeyPatch) -> None:
    """Leave what an import that died half-way leaves: on Neo4j some staged batches, on disk a failed snapshot."""
    if isinstance(store, Neo4jStore):
        await store._run_write(stage, import_batches(data)[:3], "dead-run")
        return
    assert isinstance(store, EmbeddedStore)

    def full_disk(data: GraphData) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store._journal, "write_snapshot", full_disk)
    with pytest.raises(OSError, match="No space left"):
        await store.replace_all(data)
    monkeypatch.undo()


async def test_an_import_that_dies_half_way_leaves_the_old_graph_and_the_next_import_clears_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = small_graph()
    await store.replace_all(old)
    await _die_half_way(store, nrw(seed=3, scale=0.01), monkeypatch)
    assert counts(await store.snapshot()) == counts(old)
    assert [n.id for n in await store.nodes_of_kind("Municipality")] == ["mun:olfen", "mun:senden"]
    new = nrw(seed=4, scale=0.01)
    await store.replace_all(new)
    assert checksum(await store.snapshot()) == checksum(new)
    if isinstance(store, Neo4jStore):
        leftovers = await store._query("MATCH (n) WHERE n:Staged OR n:Retired RETURN count(n) AS n")
        assert leftovers[0]["n"] == 0


async def test_two_imports_at_once_leave_one_whole_graph_never_a_mix(store: Store) -> None:
    first, second = nrw(seed=4, scale=0.01), nrw(seed=5, scale=0.01)
    outcomes = await asyncio.gather(store.replace_all(first), store.replace_all(second), return_exceptions=True)
    # One may lose (its staging was cleared by the other); it says so and changes nothing.
    assert all(o is None or isinstance(o, StoreError) for o in outcomes), outcomes
    assert checksum(await store.snapshot()) in {checksum(first), checksum(second)}


async def test_a_neo4j_swap_refuses_an_incomplete_staging(store: Store) -> None:
    old = small_graph()
    await store.replace_all(old)
    if not isinstance(store, Neo4jStore):
        # The embedded store swaps in memory under its write lock: there is no staging to check.
        assert checksum(await store.snapshot()) == checksum(old)
        return
    new = nrw(seed=4, scale=0.01)
    await store._run_write(stage, import_batches(new)[:1], "short-run")  # the first batch of nodes only
    with pytest.raises(StoreError, match="the import is incomplete"):
        await store._run_write(swap, "short-run", len(new.nodes), len(new.edges))
    assert checksum(await store.snapshot()) == checksum(old)
