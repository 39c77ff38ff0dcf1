"""Reading the tree below some nodes in one go: what a nested query asks of the store.

An answer such as "50 organisations, each with its offers and each offer's
municipalities" is a tree. ``Shape`` says what to read of a node of one kind:
which properties, and which relationships to follow to which shapes below.
``Store.read_trees`` reads a whole tree: the Neo4j store in one statement that
returns only the properties asked for, the base store one batched
``neighbours`` call per level.

What a tree keeps, in every store: a relationship and the node it reaches are
kept when both hold on the level's day (the ``asOf`` of the relationship field,
or else the day of the node it starts from), and each list is ordered as
``Store.neighbours`` orders it; the base store's levels are ``neighbours`` calls
on that day (``stores.store.held_neighbours``, the one rule). The Neo4j store
applies the same test and order in its statement (its own ``_read_trees``), so
that it neither sends what would be dropped nor the dates to test it; tests
compare its answers with those of the base store at the boundary days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from kimnet.graph.model.kinds import Edge, Node

__all__ = ["Follow", "Reached", "Shape"]


# Shapes and follows compare by identity: a plan makes each once, and they key the
# dicts of what a read reached, where a structural hash over the tree would cost more.
@dataclass(frozen=True, slots=True, eq=False)
class Shape:
    """What to read of a node of one kind: properties asked for (None: all; a store may read more;
    "version" asks for the node's version) and the relationships to follow."""

    props: frozenset[str] | None
    follows: tuple[Follow, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class Follow:
    """One relationship to follow from a node, and what to read of the nodes it reaches, by kind.

    A kind missing from ``below`` is read with its validity only, and nothing below it.
    """

    rel_type: str
    direction: Literal["out", "in", "both"]  # as in Store.neighbours
    as_of: dt.date | None  # None: the day of the node followed from
    below: tuple[tuple[str, Shape], ...] = ()
    #: The relationship properties asked for (None: all); a store may read more.
    edge_props: frozenset[str] | None = None

    def shape_of(self, label: str) -> Shape | None:
        for kind, shape in self.below:
            if kind == label:
                return shape
        return None


@dataclass(slots=True)
class Reached:
    """A node read for a tree, with what each of its shape's follows reached."""

    node: Node
    links: dict[Follow, list[tuple[Edge, Reached]]] = field(default_factory=dict)
