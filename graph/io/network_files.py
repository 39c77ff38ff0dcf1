"""The graph as a network file for Gephi and yEd: GraphML and GEXF.

Every entity is a node whose id is its key; ``label`` is its name and ``type``
its kind (Organisation, Service, ...), so Gephi can partition and colour by
kind at once. Every relationship is an edge labelled with its type. Properties
keep their names; dates and lists are written as text (``cells.to_text``),
numbers and yes/no as such, so Gephi can size nodes by ``population`` or
``capacity``. The GEXF file also colours each node by its kind (``viz``).
Cooperation has no direction; it is written once, from the smaller key to the
larger, like every edge as a directed one (mixed graphs are GEXF, but not every
reader takes them), and its type says what it is.

>>> from kimnet.graph.model.kinds import Edge, Node
>>> data = GraphData(
...     nodes={
...         "org:ki": Node("Organisation", "org:ki", {"name": "KI", "kind": "authority"}),
...         "org:jc": Node("Organisation", "org:jc", {"name": "Jobcenter", "kind": "authority"}),
...     },
...     edges={("COOPERATES_WITH", "org:jc", "org:ki"): Edge("COOPERATES_WITH", "org:jc", "org:ki", {"kind": "referral"})},
... )
>>> graph = to_networkx(data)
>>> graph.nodes["org:ki"]["label"], graph.nodes["org:ki"]["type"]
('KI', 'Organisation')
>>> graph.edges["org:jc", "org:ki", "COOPERATES_WITH"]["label"]
'COOPERATES_WITH'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx

from kimnet.graph.io.cells import to_text
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Value

__all__ = ["KIND_COLOURS", "to_networkx", "write_gexf", "write_graphml"]

#: One colour per node kind (the explorer and the coverage report use the same ones).
KIND_COLOURS: dict[str, str] = {
    "Organisation": "#1f77b4",
    "Service": "#2ca02c",
    "Programme": "#9467bd",
    "WorkingGroup": "#8c564b",
    "Municipality": "#ff7f0e",
    "Region": "#e6a23c",
    "CaseManager": "#d62728",
    "LegalDomain": "#17becf",
    "Need": "#bcbd22",
}


def _attribute(value: Value) -> str | int | float | bool:
    # GraphML and GEXF know text, whole numbers, numbers and yes/no; dates and lists become text.
    return value if isinstance(value, str | int | float | bool) else to_text(value)


def to_networkx(data: GraphData, name: str = "kimnet") -> nx.MultiDiGraph[str]:
    """Return ``data`` as a directed multigraph: nodes by key, edges keyed by relationship type.

    Edges go from source to target as stored (a cooperation from the smaller key
    to the larger); each carries ``id`` (unique in the file), ``label`` (its
    type) and its properties. Nodes and edges come in key order, so the same
    graph always gives the same file.
    """
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(name=name)
    for node_id in sorted(data.nodes):
        node = data.nodes[node_id]
        attributes = {key: _attribute(value) for key, value in sorted(node.props.items())}
        graph.add_node(node_id, **attributes, label=node.name, type=node.kind)
    for number, key in enumerate(sorted(data.edges), 1):
        edge = data.edges[key]
        attributes = {k: _attribute(v) for k, v in sorted(edge.props.items())}
        graph.add_edge(edge.source, edge.target, key=edge.type, **attributes, id=f"e{number}", label=edge.type)
    return graph


def write_graphml(data: GraphData, path: Path, name: str = "kimnet") -> None:
    """Write ``data`` as GraphML to ``path`` (edge ids from each edge's ``id``)."""
    nx.write_graphml(to_networkx(data, name), path, edge_id_from_attribute="id")


def _rgb(colour: str) -> dict[str, Any]:
    return {"r": int(colour[1:3], 16), "g": int(colour[3:5], 16), "b": int(colour[5:7], 16), "a": 1.0}


def write_gexf(data: GraphData, path: Path, name: str = "kimnet") -> None:
    """Write ``data`` as GEXF 1.2 to ``path``, nodes coloured by kind."""
    graph = to_networkx(data, name)
    for _, attributes in graph.nodes(data=True):
        attributes["viz"] = {"color": _rgb(KIND_COLOURS.get(attributes["type"], "#7f7f7f"))}
    nx.write_gexf(graph, path, version="1.2draft")
