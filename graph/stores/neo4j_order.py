"""``ORDER BY`` for the Neo4j store, generated from ``graph.model.ordering``'s declaration.

Python sorts by ``ordering.node_key`` and ``ordering.neighbour_key``; the Neo4j
statements that order in the database say the same through these functions, so
the order is declared once. The variables passed are the statement's own.
"""

from __future__ import annotations

from typing import Literal

from kimnet.graph.model.ordering import NEIGHBOUR_ORDER, NODE_ORDER

__all__ = ["neighbour_order", "node_order"]


def node_order(node: str) -> str:
    """The ``ORDER BY`` list that orders the node ``node`` as ``ordering.NODE_ORDER`` does.

    >>> node_order("n")
    'n.id'
    """
    parts = {"id": f"{node}.id"}
    return ", ".join(parts[part] for part in NODE_ORDER)


def neighbour_order(edge: str, other: str, direction: Literal["out", "in", "both"]) -> str:
    """The ``ORDER BY`` list that orders the relationship ``edge`` to ``other`` as ``ordering.NEIGHBOUR_ORDER`` does.

    Followed one way, the relationship's source is the node followed from or ``other``:
    it cannot tell two neighbours apart, and is left out of the statement.

    >>> neighbour_order("e", "b", "both"), neighbour_order("e", "b", "out")
    ('b.id, startNode(e).id', 'b.id')
    """
    parts = {"other": f"{other}.id", "source": f"startNode({edge}).id" if direction == "both" else None}
    return ", ".join(cypher for cypher in (parts[part] for part in NEIGHBOUR_ORDER) if cypher is not None)
