"""What a referral judges of a place: a municipality's offers for some needs on a day, whoever asks (``place``).

Most of what a referral judges does not depend on the person: whether an offer
holds on the day and reaches the municipality, and how it ranks there. The read
cache keeps a ``Place`` with the referral's world, and ``referral.refer`` judges
the person against it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kimnet.graph.model.errors import NotFoundError
from kimnet.graph.model.kinds import Value
from kimnet.graph.rules import coverage
from kimnet.graph.rules.availability import TargetGroup, closest_area, int_prop
from kimnet.graph.rules.catalogue import LEVELS, Catalogue, Geography, Level, Offer
from kimnet.graph.rules.coverage import Responsibility
from kimnet.graph.rules.referral_terms import Exclusion, Reason

__all__ = ["Place", "Placed", "place"]


def _name(geography: Geography, area: str) -> str:
    node = geography.municipalities.get(area) or geography.regions.get(area)
    return node.name if node else area


def _day(props: Mapping[str, Value], name: str) -> dt.date | None:
    value = props.get(name)
    return value if isinstance(value, dt.date) else None


@dataclass(frozen=True, slots=True)
class Placed:
    """An offer for a need, judged for a municipality and a day: what holds of it whoever the person is."""

    offer: Offer
    need: str
    #: The reasons of the day and the place that it fails: not valid on the day, not available in the municipality.
    failed: tuple[Reason, ...]
    #: Where it reaches the municipality, and how close (None: it does not).
    available: tuple[Reason, Level] | None
    #: Where it ranks among the need's offers available there, whoever asks: its level's place in ``LEVELS``,
    #: and its place in the order of level, capacity (largest first, unknown last), name and id.
    rank: tuple[int, int]
    #: Its place in ``Place.groups``: whom it admits, and whether those limits are a fill-in.
    group: int
    #: The languages it is given in.
    languages: tuple[str, ...]
    #: ``failed`` as an exclusion, for every case whose own reasons exclude nothing more (None: it fails nothing).
    excluded: Exclusion | None


@dataclass(frozen=True, slots=True)
class Place:
    """The offers of a referral's needs judged for a municipality on a day, per need in id order (``place``).

    The same for every person asking there: a referral then judges only age,
    residence status and languages, once per target group.
    """

    municipality: str
    day: dt.date
    per_need: dict[str, tuple[Placed, ...]]
    #: The distinct (target group, whether its limits are a fill-in) of the offers.
    groups: tuple[tuple[TargetGroup, bool], ...]
    #: Who is responsible there per legal domain (``coverage.responsibilities``).
    responsibilities: tuple[Responsibility, ...]


def place(catalogue: Catalogue, municipality: str, day: dt.date, needs: Iterable[str]) -> Place:
    """Judge the non-statutory offers of ``catalogue`` serving each of ``needs`` for ``municipality`` on ``day``,
    and tell who is responsible there.

    Raises NotFoundError when the municipality is not in the catalogue (the message leaves the case out).
    """
    geography = catalogue.geography
    if municipality not in geography.municipalities:
        raise NotFoundError("the case's municipality is not in the catalogue's geography; pass a Municipality id of the county")
    areas = geography.areas_of(municipality)
    # Which areas an offer serves may be a fill-in (the region of a coaching post).
    unavailable = {
        made_up: Reason("not_available", area=municipality, area_name=_name(geography, municipality), illustrative=made_up)
        for made_up in (False, True)
    }
    groups: dict[tuple[TargetGroup, bool], int] = {}
    per_need: dict[str, tuple[Placed, ...]] = {}
    for need in dict.fromkeys(needs):
        judged = []
        offers = (o for o in catalogue.offers.values() if need in o.needs_served and not o.statutory)
        for offer in sorted(offers, key=lambda o: o.id):
            props, made_up = offer.node.props, offer.illustrative
            failed: list[Reason] = []
            if not offer.valid_on(day):
                valid_from, valid_to = _day(props, "validFrom"), _day(props, "validTo")
                failed.append(Reason("not_valid", day=day, valid_from=valid_from, valid_to=valid_to, illustrative=made_up))
            area = closest_area(offer, areas)
            available = None
            if area is None:
                failed.append(unavailable[bool(offer.illustrative_areas)])
            else:
                level, illustrative = areas[area], area in offer.illustrative_areas
                reason = Reason("available", area=area, area_name=_name(geography, area), level=level, illustrative=illustrative)
                available = (reason, level)
            judged.append((offer, tuple(failed), available))
        ranks = {offer.id: i for i, (offer, _, available) in enumerate(sorted(judged, key=_static_rank))}
        placed = []
        for offer, failed_there, available in judged:
            group = groups.setdefault((offer.target_group, offer.illustrative), len(groups))
            offered = offer.node.props.get("languages")
            languages = tuple(lang for lang in offered if isinstance(lang, str)) if isinstance(offered, tuple) else ()
            rank = (LEVELS.index(available[1]) if available else len(LEVELS), ranks[offer.id])
            excluded = Exclusion(offer, need, failed_there) if failed_there else None
            placed.append(Placed(offer, need, failed_there, available, rank, group, languages, excluded))
        per_need[need] = tuple(placed)
    responsible = coverage.responsibilities(municipality, catalogue, day)
    return Place(municipality, day, per_need, tuple(groups), responsible)


def _static_rank(judged: tuple[Offer, tuple[Reason, ...], tuple[Reason, Level] | None]) -> tuple[int, bool, int, str, str]:
    """An offer's rank among a need's offers in a place, whoever asks (see ``_judged``); the unavailable last."""
    offer, _, available = judged
    capacity = int_prop(offer.node.props, "capacity")
    level = LEVELS.index(available[1]) if available is not None else len(LEVELS)
    return (level, capacity is None, -(capacity or 0), offer.node.name, offer.id)
