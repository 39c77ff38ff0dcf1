"""The Neo4j store's read statements, and how a tree statement's rows become ``Reached`` trees.

Reads return ONE row holding a list: the driver spends about 35 µs on every row it
receives (asyncio reads per message), while a list inside one row decodes in one go.
Reads of a whole kind return that list in pages of ``PAGE`` entries, a row each.
The tree statement itself is built from a shape in ``neo4j_trees``.
"""

from __future__ import annotations

from typing import Any

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.kinds import Edge
from kimnet.graph.stores.neo4j_by_kind import by_label, by_type
from kimnet.graph.stores.neo4j_order import node_order
from kimnet.graph.stores.neo4j_values import NO_PROPS, from_neo4j, node_of
from kimnet.graph.stores.trees import Follow, Reached, Shape

__all__ = [
    "ALL_EDGES",
    "ALL_NODES",
    "ANY_NODE",
    "EDGES_OF_TYPE",
    "GET_NODES",
    "NEIGHBOURS",
    "NODES_OF_KIND",
    "PAGE",
    "PING",
    "reached_below",
]

GET_NODES = "UNWIND $ids AS id MATCH (n:Entity {id: id}) RETURN collect([n.id, properties(n)]) AS rows"

ALL_NODES = "MATCH (n:Entity) RETURN n.id AS id, properties(n) AS props"

ALL_EDGES = "MATCH (a:Entity)-[e]->(b:Entity) RETURN type(e) AS type, a.id AS source, b.id AS target, properties(e) AS props"

PING = "RETURN 1 AS ok"

ANY_NODE = "MATCH (n:Entity) RETURN n.id AS id LIMIT 1"

#: Entries per record of a whole-kind read (``$page``). The list of a whole kind in one record is a message of
#: up to 11 MB: the driver's receive buffer grows to the largest message a pooled connection carried and stays so,
#: and the decoded list is a few times that. In records of 10,000 entries each is made into nodes or edges as it
#: comes (at state scale some 50 records in all, so the cost per record above stays small): resident memory after
#: a read of the state's graph 248 -> 204 MB, CPU time the same within noise (bench.memory, README).
PAGE = 10_000

# Entity as well as the kind: staged and retired nodes have the kind label too.
EDGES_OF_TYPE = by_type(
    "MATCH (a:Entity)-[e:TYPE]->(b:Entity) WITH collect([a.id, b.id, properties(e)]) AS rows "
    "UNWIND range(0, size(rows) - 1, $page) AS at RETURN rows[at..at + $page] AS rows"
)

NODES_OF_KIND = by_label(
    f"MATCH (n:Entity:LABEL) WITH n ORDER BY {node_order('n')} WITH collect([n.id, properties(n)]) AS rows "
    "UNWIND range(0, size(rows) - 1, $page) AS at RETURN rows[at..at + $page] AS rows"
)

NEIGHBOURS = {
    # Each entry: [asked id, source id, target id, relationship properties, other id, other properties].
    "out": by_type(
        "UNWIND $ids AS id MATCH (a:Entity {id: id})-[e:TYPE]->(b:Entity) "
        "RETURN collect([id, id, b.id, properties(e), b.id, properties(b)]) AS rows"
    ),
    "in": by_type(
        "UNWIND $ids AS id MATCH (a:Entity {id: id})<-[e:TYPE]-(b:Entity) "
        "RETURN collect([id, b.id, id, properties(e), b.id, properties(b)]) AS rows"
    ),
    "both": by_type(
        "UNWIND $ids AS id MATCH (a:Entity {id: id})-[e:TYPE]-(b:Entity) "
        "RETURN collect([id, startNode(e).id, endNode(e).id, properties(e), b.id, properties(b)]) AS rows"
    ),
}


def reached_below(
    parent: Reached,
    shape: Shape,
    links: list[list[Any]],
    nested_of: dict[Follow, list[tuple[str, Shape]]],
    reached: dict[tuple[int, str], Reached],
) -> None:
    """Fill ``parent``'s links from the rows a tree statement returned for it.

    ``nested_of``: per follow, the kinds below it with follows of their own (worked out
    once per read, not once per row). ``reached``: per place in the shape (a follow
    object: plans make one per place) and node, the node as read there with its tree:
    one statement reads a node reached at one place the same each time (a town's
    providers come once per offer they provide), so it is made once and shared.
    """
    # Runs once per row of an answer (thousands): the loop's lookups are hoisted out of it.
    node_id = parent.node.id
    for follow, rows in zip(shape.follows, links, strict=True):
        found: list[tuple[Edge, Reached]] = []
        parent.links[follow] = found
        rel_type, direction = follow.rel_type, follow.direction
        nested_kinds = nested_of.get(follow)
        if nested_kinds is None:
            nested_kinds = nested_of[follow] = [
                (label, below) for label, below in follow.below if below.follows and label in MODEL.nodes
            ]
        place = id(follow)
        for other, props, eprops, start, nested in rows:
            if direction == "out":
                source, target = node_id, other
            elif direction == "in":
                source, target = other, node_id
            else:
                source, target = start, other if start == node_id else node_id
            child = reached.get((place, other))
            if child is None:
                child = reached[(place, other)] = Reached(node_of(other, props), {})
                if nested_kinds:
                    kind = child.node.kind
                    for (label, below), below_links in zip(nested_kinds, nested, strict=True):
                        if below_links is not None and kind == label:
                            reached_below(child, below, below_links, nested_of, reached)
            # Without its validity (tested in the statement) unless asked for.
            found.append((Edge(rel_type, source, target, from_neo4j(eprops) if eprops else NO_PROPS), child))
