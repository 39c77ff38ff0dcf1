"""Where and for whom an offer is available: the rules referral and coverage share.

An offer is available to a municipality when one of the areas it is
AVAILABLE_IN is the municipality itself or a region the municipality lies in;
the *level* is that of the closest such area (municipality, then region, then
county). Its target group is the age range and the residence statuses it
admits. Referral and coverage both ask these questions, so they are answered
here, once. Validity on a day is ``validity.valid_on``'s business.

>>> from kimnet.graph.model.kinds import Node
>>> areas = {"mun:olfen": "municipality", "reg:sued": "region", "reg:kreis": "county"}
>>> offer = Offer(Node("Service", "svc:kurs", {"name": "Kurs", "minAge": 18}), areas=("reg:kreis", "reg:sued"))
>>> closest_area(offer, areas), closest_level(offer, areas)
('reg:sued', 'region')
>>> closest_level(offer, {"mun:senden": "municipality"}) is None
True
>>> TargetGroup.of(offer)
TargetGroup(min_age=18, max_age=None, residence_statuses=())
>>> TargetGroup.of(offer).overlaps(TargetGroup(max_age=17))
False
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

# The target group is read once with each offer (``catalogue.Offer``); asked for here, where it is used.
from kimnet.graph.rules.catalogue import LEVELS, Catalogue, Level, Offer, TargetGroup, int_prop

__all__ = ["TargetGroup", "closest_area", "closest_level", "for_target_group", "int_prop", "offers_by_area", "reachable"]


def closest_area(offer: Offer, areas: Mapping[str, Level]) -> str | None:
    """Return the closest area through which ``offer`` reaches a municipality, or None if it does not.

    ``areas`` is the municipality's ``Geography.areas_of``: the municipality and
    the regions it lies in, each with its level. Of two areas at one level the
    smaller id wins, so the answer never depends on the order of links.
    """
    through = [area for area in offer.areas if area in areas]
    if len(through) < 2:  # most offers reach a municipality through one area, if any: nothing to choose
        return through[0] if through else None
    return min(through, key=lambda area: (LEVELS.index(areas[area]), area))


def closest_level(offer: Offer, areas: Mapping[str, Level]) -> Level | None:
    """Return the level of ``closest_area``, or None if the offer does not reach the municipality."""
    area = closest_area(offer, areas)
    return None if area is None else areas[area]


def offers_by_area(offers: Iterable[Offer]) -> dict[str, list[Offer]]:
    """Index offers by each area they are available in, so one municipality needs no scan of all offers."""
    index: dict[str, list[Offer]] = defaultdict(list)
    for offer in offers:
        for area in offer.areas:
            index[area].append(offer)
    return dict(index)


def reachable(areas: Mapping[str, Level], by_area: Mapping[str, Sequence[Offer]]) -> list[tuple[Offer, Level]]:
    """Return the indexed offers available in ``areas`` with their closest level.

    Each offer appears once, the list ordered by level, then name, then id.
    """
    found = {offer.id: offer for area in areas for offer in by_area.get(area, ())}
    pairs = [(offer, level) for offer in found.values() if (level := closest_level(offer, areas)) is not None]
    return sorted(pairs, key=lambda pair: (LEVELS.index(pair[1]), pair[0].node.name, pair[0].id))


def for_target_group(catalogue: Catalogue, target: TargetGroup) -> Catalogue:
    """Return a copy of ``catalogue`` with only the offers that admit someone of ``target``.

    Coverage questions for a group ("which gaps open for 18- to 27-year-olds with a
    Duldung when Durchstarten ends?") are the plain questions on this copy, which
    also keeps ``target``, so that needs the group cannot have are left out.
    """
    offers = {i: o for i, o in catalogue.offers.items() if TargetGroup.of(o).overlaps(target)}
    return replace(catalogue, offers=offers, target=target)
