"""Reading the tree below some nodes in one go: what a nested query asks of the store.

An answer such as "50 organisations, each with its offers and each offer's
municipalities" is a tree. ``Shape`` says what to read of a node of one kind:
which properties, and which relationships to follow to which shapes below.
``Store.read_trees`` reads a whole tree: the Neo4j store in one statement that
returns only the properties asked for, the base store one batched
``neighbours`` call per level.

What a tree keeps is decided here, for every store: a relationship and the node
it reaches are kept when both are valid on the level's day (the ``asOf`` of the
relationship field, or else the day of the node it starts from), and each list
is ordered like ``Store.neighbours`` orders it (``graph.model.ordering``). The Neo4j
store applies the same test and order in its statement (its own ``_read_trees``), so
that it neither sends what would be dropped nor the dates to test it; tests compare
its answers with those of the ordinary path at the boundary days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.model.ordering import neighbour_key
from kimnet.graph.model.validity import valid_on

__all__ = ["Follow", "Reached", "Shape", "keep_valid"]


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


def keep_valid(reached: Reached, day: dt.date | None) -> None:
    """Drop, below ``reached`` (read for ``day``), what is not valid on each level's day; order what stays.

    Idempotent: a store that filtered and ordered already loses nothing by it.
    """
    for follow, pairs in reached.links.items():
        on = follow.as_of or day
        if on is not None:
            pairs[:] = [(e, r) for e, r in pairs if valid_on(e.props, on) and valid_on(r.node.props, on)]
        pairs.sort(key=lambda pair: neighbour_key(pair[0], pair[1].node))
        for _, below in pairs:
            keep_valid(below, on)
