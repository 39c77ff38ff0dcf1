"""Plain data that the domain logic works on: offers with their links, and geography.

The referral, coverage and network functions take these objects and know
nothing of stores; ``graph.read.gather`` fills them from a store in a few batched
round trips. Offers are kept whatever their dates: the logic decides validity
(it must say *why* an offer is excluded, including "not valid on that date").

>>> geo = Geography(
...     municipalities={"mun:olfen": Node("Municipality", "mun:olfen", {"name": "Olfen"})},
...     regions={
...         "reg:kreis": Node("Region", "reg:kreis", {"name": "Kreis", "kind": "county"}),
...         "reg:sued": Node("Region", "reg:sued", {"name": "Süd", "kind": "cm-region"}),
...     },
...     parents={"mun:olfen": ("reg:sued", "reg:kreis"), "reg:sued": ("reg:kreis",)},
... )
>>> geo.areas_of("mun:olfen")
{'mun:olfen': 'municipality', 'reg:sued': 'region', 'reg:kreis': 'county'}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from kimnet.graph.model.errors import NotFoundError
from kimnet.graph.model.kinds import Node, Value
from kimnet.graph.model.validity import valid_on

__all__ = ["LEVELS", "Catalogue", "Geography", "Level", "Offer", "TargetGroup", "int_prop", "known_ids"]

#: How close an offer is to a municipality: available in it, in a region it belongs to, or county-wide.
Level: TypeAlias = Literal["municipality", "region", "county"]

#: Levels from closest to farthest; the index is the rank.
LEVELS: tuple[Level, ...] = ("municipality", "region", "county")


def int_prop(props: Mapping[str, Value], name: str) -> int | None:
    """Return the integer property ``name``, or None when it is missing or not an integer."""
    value = props.get(name)
    # bool is an int subclass; a stray True must not read as the number 1.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strings_prop(props: Mapping[str, Value], name: str) -> tuple[str, ...]:
    value = props.get(name)
    return value if isinstance(value, tuple) else ()


@dataclass(frozen=True, slots=True)
class TargetGroup:
    """Who an offer admits: ages (None is open) and residence statuses (empty admits all)."""

    min_age: int | None = None
    max_age: int | None = None
    residence_statuses: tuple[str, ...] = ()

    @classmethod
    def of(cls, offer: Offer) -> TargetGroup:
        """The offer's target group (``Offer.target_group``)."""
        return offer.target_group

    @classmethod
    def of_props(cls, props: Mapping[str, Value]) -> TargetGroup:
        """Read the target group from an offer's ``minAge``, ``maxAge`` and ``residenceStatuses``."""
        return cls(int_prop(props, "minAge"), int_prop(props, "maxAge"), _strings_prop(props, "residenceStatuses"))

    def overlaps(self, other: TargetGroup) -> bool:
        """Tell whether some person could belong to both target groups."""
        low = max((a for a in (self.min_age, other.min_age) if a is not None), default=None)
        high = min((a for a in (self.max_age, other.max_age) if a is not None), default=None)
        if low is not None and high is not None and low > high:
            return False
        if not self.residence_statuses or not other.residence_statuses:
            return True
        return bool(set(self.residence_statuses) & set(other.residence_statuses))


@dataclass(frozen=True, slots=True)
class Offer:
    """A service with the ids it links to (links valid on the catalogue's date).

    What its node says of whom it admits and how it counts is read once, when it
    is made (the index keeps an offer per generation of the store), not on every
    question: a referral judges a county's few hundred offers for every case.
    """

    node: Node
    providers: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    legal_domains: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    #: The areas whose AVAILABLE_IN link is a plausible fill-in (``illustrative``), not a sourced fact.
    illustrative_areas: frozenset[str] = frozenset()
    #: Whether the offer itself (its ages, statuses, dates) is a plausible fill-in.
    illustrative: bool = field(init=False, repr=False, compare=False)
    statutory: bool = field(init=False, repr=False, compare=False)
    #: The needs this offer itself serves: none for coordination (case management
    #: routes a case to offers for its needs; it does not cover them).
    needs_served: tuple[str, ...] = field(init=False, repr=False, compare=False)
    #: Whom it admits (``minAge``, ``maxAge``, ``residenceStatuses``).
    target_group: TargetGroup = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        props = self.node.props
        object.__setattr__(self, "illustrative", bool(props.get("illustrative", False)))
        object.__setattr__(self, "statutory", bool(props.get("statutory", False)))
        object.__setattr__(self, "needs_served", () if props.get("coordination") else self.needs)
        object.__setattr__(self, "target_group", TargetGroup.of_props(props))

    @property
    def id(self) -> str:
        return self.node.id

    def valid_on(self, day: dt.date) -> bool:
        return valid_on(self.node.props, day)


@dataclass(frozen=True, slots=True)
class Geography:
    """Municipalities, regions, and which regions each area belongs to (PART_OF)."""

    municipalities: dict[str, Node]
    regions: dict[str, Node]
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def areas_of(self, municipality: str) -> dict[str, Level]:
        """Return the municipality and every region it lies in, each with its level.

        Regions of kind ``county`` are at county level; all other regions at region level.
        """
        found: dict[str, Level] = {municipality: "municipality"}
        todo = list(self.parents.get(municipality, ()))
        while todo:
            area = todo.pop(0)
            if area in found or area not in self.regions:
                continue
            found[area] = "county" if self.regions[area].props.get("kind") == "county" else "region"
            todo += self.parents.get(area, ())
        return found

    def municipalities_in(self, area: str) -> list[str]:
        """Return the municipalities that lie in ``area`` (itself, if it is one), by id."""
        if area in self.municipalities:
            return [area]
        return sorted(m for m in self.municipalities if area in self.areas_of(m))

    def county_of(self, municipality: str) -> str | None:
        """Return the county region the municipality lies in, if any."""
        return next((a for a, level in self.areas_of(municipality).items() if level == "county"), None)


@dataclass(slots=True)
class Catalogue:
    """Everything the referral and coverage logic reads, gathered once per request."""

    geography: Geography
    #: Whole catalogues share the read index's maps (``graph.read.chunked``): read, never changed.
    offers: Mapping[str, Offer] = field(default_factory=dict)
    organisations: dict[str, Node] = field(default_factory=dict)
    needs: dict[str, Node] = field(default_factory=dict)
    legal_domains: dict[str, Node] = field(default_factory=dict)
    programmes: dict[str, Node] = field(default_factory=dict)
    #: Programme id -> its parent programmes (PART_OF).
    programme_parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: The target group the offers were narrowed to (``availability.for_target_group``); None: everyone.
    #: Coverage asks it which needs can arise at all (``graph.rules.applicability``).
    target: TargetGroup | None = None


def known_ids(ids: Collection[str] | None, known: Collection[str], what: str) -> list[str]:
    """Return ``ids`` (all of ``known`` if None) sorted, once each, after checking each is known.

    >>> known_ids(None, {"need:b": 1, "need:a": 2}, "need")
    ['need:a', 'need:b']
    >>> known_ids(["need:x"], {"need:a": 1}, "need")
    Traceback (most recent call last):
    ...
    kimnet.graph.model.errors.NotFoundError: unknown need id(s) need:x; use ids from the catalogue's needs

    Raises:
        NotFoundError: an id that ``known`` does not hold.
    """
    if ids is None:
        return sorted(known)
    unknown = sorted(set(ids) - set(known))
    if unknown:
        whats = f"{what[:-1]}ies" if what.endswith("y") else f"{what}s"
        raise NotFoundError(f"unknown {what} id(s) {', '.join(unknown)}; use ids from the catalogue's {whats}")
    return sorted(set(ids))
