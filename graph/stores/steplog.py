"""The steps of a write as one JSON text, for a store's log of writes (``Store.writes_since``).

>>> import datetime as dt
>>> from kimnet.graph.model.kinds import Edge
>>> done = [Step("put", Node("Service", "svc:kurs", {"validTo": dt.date(2022, 12, 31), "languages": ("ar",)}, 2)),
...         Step("remove", Edge("PROVIDES", "org:vhs", "svc:kurs"))]
>>> decode_steps(encode_steps(done)) == done
True
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from kimnet.graph.model.changes import Step
from kimnet.graph.model.codec import decode_edge, decode_node, encode_edge, encode_node
from kimnet.graph.model.kinds import Node

__all__ = ["decode_steps", "encode_steps"]


def encode_steps(done: Sequence[Step]) -> str:
    """``done`` as compact JSON (dates and lists kept as the journal keeps them)."""
    rows = [
        {"op": s.op, "node": encode_node(s.item)} if isinstance(s.item, Node) else {"op": s.op, "edge": encode_edge(s.item)}
        for s in done
    ]
    return json.dumps(rows, separators=(",", ":"), ensure_ascii=False)


def decode_steps(text: str) -> list[Step]:
    """The steps that ``encode_steps`` made ``text`` of."""
    return [Step(row["op"], decode_node(row["node"]) if "node" in row else decode_edge(row["edge"])) for row in json.loads(text)]
