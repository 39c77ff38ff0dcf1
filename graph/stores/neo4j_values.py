"""Values between kimnet and Neo4j: properties as the driver takes and gives them, nodes as read.

Neo4j stores lists, not tuples, and gives dates back as its own ``neo4j.time.Date``;
the id and the version (``_version``) are stored as properties but are not among a
node's ``props``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import neo4j

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.kinds import Node, Value, share_equal

__all__ = ["from_neo4j", "node_of", "node_params", "to_neo4j"]

_INTERNAL = ("id", "_version")

_PLAIN = (str, int, float, bool)

#: The properties of every relationship and node stored without any: one map, never changed (a state has tens of
#: thousands, and a new empty dict each is 64 bytes).
NO_PROPS: Mapping[str, Value] = {}


def to_neo4j(props: Mapping[str, Value]) -> dict[str, Any]:
    """``props`` as the driver stores them."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in props.items()}


def from_neo4j(raw: Mapping[str, Any], same: dict[Any, Any] | None = None) -> Mapping[str, Value]:
    """The properties of a stored node or relationship, without the id and version.

    Never changed once made: what has none gets ``NO_PROPS``. The keys are interned (a
    few dozen names, that each map would otherwise hold a copy of); with ``same``, a
    table that one read of many nodes or relationships shares, equal texts, lists and
    days become one object.
    """
    # Runs once per node and relationship read (tens of thousands for a whole-network
    # question), so the common cases go first: no properties, and plain scalars.
    if not raw:
        return NO_PROPS
    props: dict[str, Value] = {}
    intern = sys.intern
    for key, value in raw.items():
        if type(value) in _PLAIN:
            if key not in _INTERNAL:
                props[intern(key)] = value
        elif isinstance(value, neo4j.time.Date):
            props[intern(key)] = value.to_native()
        elif isinstance(value, list):
            props[intern(key)] = tuple(value)
        elif key not in _INTERNAL:
            props[intern(key)] = value
    if same is not None:
        share_equal(props, same)
    return props


def node_params(node: Node) -> dict[str, Any]:
    """Every property a node is stored with, the id and version included."""
    return {**to_neo4j(node.props), "id": node.id, "_version": node.version}


def node_of(node_id: str, raw: Mapping[str, Any], label: str | None = None, same: dict[Any, Any] | None = None) -> Node:
    """The node stored as ``raw`` (of kind ``label``; without it, the kind its id's prefix names).

    ``same``: as for ``from_neo4j``.
    """
    if label is None:
        kind = MODEL.kind_of(node_id)
        assert kind is not None, f"stored id {node_id} has no known prefix"
        label = kind.label
    return Node(label, node_id, from_neo4j(raw, same), int(raw.get("_version", 1)))
