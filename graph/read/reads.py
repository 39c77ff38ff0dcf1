"""One generation of a store in memory: the plain data that referral, coverage and network questions take.

``Reads`` holds a generation's ``GraphIndex`` and what ``graph.read.gather`` selects
from it, kept where selecting costs more than a little (the catalogue per day, the
organisation network per day and set of organisations, a referral's world per
place, day and needs), each in a bounded ``Recent``. ``Reads.following`` makes the
next generation's from a write's steps, carrying what they cannot have changed.
``graph.read.readcache`` decides which generation a request gets.

Everything handed out is shared between requests: callers must not change it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar, cast

import networkx as nx

from kimnet.graph.model.changes import Step
from kimnet.graph.model.kinds import Node
from kimnet.graph.read import carry, gather
from kimnet.graph.read.index import GraphIndex
from kimnet.graph.read.index_update import touches, updated
from kimnet.graph.read.recent import Recent
from kimnet.graph.rules import referral
from kimnet.graph.rules.catalogue import Catalogue, Geography
from kimnet.graph.rules.coverage import Gap, coverage_gaps
from kimnet.graph.rules.measures import Measures
from kimnet.graph.rules.network import shortest_paths
from kimnet.graph.rules.referral import CaseManagerPost, Paths, Place

__all__ = ["Reads", "ReferralWorld"]

#: Days whose whole catalogue one generation keeps (a state's: 2.2 MB, tracemalloc; it shares the index's offers).
CATALOGUE_DAYS = 4

#: Days whose needs, legal domains and programmes one generation keeps (small).
DAYS = 16

#: Counties whose offers and whose organisations one generation keeps, per county and day (a few hundred each).
COUNTIES = 128

#: Days whose whole network, its measures and its coverage gaps one generation keeps (a state's: 22 MB a day for
#: the network before any measure, tracemalloc; the gaps are small). Not fewer: a measure is seconds to make again.
DAYS_MEASURED = 4

#: Whole-state answers one generation keeps (``Reads.shared``).
ANSWERS = 32

#: County networks one generation keeps, per day and set of organisations.
NETWORKS = 64

#: Shortest paths through a county network one generation keeps, per network and organisation (``Reads.paths``).
PATHS = 128

#: Referral worlds one generation keeps, per municipality, day and set of needs (``Reads.referral_world``): each
#: a county's few hundred offers and organisations by id, sharing the index's nodes (some 20 KB).
WORLDS = 128

#: What the whole network (``Reads.measures``, ``Reads.county_network``) is made of.
_NETWORK_KINDS = frozenset({"Organisation", "WorkingGroup"})
_NETWORK_TYPES = frozenset({"COOPERATES_WITH", "MEMBER_OF"})

#: What the geography (``Reads.geography``) is made of.
_GEOGRAPHY_KINDS = frozenset({"Municipality", "Region"})
_GEOGRAPHY_TYPES = frozenset({"PART_OF"})

V = TypeVar("V")


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class ReferralWorld:
    """What a referral in a municipality on a day for a set of needs looks at, whoever the person is."""

    #: The county's statutory offers and those for the needs, with the links that hold on the day.
    catalogue: Catalogue
    #: The case-manager posts covering the municipality on the day.
    posts: tuple[CaseManagerPost, ...]
    #: The organisations that may sit in the case conference, by id, and their cooperation graph.
    organisations: dict[str, Node]
    network: nx.Graph[str]
    #: The catalogue's offers for the needs judged for the municipality and the day (``referral.place``).
    place: Place
    #: What the service's answers in it share, per language (``schema.referral``): it goes with the world.
    made: dict[str, object] = field(default_factory=dict, repr=False)


class Reads:
    """One generation of a store, in memory: the plain data that referral, coverage and network questions take.

    Every method is pure Python over the index (no round trip) and returns
    shared, read-only data.
    """

    def __init__(
        self, generation: str, index: GraphIndex, geography: Geography | None = None, keep: Callable[[], None] = lambda: None
    ) -> None:
        self.generation = generation
        self._keep = keep
        self.index = index
        self.geography: Geography = gather.geography(index) if geography is None else geography
        self._counties: dict[str, gather.County] = {}  # one per municipality at most
        self._references: Recent[dt.date | None, gather.Reference] = Recent(DAYS, keep)
        self._catalogues: Recent[dt.date | None, Catalogue] = Recent(CATALOGUE_DAYS, keep)
        self._county_offers: Recent[tuple[str, dt.date], gather.CountyOffers] = Recent(COUNTIES, keep)
        # Never carried over (``following``): made anew after any write, in well under a millisecond.
        self._located: Recent[tuple[str, dt.date], dict[str, Node]] = Recent(COUNTIES, keep)
        self._networks: Recent[tuple[dt.date, tuple[str, ...]], nx.Graph[str]] = Recent(NETWORKS, keep)
        self._paths: Recent[tuple[nx.Graph[str], str], Paths] = Recent(PATHS, keep)
        self._measures: Recent[dt.date, Measures] = Recent(DAYS_MEASURED, keep)
        self._gaps: Recent[dt.date, tuple[Gap, ...]] = Recent(DAYS_MEASURED, keep)
        self._answers: Recent[Hashable, object] = Recent(ANSWERS, keep)
        # Carried over by a write to offers not available in their county (``_carry_offers``).
        self._worlds: Recent[tuple[str, dt.date, frozenset[str]], ReferralWorld] = Recent(WORLDS, keep)

    def following(self, generation: str, done: list[Step]) -> Reads:
        """The reads of ``generation``, made by ``done`` (the steps of the writes since this one's) from these.

        The index is updated, not read again; what the steps cannot have changed
        is shared (the geography, the network with its measures), what writes to
        offers alone change is updated (``graph.read.carry``), the rest made anew on
        first use.
        """
        kinds, types = touches(done)
        index = updated(self.index, done)
        same_geography = not (kinds & _GEOGRAPHY_KINDS or types & _GEOGRAPHY_TYPES)
        found = Reads(generation, index, self.geography if same_geography else None, self._keep)
        if same_geography:
            found._counties = self._counties
        if not (kinds & _NETWORK_KINDS or types & _NETWORK_TYPES):
            # Only the organisations' nodes and their ties go into the network: offers are not in it.
            found._networks = self._networks
            found._paths = self._paths
            found._measures = self._measures
        touched = carry.offers_touched(done)
        if touched is not None:
            self._carry_offers(found, touched)
        return found

    def _carry_offers(self, found: Reads, touched: frozenset[str]) -> None:
        """Carry into ``found`` what a write to the ``touched`` offers alone leaves of these reads."""
        found._references = self._references  # needs, legal domains, programmes: not offers
        # Settled: what requests are making now is carried over, not made again for the next generation.
        catalogues = self._catalogues.settled()
        gaps = dict(self._gaps.settled())
        for day, catalogue in catalogues:
            after = carry.catalogue_after(catalogue, found.index, touched, day)
            found._catalogues.put(day, after)
            if day is not None and day in gaps and carry.same_gaps(catalogue, after, touched, day):
                found._gaps.put(day, gaps[day])
        areas = carry.areas_of(touched, self.index, found.index)
        # A copy first (one step under the GIL): requests in worker threads add counties meanwhile.
        by_municipality = dict(self._counties)
        counties = {county.key: county.areas for county in by_municipality.values()}
        for (key, day), offers in self._county_offers.items():
            if key in counties and counties[key].isdisjoint(areas):
                found._county_offers.put((key, day), offers)
        # A world is its county's offers with their organisations and network, and the posts: the same
        # where no touched offer is available in the county, before or after (one write, most counties).
        for place, world in self._worlds.items():
            county = by_municipality.get(place[0])
            if county is not None and county.areas.isdisjoint(areas):
                found._worlds.put(place, world)

    def _reference(self, day: dt.date | None) -> gather.Reference:
        return self._references.get(day, lambda: gather.reference(self.index, day))

    def _county(self, municipality: str) -> gather.County:
        found = self._counties.get(municipality)
        if found is None:
            found = self._counties[municipality] = gather.county(self.geography, municipality)
        return found

    def catalogue(self, day: dt.date | None) -> Catalogue:
        """Every offer, with the relationships that hold on ``day`` (``gather.catalogue``)."""
        return self._catalogues.get(day, lambda: gather.catalogue(self.index, self.geography, self._reference(day), day))

    def county_catalogue(self, municipality: str, day: dt.date, for_needs: Collection[str] | None = None) -> Catalogue:
        """The offers of the county of ``municipality`` for a referral on ``day`` (``gather.county_catalogue``).

        With ``for_needs``, only the statutory offers and those addressing one of
        the needs (through any link, whatever its dates): all that a referral for
        them looks at.

        Raises:
            NotFoundError: no municipality has the id.
        """
        county = self._county(municipality)
        offers = self._county_offers.get((county.key, day), lambda: gather.county_offers(self.index, county, day))
        return gather.county_catalogue(self.index, self.geography, self._reference(day), offers.select(for_needs), day)

    def referral_world(self, municipality: str, day: dt.date, needs: Collection[str]) -> ReferralWorld:
        """What a referral in ``municipality`` on ``day`` for ``needs`` looks at, made once per generation.

        The catalogue for the needs, the posts and the conference's organisations
        with their network depend on the place, the day and the needs, not on the
        person (age, status, languages): made for every referral, they were a
        sixth of a referral's CPU, and a coordinator's cases in one town ask for
        the same needs again and again.

        Raises:
            NotFoundError: no municipality has the id.
        """
        return self._worlds.get((municipality, day, frozenset(needs)), lambda: self._referral_world(municipality, day, needs))

    def _referral_world(self, municipality: str, day: dt.date, needs: Collection[str]) -> ReferralWorld:
        catalogue = self.county_catalogue(municipality, day, for_needs=needs)
        posts = tuple(self.case_managers(municipality, day))
        employers = [p.employer for p in posts if p.employer is not None]
        organisations, network = self.county_network(catalogue, municipality, day, employers)
        return ReferralWorld(catalogue, posts, organisations, network, referral.place(catalogue, municipality, day, needs))

    def case_managers(self, municipality: str, day: dt.date) -> list[CaseManagerPost]:
        """The posts covering ``municipality`` on ``day`` (``gather.case_managers``)."""
        return gather.case_managers(self.index, municipality, day)

    def county_network(
        self, catalogue: Catalogue, municipality: str, day: dt.date, also: Iterable[str] = ()
    ) -> tuple[dict[str, Node], nx.Graph[str]]:
        """The organisations of the county of ``municipality`` and their cooperation graph on ``day``.

        See ``gather.county_organisations``; the graph is made once per day and
        set of organisations, and frozen: it is shared.

        Raises:
            NotFoundError: no municipality has the id.
        """
        county = self._county(municipality)
        located = self._located.get((county.key, day), lambda: gather.located_organisations(self.index, county, day))
        organisations = gather.county_organisations(self.index, catalogue, located, day, also)
        key = (day, tuple(sorted(organisations)))
        graph = self._networks.get(key, lambda: nx.freeze(gather.organisation_network(self.index, organisations, day)))
        return organisations, graph

    def paths(self, network: nx.Graph[str], source: str) -> Paths:
        """``network.shortest_paths`` from ``source`` through a graph that ``county_network`` gave, made once per both.

        Keyed by the graph itself, which is frozen: a network made anew (after a
        write to it) never meets the paths through the one before.
        """
        return self._paths.get((network, source), lambda: shortest_paths(network, source))

    def network(self, day: dt.date) -> tuple[dict[str, Node], nx.Graph[str]]:
        """Every organisation valid on ``day`` and the whole cooperation graph (``gather.network``), made once per day."""
        found = self.measures(day)
        return found.organisations, found.graph

    def measures(self, day: dt.date) -> Measures:
        """The whole network on ``day`` with its shared measures (``graph.rules.measures``); the graph is frozen."""

        def make() -> Measures:
            organisations, graph = gather.network(self.index, day)
            return Measures(organisations, nx.freeze(graph))

        return self._measures.get(day, make)

    def shared(self, key: Hashable, make: Callable[[], V]) -> V:
        """The answer under ``key`` made once for this generation (the ``ANSWERS`` used last are kept).

        For whole-state answers that depend on the graph and the key alone
        (``missingTies``, unfiltered ``coverageChanges``, ``duplicates``): the key
        must hold every argument, and the first part of it must name the question.
        """
        return cast("V", self._answers.get(key, make))

    def answered(self, key: Hashable) -> object | None:
        """What ``shared`` made under ``key`` for this generation; None if it has not been made (yet).

        A request that finds it answers on the event loop: handing it to a worker
        thread (``schema.offload``) cost more than the answer.
        """
        return self._answers.made(key)

    def gaps(self, day: dt.date) -> tuple[Gap, ...]:
        """Every coverage gap on ``day`` (``coverage.coverage_gaps`` of the whole catalogue)."""
        return self._gaps.get(day, lambda: coverage_gaps(self.catalogue(day), day))
