"""Every store orders lists as ``graph.model.ordering`` declares, the Neo4j store in its own ``ORDER BY``.

On Neo4j, ``nodes_of_kind`` and ``read_trees`` order in Cypher generated from the
declaration, ``neighbours`` in Python; the embedded store orders all in Python.
The graph has ties (two relationships between the same two nodes, one each way),
ids with umlauts and ß beside their ASCII spellings, German names, and nodes
without a name, inserted in a shuffled order.
"""

from __future__ import annotations

import random

from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, Node
from kimnet.graph.model.ordering import neighbour_key, node_key
from kimnet.graph.stores.store import Direction, Store
from kimnet.graph.stores.trees import Follow, Shape

#: Ids beyond what validation admits (ids are ASCII slugs): an import takes them as they come.
SLUGS = ["a", "ä", "ae", "Ä", "b", "z", "zz", "ß", "ss", "straße", "strasse", "ö", "oe", "ü", "ue", "a-b", "a.b", "a0", "é"]
NAMES = ["Ärztekammer", "Arbeitsagentur", "Zahnärzte", "Übergangswohnheim", "Ölmühle", None]


def _graph() -> GraphData:
    rng = random.Random(11)
    data = GraphData()
    nodes = [Node("Organisation", "org:root", {"name": "Kreis"})]
    edges: list[Edge] = []
    for n, slug in enumerate(SLUGS):
        name = NAMES[n % len(NAMES)]
        node = Node("Organisation", f"org:{slug}", {"name": name} if name else {})
        nodes.append(node)
        # Out, in, or both ways: "both" then reaches this node twice, a tie broken by the source.
        if n % 3 in (0, 2):
            edges.append(Edge("PART_OF", "org:root", node.id))
        if n % 3 in (1, 2):
            edges.append(Edge("PART_OF", node.id, "org:root"))
    rng.shuffle(nodes)
    rng.shuffle(edges)
    for node in nodes:
        data.nodes[node.id] = node
    for edge in edges:
        data.edges[edge.key] = edge
    return data


def _expected(data: GraphData, direction: Direction) -> list[tuple[str, str]]:
    pairs = []
    for edge in data.edges.values():
        if edge.source == "org:root" and direction in ("out", "both"):
            pairs.append((edge, data.nodes[edge.target]))
        if edge.target == "org:root" and direction in ("in", "both"):
            pairs.append((edge, data.nodes[edge.source]))
    return [(node.id, edge.source) for edge, node in sorted(pairs, key=lambda pair: neighbour_key(*pair))]


async def test_nodes_of_a_kind_come_in_the_declared_order(store: Store) -> None:
    data = _graph()
    await store.replace_all(data)
    found = [node.id for node in await store.nodes_of_kind("Organisation")]
    assert found == [node.id for node in sorted(data.nodes.values(), key=node_key)]
    assert found != [node.id for node in data.nodes.values()]  # the shuffle left something to order


async def test_neighbour_lists_and_tree_lists_come_in_the_declared_order(store: Store) -> None:
    data = _graph()
    await store.replace_all(data)
    ties = 0
    directions: tuple[Direction, ...] = ("out", "in", "both")
    for direction in directions:
        expected = _expected(data, direction)
        ties += len(expected) - len({other for other, _ in expected})
        neighbours = (await store.neighbours(["org:root"], "PART_OF", direction))["org:root"]
        assert [(node.id, edge.source) for edge, node in neighbours] == expected
        follow = Follow("PART_OF", direction, None, (("Organisation", Shape(frozenset({"name"}))),))
        [root] = await store.read_trees(["org:root"], Shape(frozenset({"name"}), (follow,)), None)
        assert [(reached.node.id, edge.source) for edge, reached in root.links[follow]] == expected
    assert ties > 3
