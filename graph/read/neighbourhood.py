"""The neighbourhood of an entity: everything within k steps over chosen relationships.

One batched neighbour lookup per relationship kind per step and per
``CHUNK`` entities of the frontier, so the round trips grow with the depth and
the entities found, never with one lookup per entity.

Bounded: a walk that has found more than ``MAX_ENTITIES`` entities stops with
a LimitError (at state scale, three steps from anywhere reach most of the
state's 70,000 entities and took seconds to read). The check comes after
every chunk, so a walk reads at most ``CHUNK`` entities' relationships past
the bound.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.errors import ArgumentError, LimitError, NotFoundError
from kimnet.graph.model.kinds import Edge, EdgeKey, Node
from kimnet.graph.stores.store import Store

__all__ = ["CHUNK", "MAX_DEPTH", "MAX_ENTITIES", "Neighbourhood", "neighbourhood"]

#: Deeper neighbourhoods reach the whole county; ask for the graph instead.
MAX_DEPTH = 4

#: The most entities one neighbourhood may hold (a county's whole network has a few hundred).
MAX_ENTITIES = 5_000

#: Frontier entities per lookup.
CHUNK = 500


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
            for start in range(0, len(frontier), CHUNK):
                found_now = await store.neighbours(frontier[start : start + CHUNK], rel_type, "both", as_of)
                for pairs in found_now.values():
                    for edge, node in pairs:
                        edges[edge.key] = edge
                        if node.id not in nodes:
                            nodes[node.id] = (node, step)
                            reached.append(node.id)
                if len(nodes) > MAX_ENTITIES:
                    raise LimitError(
                        f"the neighbourhood of {centre} within {depth} steps holds more than {MAX_ENTITIES:,} entities; "
                        "ask for a smaller depth or fewer relationship kinds"
                    )
        frontier = reached
        if not frontier:
            break
    return Neighbourhood(centre, nodes, edges)
