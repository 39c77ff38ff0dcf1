"""What availability's rules answer in GraphQL: how close an offer is, for whom, and the entities they name.

Shared by coverage and referral (``graph.rules.availability`` is the rule both use).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import strawberry

from kimnet.graph.model.domain import RESIDENCE_STATUSES
from kimnet.graph.model.kinds import Node
from kimnet.graph.rules.catalogue import Catalogue
from kimnet.schema.entities import entity

__all__ = ["Level", "ResidenceStatus", "level_of", "node_of", "nodes_of"]


@strawberry.enum(description="How close an offer is to a municipality")
class Level(enum.Enum):
    MUNICIPALITY = strawberry.enum_value("municipality", description="Available in the municipality itself")
    REGION = strawberry.enum_value("region", description="Available in a region the municipality lies in")
    COUNTY = strawberry.enum_value("county", description="Available county-wide")


_STATUS_DOCS = {
    "deutsch": "German citizen (by birth or naturalised)",
    "eu": "EU citizen with freedom of movement (FreizügG/EU)",
    "niederlassungserlaubnis": "Settlement permit (§ 9 AufenthG)",
    "aufenthaltserlaubnis": "Residence permit (§ 7 AufenthG), protection statuses included",
    "gestattung": "Aufenthaltsgestattung (§ 55 AsylG): the asylum procedure is pending",
    "duldung": "Duldung (§ 60a AufenthG): deportation suspended, no residence title",
}
ResidenceStatus = strawberry.enum(  # type: ignore[call-overload]
    enum.Enum("ResidenceStatus", {s.upper(): strawberry.enum_value(s, description=_STATUS_DOCS[s]) for s in RESIDENCE_STATUSES}),
    description="Residence status as offers' eligibility names it",
)


def level_of(value: str | None) -> Level | None:
    return Level(value) if value is not None else None


def node_of(catalogue: Catalogue, i: str) -> Node | None:
    """The node of an id the catalogue knows (a need, legal domain, organisation, programme or municipality), or None."""
    # Looked up in place, not merged into one map: an answer asks dozens of times, and
    # the maps hold a state's municipalities. Ids of different kinds never collide.
    for where in (
        catalogue.geography.municipalities,
        catalogue.programmes,
        catalogue.organisations,
        catalogue.legal_domains,
        catalogue.needs,
    ):
        node = where.get(i)
        if node is not None:
            return node
    return None


def nodes_of(catalogue: Catalogue, ids: Any, day: dt.date) -> list[Any]:
    """The entities for ids the catalogue knows (needs, legal domains, organisations, programmes, municipalities)."""
    return [entity(node, day) for i in ids if (node := node_of(catalogue, i)) is not None]
