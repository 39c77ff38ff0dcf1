"""The steps of a write as one JSON text, for a store's log of writes (``Store.writes_since``).

>>> import datetime as dt
>>> from kimnet.graph.model.kinds import Edge
>>> done = [Step("put", Node("Service", "svc:kurs", {"validTo": dt.date(2022, 12, 31), "languages": ("ar",)}, 2)),
...         Step("remove", Edge("PROVIDES", "org:vhs", "svc:kurs"))]
>>> decode_steps(encode_steps(done)) == done
True

A write made without kimnet is known by the ids it touched alone; ``resync`` makes
the steps that put each such entity in place of what a reader holds of it:

>>> kurs = Node("Service", "svc:kurs", {"name": "Kurs (neu)"})
>>> [(s.op, s.item.id if isinstance(s.item, Node) else s.item.key) for s in resync(["svc:kurs", "org:weg"], {"svc:kurs": (kurs, [Edge("PROVIDES", "org:vhs", "svc:kurs")])})]
[('remove', 'svc:kurs'), ('put', 'svc:kurs'), ('remove', 'org:weg'), ('put', ('PROVIDES', 'org:vhs', 'svc:kurs'))]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from kimnet.graph.model.changes import Step
from kimnet.graph.model.codec import decode_edge, decode_node, encode_edge, encode_node
from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.kinds import Edge, Node

__all__ = ["decode_steps", "encode_steps", "resync"]


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


def resync(ids: Iterable[str], now: Mapping[str, tuple[Node, Sequence[Edge]]]) -> list[Step]:
    """The steps that replace each of ``ids`` by what ``now`` holds of it: the node with all its relationships, or nothing.

    Each node is removed first (which takes all its relationships with it:
    ``index_update.updated``) and put again if it is there now; the relationships
    come after every node, so that both their ends are in place. An id of no known
    kind (a node of somebody else's in the same database) is passed by.
    """
    nodes: list[Step] = []
    edges: dict[tuple[str, str, str], Step] = {}
    for node_id in dict.fromkeys(ids):
        kind = MODEL.kind_of(node_id)
        if kind is None:
            continue
        nodes.append(Step("remove", Node(kind.label, node_id)))
        found = now.get(node_id)
        if found is not None:
            node, links = found
            nodes.append(Step("put", node))
            edges.update((edge.key, Step("put", edge)) for edge in links)
    return nodes + list(edges.values())
