"""What a write leaves of one generation's derived data: the parts the next generation may share or update.

``Reads.following`` (``graph.read.reads``) makes a generation's reads from the
last one's. A write that changes offers alone (services and their links, the
coordinators' daily work) leaves the reference data and the geography as they
were; it changes a day's catalogue in the offers it touched only; it leaves a
day's coverage gaps as they were when no touched offer serves, on that day,
other needs in other areas than before; and it leaves the offers of a county as
they were when no touched offer is available there, before or after. Anything
else is made anew on first use, as after a read of the graph.

>>> import datetime as dt
>>> from kimnet.graph.model.kinds import Edge
>>> sorted(offers_touched([Step("put", Edge("AVAILABLE_IN", "svc:kurs", "mun:olfen")), Step("put", Node("Service", "svc:cafe"))]))
['svc:cafe', 'svc:kurs']
>>> offers_touched([Step("put", Node("Organisation", "org:vhs"))]) is None
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from kimnet.graph.model.changes import Step
from kimnet.graph.model.kinds import Node
from kimnet.graph.read.chunked import Chunked
from kimnet.graph.read.index import _OFFER_TYPES, GraphIndex
from kimnet.graph.read.index_update import _offer_end
from kimnet.graph.rules.catalogue import Catalogue, Offer

__all__ = ["areas_of", "catalogue_after", "offers_touched", "same_gaps"]


def offers_touched(done: Sequence[Step]) -> frozenset[str] | None:
    """The offers that ``done`` changes, if it changes nothing but offers and their links; else None."""
    found: set[str] = set()
    for step in done:
        item = step.item
        if isinstance(item, Node):
            if item.kind != "Service":
                return None
            found.add(item.id)  # a removed service takes only its own links with it: all of them offers' links
        elif item.type in _OFFER_TYPES:
            found.add(_offer_end(item)[1])
        else:
            return None
    return frozenset(found)


def areas_of(offers: Iterable[str], *indexes: GraphIndex) -> frozenset[str]:
    """The areas that ``offers`` are available in, in any of ``indexes``, whatever the links' dates."""
    return frozenset(area for index in indexes for offer in offers if offer in index.offers for area in index.offers[offer].areas)


def catalogue_after(before: Catalogue, index: GraphIndex, touched: frozenset[str], day: dt.date | None) -> Catalogue:
    """``before`` (a whole catalogue, ``gather.catalogue``) with the ``touched`` offers as ``index`` holds them on ``day``.

    The same as ``gather.catalogue`` over ``index`` when only those offers
    changed; the untouched offers and, if no touched offer changed its
    providers, the organisations are shared with ``before``.
    """
    now = {offer: index.offer(offer, day) for offer in touched if offer in index.offers}
    offers: Mapping[str, Offer]
    if isinstance(before.offers, Chunked) and len(now) == len(touched) and all(o in before.offers for o in touched):
        offers = before.offers.replaced(now)  # changed offers alone: the usual write, the rest shared
    else:
        # An offer came or went: a whole catalogue holds every offer of the index, in its order.
        found = {**dict(before.offers.items()), **now}
        offers = index.offers.beside(found[offer] for offer in index.offers)
    organisations = before.organisations
    if any(_providers(before.offers.get(o)) != _providers(offers.get(o)) for o in touched):
        providing = {p for offer in offers.values() for p in offer.providers}
        organisations = {i: n for i, n in index.kinds["Organisation"].items() if i in providing}
    return replace(before, offers=offers, organisations=organisations)


def _providers(offer: Offer | None) -> tuple[str, ...]:
    return offer.providers if offer is not None else ()


def same_gaps(before: Catalogue, after: Catalogue, touched: frozenset[str], day: dt.date) -> bool:
    """Whether ``coverage.coverage_gaps`` on ``day`` answers the same for ``after`` as for ``before``.

    The gaps depend on the offers through what each valid one serves where
    (``coverage._covered_areas``): unchanged for every touched offer, they are the same.
    """
    return all(_serves(before.offers.get(o), day) == _serves(after.offers.get(o), day) for o in touched)


def _serves(offer: Offer | None, day: dt.date) -> tuple[frozenset[str], frozenset[str]] | None:
    """The needs an offer serves on ``day`` and the areas it is available in; None if it serves none anywhere."""
    if offer is None or not offer.valid_on(day) or not offer.needs_served or not offer.areas:
        return None
    return frozenset(offer.needs_served), frozenset(offer.areas)
