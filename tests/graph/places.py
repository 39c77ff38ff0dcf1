"""The small county the pure-rule tests share: Olfen in region Süd, Nottuln and Dülmen in region Mitte."""

from __future__ import annotations

from kimnet.graph.model.kinds import Node
from kimnet.graph.rules.catalogue import Geography

POPULATION = {"mun:duelmen": 46800, "mun:nottuln": 19800, "mun:olfen": 12900}


def geography() -> Geography:
    """Olfen in region Süd, Nottuln and Dülmen in region Mitte, all in the county."""
    municipalities = {
        m: Node("Municipality", m, {"name": name, "population": pop})
        for m, name, pop in (("mun:olfen", "Olfen", 12900), ("mun:nottuln", "Nottuln", 19800), ("mun:duelmen", "Dülmen", 46800))
    }
    regions = {
        "reg:kreis": Node("Region", "reg:kreis", {"name": "Kreis Coesfeld", "kind": "county"}),
        "reg:sued": Node("Region", "reg:sued", {"name": "CM-Region Süd", "kind": "cm-region"}),
        "reg:mitte": Node("Region", "reg:mitte", {"name": "CM-Region Mitte", "kind": "cm-region"}),
    }
    parents: dict[str, tuple[str, ...]] = {
        "mun:olfen": ("reg:sued",),
        "mun:nottuln": ("reg:mitte",),
        "mun:duelmen": ("reg:mitte",),
        "reg:sued": ("reg:kreis",),
        "reg:mitte": ("reg:kreis",),
    }
    return Geography(municipalities, regions, parents)
