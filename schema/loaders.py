"""DataLoaders, built per request: one store round trip per batch, not per object.

Strawberry resolves sibling fields concurrently; every resolver that needs
neighbours asks a loader, and the loader sends all keys asked in the same tick
to the store as one batched primitive. So the round trips of a request grow with
the depth of its selection, not with the number of its results.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from strawberry.dataloader import DataLoader

from kimnet.graph.model.freshness import Freshness
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.stores.store import Direction, Store

__all__ = ["Loaders", "NeighbourKey"]

#: What to follow from which node: (relationship type, direction, day or None for all, node id).
NeighbourKey = tuple[str, Direction, dt.date | None, str]


@dataclass(slots=True)
class Loaders:
    """The loaders of one request."""

    nodes: DataLoader[str, Node | None]
    neighbours: DataLoader[NeighbourKey, list[tuple[Edge, Node]]]
    #: How current offers and organisations are (``graph.model.freshness``), by key.
    freshness: DataLoader[str, Freshness | None]

    @classmethod
    def for_store(cls, store: Store) -> Loaders:
        async def load_nodes(ids: Sequence[str]) -> list[Node | None]:
            found = await store.get_nodes(ids)
            return [found.get(i) for i in ids]

        async def load_neighbours(keys: Sequence[NeighbourKey]) -> list[list[tuple[Edge, Node]]]:
            groups: dict[tuple[str, Direction, dt.date | None], list[str]] = defaultdict(list)
            for rel_type, direction, day, node_id in keys:
                groups[(rel_type, direction, day)].append(node_id)
            results: dict[NeighbourKey, list[tuple[Edge, Node]]] = {}
            for (rel_type, direction, day), ids in groups.items():
                found = await store.neighbours(ids, rel_type, direction, as_of=day)
                for node_id in ids:
                    results[(rel_type, direction, day, node_id)] = found[node_id]
            return [results[k] for k in keys]

        async def load_freshness(ids: Sequence[str]) -> list[Freshness | None]:
            found = await store.freshness(ids)
            return [found.get(i) for i in ids]

        return cls(DataLoader(load_fn=load_nodes), DataLoader(load_fn=load_neighbours), DataLoader(load_fn=load_freshness))
