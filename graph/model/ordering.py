"""The order of the lists the stores hand out, declared once.

The nodes of a kind (``Store.nodes_of_kind``) come ordered by id. A list of
neighbours (``Store.neighbours``, and each list of a tree, ``Store.read_trees``)
comes ordered by the id of the node at the other end, then by the relationship's
source: two relationships of one type between the same two nodes, one each way,
both reached when following "both" directions, tie on the other end.

The parts are declared here (``NODE_ORDER``, ``NEIGHBOUR_ORDER``); Python sorts by
``node_key`` and ``neighbour_key`` made from them, and the Neo4j store generates its
``ORDER BY`` from the same parts (``graph.stores.neo4j_order``). Every part is an id,
never missing, compared as text character by character: Python by code point,
Neo4j by UTF-16 unit. The two agree on every character below U+10000 (umlauts and ß
included) and would part only beyond it, which an id (an ASCII slug, ``kinds.ID_PATTERN``)
cannot hold. tests/graph/test_ordering_pushdown.py holds both stores to it on ties
and on ids with umlauts.

>>> from kimnet.graph.model.kinds import Edge, Node
>>> pairs = [(Edge("COOPERATES_WITH", "org:b", "org:ä"), Node("Organisation", "org:ä", {})),
...          (Edge("COOPERATES_WITH", "org:a", "org:b"), Node("Organisation", "org:a", {})),
...          (Edge("COOPERATES_WITH", "org:b", "org:a"), Node("Organisation", "org:a", {}))]
>>> [(e.source, n.id) for e, n in sorted(pairs, key=lambda pair: neighbour_key(*pair))]
[('org:a', 'org:a'), ('org:b', 'org:a'), ('org:b', 'org:ä')]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeAlias

from kimnet.graph.model.kinds import Edge, Node

__all__ = ["NEIGHBOUR_ORDER", "NODE_ORDER", "NeighbourKey", "NeighbourPart", "NodePart", "neighbour_key", "node_key"]

#: What a node is ordered by: its ``id``.
NodePart: TypeAlias = Literal["id"]

#: What a neighbour is ordered by: the ``other`` end's id, the relationship's ``source``.
NeighbourPart: TypeAlias = Literal["other", "source"]

NODE_ORDER: tuple[NodePart, ...] = ("id",)

NEIGHBOUR_ORDER: tuple[NeighbourPart, ...] = ("other", "source")

_NODE_PARTS: dict[NodePart, Callable[[Node], str]] = {"id": lambda node: node.id}

_NEIGHBOUR_PARTS: dict[NeighbourPart, Callable[[Edge, Node], str]] = {
    "other": lambda edge, node: node.id,
    "source": lambda edge, node: edge.source,
}

_node_getters = tuple(_NODE_PARTS[part] for part in NODE_ORDER)


def node_key(node: Node) -> tuple[str, ...]:
    """Where ``node`` sorts among the nodes of its kind (``NODE_ORDER``)."""
    return tuple([get(node) for get in _node_getters])


NeighbourKey: TypeAlias = Callable[[Edge, Node], tuple[str, ...]]


def _neighbour_key(parts: tuple[NeighbourPart, ...]) -> NeighbourKey:
    """The key function that orders neighbours by ``parts``.

    >>> edge, node = Edge("PART_OF", "org:b", "org:a"), Node("Organisation", "org:a", {})
    >>> _neighbour_key(("other",))(edge, node), _neighbour_key(("source", "other"))(edge, node)
    (('org:a',), ('org:b', 'org:a'))
    """
    getters = tuple(_NEIGHBOUR_PARTS[part] for part in parts)
    if len(getters) == 2:
        # Runs once per relationship sorted (every list of every tree): without a loop over the
        # parts it costs a third of what the general form below costs.
        first, second = getters
        return lambda edge, node: (first(edge, node), second(edge, node))
    return lambda edge, node: tuple([get(edge, node) for get in getters])


#: Where a relationship and the node at its other end sort in a list of neighbours (``NEIGHBOUR_ORDER``).
neighbour_key: NeighbourKey = _neighbour_key(NEIGHBOUR_ORDER)
