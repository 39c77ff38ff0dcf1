"""Entities and property values as JSON-ready data, and back: one encoding for every log kimnet keeps.

The embedded store's journal, the change log of the Neo4j store (``GenerationStep``)
and change proposals hold nodes and relationships as JSON. JSON has no date and no
tuple: a date is written ``{"$date": "2024-01-31"}``, a list of strings as an array.

>>> import datetime as dt
>>> raw = encode_node(Node("Service", "svc:a", {"validFrom": dt.date(2024, 1, 31), "languages": ("de", "ar")}))
>>> raw["props"]
{'validFrom': {'$date': '2024-01-31'}, 'languages': ['de', 'ar']}
>>> decode_node(raw) == Node("Service", "svc:a", {"validFrom": dt.date(2024, 1, 31), "languages": ("de", "ar")})
True
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kimnet.graph.model.kinds import Edge, Node, Value

__all__ = ["decode_edge", "decode_node", "decode_value", "encode_edge", "encode_node", "encode_value"]


def encode_value(value: Value) -> object:
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, tuple):
        return list(value)
    return value


def decode_value(raw: Any) -> Value:
    if isinstance(raw, dict):
        return dt.date.fromisoformat(raw["$date"])
    if isinstance(raw, list):
        return tuple(raw)
    return raw  # type: ignore[no-any-return]


def encode_node(node: Node) -> dict[str, object]:
    return {"kind": node.kind, "id": node.id, "v": node.version, "props": {k: encode_value(v) for k, v in node.props.items()}}


def decode_node(raw: dict[str, Any]) -> Node:
    return Node(raw["kind"], raw["id"], {k: decode_value(v) for k, v in raw["props"].items()}, raw["v"])


def encode_edge(edge: Edge) -> dict[str, object]:
    return {"type": edge.type, "s": edge.source, "t": edge.target, "props": {k: encode_value(v) for k, v in edge.props.items()}}


def decode_edge(raw: dict[str, Any]) -> Edge:
    return Edge(raw["type"], raw["s"], raw["t"], {k: decode_value(v) for k, v in raw["props"].items()})
