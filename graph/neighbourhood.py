"""The neighbourhood of an entity: everything within k steps over chosen relationships.

One batched neighbour lookup per relationship kind per step, so the round
trips grow with the depth, never with the number of entities found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from kimnet.graph.errors import ArgumentError, NotFoundError
from kimnet.graph.model import MODEL, Edge, EdgeKey, Node
from kimnet.graph.store import Store

__all__ = ["MAX_DEPTH", "Neighbourhood", "neighbourhood"]

#: Deeper neighbourhoods reach the whole county; ask for the graph instead.
MAX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """The entities found, with their distance from the centre, and the relationships between them."""

    centre: str
    nodes: dict[str, tuple[Node, int]]
    edges: dict[EdgeKey, Edge]


async def neighbourhood(
    store: Store, centre: str, depth: int, rel_types: Collection[str] | None, as_of: dt.date | None
) -> Neighbourhood:
    """Walk from ``centre`` up to ``depth`` steps over ``rel_types`` (all, if None) in both directions.

    Raises:
        NotFoundError: no entity has the id ``centre``.
        ValueError: ``depth`` is out of 0..MAX_DEPTH, or a relationship kind is unknown.
    """
    if not 0 <= depth <= MAX_DEPTH:
        raise ArgumentError(f"depth must be between 0 and {MAX_DEPTH}, not {depth}")
    types = sorted(rel_types) if rel_types is not None else sorted(MODEL.rels)
    unknown = [t for t in types if t not in MODEL.rels]
    if unknown:
        raise ArgumentError(f"unknown relationship kinds {unknown}; known: {', '.join(MODEL.rels)}")
    found = await store.get_nodes([centre])
    if centre not in found:
        raise NotFoundError(f"no entity has the id {centre}")
    nodes: dict[str, tuple[Node, int]] = {centre: (found[centre], 0)}
    edges: dict[EdgeKey, Edge] = {}
    frontier = [centre]
    for step in range(1, depth + 1):
        reached: list[str] = []
        for rel_type in types:
            for pairs in (await store.neighbours(frontier, rel_type, "both", as_of)).values():
                for edge, node in pairs:
                    edges[edge.key] = edge
                    if node.id not in nodes:
                        nodes[node.id] = (node, step)
                        reached.append(node.id)
        frontier = reached
        if not frontier:
            break
    return Neighbourhood(centre, nodes, edges)
