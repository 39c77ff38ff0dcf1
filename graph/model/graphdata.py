"""A whole graph as plain data, its counts and its content checksum.

``GraphData`` is what seed files load into, what a store imports and what a
store's snapshot returns. Two stores hold the same graph exactly when their
snapshots have the same checksum.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field

from kimnet.graph.model.kinds import Edge, EdgeKey, Node, Value

__all__ = ["Counts", "GraphData", "checksum", "counts"]


@dataclass(slots=True)
class GraphData:
    """Nodes by id and edges by key."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[EdgeKey, Edge] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Counts:
    """How many nodes per kind and relationships per type a graph holds."""

    nodes: dict[str, int]
    edges: dict[str, int]


def counts(data: GraphData) -> Counts:
    """Count ``data``'s nodes per kind and edges per type."""
    return Counts(
        dict(sorted(Counter(n.kind for n in data.nodes.values()).items())),
        dict(sorted(Counter(e.type for e in data.edges.values()).items())),
    )


def _canonical(value: Value) -> object:
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float):
        return {"float": repr(value)}  # 1.0 and 1 must not hash alike
    return value


def checksum(data: GraphData) -> str:
    """Return a SHA-256 over the graph's content, independent of order and store.

    Versions are left out: they count updates, which are history, not content.
    """
    digest = hashlib.sha256()
    for node in sorted(data.nodes.values(), key=lambda n: n.id):
        props = {k: _canonical(v) for k, v in sorted(node.props.items())}
        digest.update(json.dumps(["n", node.kind, node.id, props], ensure_ascii=False).encode())
        digest.update(b"\n")
    for edge in sorted(data.edges.values(), key=lambda e: e.key):
        props = {k: _canonical(v) for k, v in sorted(edge.props.items())}
        digest.update(json.dumps(["e", edge.type, edge.source, edge.target, props], ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()
