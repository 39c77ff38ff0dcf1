"""A graph cut down to what holds on one day, for exports ``--as-of DATE``.

>>> import datetime as dt
>>> from kimnet.graph.model.kinds import Edge, Node
>>> data = GraphData(
...     nodes={
...         "org:a": Node("Organisation", "org:a", {"name": "A", "kind": "welfare"}),
...         "svc:old": Node("Service", "svc:old", {"name": "Alt", "validTo": dt.date(2020, 12, 31)}),
...     },
... )
>>> data.edges[("PROVIDES", "org:a", "svc:old")] = Edge("PROVIDES", "org:a", "svc:old")
>>> cut = on_day(data, dt.date(2021, 7, 1))
>>> sorted(cut.nodes), list(cut.edges)
(['org:a'], [])
"""

from __future__ import annotations

import datetime as dt

from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.validity import valid_on

__all__ = ["GraphData", "on_day"]


def on_day(data: GraphData, day: dt.date | None) -> GraphData:
    """Return the entities valid on ``day`` and the relationships valid on it between them (all, if None)."""
    if day is None:
        return data
    nodes = {i: n for i, n in data.nodes.items() if valid_on(n.props, day)}
    edges = {k: e for k, e in data.edges.items() if e.source in nodes and e.target in nodes and valid_on(e.props, day)}
    return GraphData(nodes, edges)
