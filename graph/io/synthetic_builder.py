"""What the synthetic network is built with: a collector of nodes and edges, weighted draws, slugs.

``graph.io.synthetic`` draws the network step by step (geography, organisations,
offers, ties); each step adds to one ``Builder`` and reads the indexes the earlier
steps left in it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, Node, Value

__all__ = ["SOURCE", "Builder", "Weighted", "slug"]

SOURCE = "synthetic: kimnet graph/io/synthetic.py (NRW-shaped, generated from a seed)"


def slug(text: str) -> str:
    """A lowercase ASCII slug: umlauts spelt out, everything else but letters and digits a dash."""
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("Ä", "Ae").replace("Ö", "Oe")
    text = text.replace("Ü", "Ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(part for part in out.split("-") if part)


@dataclass(slots=True)
class Builder:
    """Collects nodes and edges, and the indexes the later steps draw from."""

    rng: random.Random
    data: GraphData = field(default_factory=GraphData)
    #: county region id -> its municipality ids, in order (the seat first)
    county_muns: dict[str, list[str]] = field(default_factory=dict)
    #: county region id -> its case-management region ids
    county_regions: dict[str, list[str]] = field(default_factory=dict)
    #: municipality id -> its case-management region id, if any
    mun_region: dict[str, str] = field(default_factory=dict)
    mun_county: dict[str, str] = field(default_factory=dict)
    population: dict[str, int] = field(default_factory=dict)
    county_orgs: dict[str, list[str]] = field(default_factory=dict)
    #: organisation id -> how strongly it attracts offers and ties (hubs have a lot)
    pull: dict[str, float] = field(default_factory=dict)
    #: organisation id -> (county, municipality, kind)
    org_home: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    #: per county: the fixed authorities by role (jobcenter, youth office, ...)
    roles: dict[str, dict[str, str]] = field(default_factory=dict)
    statewide: list[str] = field(default_factory=list)
    programme_parts: list[str] = field(default_factory=list)
    #: need id -> its name, in the seed's order
    need_names: dict[str, str] = field(default_factory=dict)

    def node(self, label: str, node_id: str, /, **props: Value | None) -> str:
        clean = {k: v for k, v in props.items() if v is not None}
        clean.setdefault("illustrative", True)
        clean.setdefault("source", SOURCE)
        assert node_id not in self.data.nodes, node_id
        self.data.nodes[node_id] = Node(label, node_id, clean)
        return node_id

    def edge(self, type_: str, source: str, target: str, /, **props: Value | None) -> bool:
        """Add an edge unless one of that type joins the two already; tell whether it was added."""
        if type_ == "COOPERATES_WITH" and target < source:
            source, target = target, source
        key = (type_, source, target)
        if key in self.data.edges or source == target:
            return False
        self.data.edges[key] = Edge(type_, source, target, {k: v for k, v in props.items() if v is not None})
        return True

    def day(self, start: int, end: int) -> dt.date:
        """A random day between the years ``start`` and ``end`` (inclusive)."""
        first, last = dt.date(start, 1, 1), dt.date(end, 12, 31)
        return first + dt.timedelta(days=self.rng.randrange((last - first).days + 1))


class Weighted:
    """Draw items with given weights, fast, many times (cumulative weights and bisection)."""

    def __init__(self, items: Sequence[str], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> str:
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]
