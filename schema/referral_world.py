"""What the referral answers in one world share (``schema.referral``), and which worlds keep it.

A referral world (``graph.read.reads.ReferralWorld``) is a municipality, a day
and needs; most of what a referral there answers holds for everyone who asks
(``graph.rules.referral.Place``). Its GraphQL objects are made once, kept in the
world for the ``KEPT_WORLDS`` asked last per language, and written once per
selection (``written.shared``).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, cast

from kimnet.graph.read.reads import ReferralWorld
from kimnet.graph.rules.referral import Reason
from kimnet.schema.coverage import responsibility
from kimnet.schema.wording import Language
from kimnet.schema.written import shared

if TYPE_CHECKING:
    from kimnet.schema.referral import ExcludedOffer

__all__ = ["KEPT_WORLDS", "Kept", "World", "in_world", "kept_worlds"]


class World:
    """What every referral answer in one world shares, in one language (``in_world``): the entities of its
    nodes, and the GraphQL objects of the reasons and exclusions that hold there for everyone (``Place``).

    An answer makes them on first use and adds them here; each is written once per
    writer (``written.shared``), so that a referral makes and writes only what its
    person changes. What an answer makes of the case's own reasons stays its own.
    """

    def __init__(self, world: ReferralWorld) -> None:
        self.place = world.place  # kept: the ids below stay its objects' while this lives
        placed = [offer for offers in world.place.per_need.values() for offer in offers]
        self.reasons = {id(r) for o in placed for r in (*o.failed, *(o.available[:1] if o.available else ()))}
        self.exclusions = {id(o.excluded) for o in placed if o.excluded is not None}
        self.entities: dict[str, Any] = {}
        self.worded: dict[tuple[type, int], tuple[Reason, Any]] = {}
        self.excluded: dict[int, ExcludedOffer] = {}
        catalogue, day = world.catalogue, world.place.day
        self.responsibilities = [shared(responsibility(catalogue, r, day)) for r in world.place.responsibilities]


#: Referral worlds whose answers' objects are kept, per language (``in_world``). Each holds up to some 300 KB
#: (a county's exclusions, offers and reasons, written), so fewer than the read cache keeps worlds (``reads.WORLDS``).
KEPT_WORLDS = 32


class Kept:
    """Which worlds keep what their answers share (in ``ReferralWorld.made``), per language: the ``size`` asked last.

    Kept in the world itself, so it goes with the world: a generation read anew lets
    go of its worlds, and of everything its answers shared. Kept here, it held the
    worlds of generations gone, and with them scattered parts of their index: after
    two reads of the graph a worker's memory stayed 16 MB higher (``bench.memory``).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._asked: OrderedDict[tuple[int, Language], weakref.ref[ReferralWorld]] = OrderedDict()
        self._lock = threading.Lock()  # requests in worker threads ask too

    def get(self, world: ReferralWorld, language: Language) -> World:
        found = world.made.get(language)
        if found is None:
            # Two requests may make it at once: one of the two is kept, both are right.
            found = world.made.setdefault(language, World(world))
        key = (id(world), language)  # an id that a dead world had is taken over with its entry
        with self._lock:
            ref = self._asked.get(key)
            if ref is None or ref() is not world:
                self._asked[key] = weakref.ref(world)
            self._asked.move_to_end(key)
            while len(self._asked) > self.size:
                (_, gone), oldest = self._asked.popitem(last=False)
                left = oldest()
                if left is not None:
                    left.made.pop(gone, None)
        return cast("World", found)

    def kept(self) -> list[World]:
        """What the worlds asked last keep, least recently asked first."""
        with self._lock:
            asked = list(self._asked.items())
        return [found for (_, language), ref in asked if (world := ref()) is not None and (found := world.made.get(language))]


kept_worlds = Kept(KEPT_WORLDS)


def in_world(world: ReferralWorld, language: Language) -> World:
    """What answers in ``world`` share in ``language``, kept while the world is among the ``KEPT_WORLDS`` asked last.

    A write that leaves the world as it was leaves the same object in the next
    generation (``Reads.following``): what answers share in it stays kept.
    """
    return kept_worlds.get(world, language)
