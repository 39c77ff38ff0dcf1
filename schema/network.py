"""Network questions: cooperation paths, brokers, missing ties between legal domains, impact of leaving.

The organisation graph (cooperation ties and shared working groups, valid on
``asOf``) and the measures made from it (betweenness, what each departure
disconnects) are made once per store generation and day by the read cache
(``graph.read.readcache``, ``graph.rules.measures``) and shared by every request; the
analysis is ``graph.rules.network``'s. Every question runs in a worker thread
(``schema.offload``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Annotated

import strawberry

from kimnet.graph.model.errors import ArgumentError, NotFoundError
from kimnet.graph.rules import network as analysis
from kimnet.schema.coverage import CoverageGap, gap_of
from kimnet.schema.entities import TYPES, entity
from kimnet.schema.ids import to_key
from kimnet.schema.offload import offload

if TYPE_CHECKING:
    from kimnet.schema.context import Context

__all__ = ["NetworkQuery"]

Organisation = TYPES["Organisation"]
Service = TYPES["Service"]
LegalDomain = TYPES["LegalDomain"]


@strawberry.type(description="An organisation and how much it brokers between others")
class Broker:
    organisation: Organisation = strawberry.field(description="The organisation")
    betweenness: float = strawberry.field(description="Normalised betweenness centrality in the cooperation network")


@strawberry.type(description="Two legal domains whose organisations have no cooperation tie")
class LegalDomainPair:
    first: LegalDomain = strawberry.field(description="One legal domain")
    second: LegalDomain = strawberry.field(description="The other legal domain")


@strawberry.type(description="What the network loses if one organisation leaves")
class LeavingImpact:
    organisation: Organisation = strawberry.field(description="The organisation that would leave")
    offersLost: list[Service] = strawberry.field(description="Valid offers that only this organisation provides")
    offersShared: list[Service] = strawberry.field(description="Valid offers it provides with others")
    gapsOpened: list[CoverageGap] = strawberry.field(description="Coverage gaps that losing its offers opens")
    partners: list[Organisation] = strawberry.field(description="Organisations tied to it")
    pairsDisconnected: int = strawberry.field(description="Pairs of other organisations that lose every path between them")
    isolated: list[Organisation] = strawberry.field(description="Organisations left without any tie")


def _organisation(value: str) -> str:
    key = to_key(value)
    if not key.startswith("org:"):
        raise NotFoundError(f"{key} is not an organisation")
    return key


@strawberry.type
class NetworkQuery:
    @strawberry.field(
        description="The shortest tie between two organisations, over cooperation and shared working groups; null if none"
    )
    async def cooperationPath(
        self,
        info: strawberry.Info[Context, None],
        from_: Annotated[
            strawberry.ID, strawberry.argument(name="from", description="The organisation the tie starts at (key or id)")
        ],
        to: Annotated[strawberry.ID, strawberry.argument(description="The organisation the tie ends at (key or id)")],
        asOf: Annotated[dt.date | None, strawberry.argument(description="Ties valid on this day (default today)")] = None,
    ) -> list[Organisation] | None:
        day = asOf or info.context.today
        start, end = _organisation(from_), _organisation(to)
        cached = await info.context.read_cache.reads()

        def answer() -> list[Organisation] | None:
            organisations, graph = cached.network(day)
            path = analysis.cooperation_path(graph, start, end)
            return None if path is None else [entity(organisations[o], day) for o in path]

        return await offload(info.context, answer)

    @strawberry.field(
        description="The organisations that broker most between others (betweenness centrality; estimated from a "
        "seeded sample of sources in a network of thousands, see the API guide)"
    )
    async def brokers(
        self,
        info: strawberry.Info[Context, None],
        asOf: Annotated[dt.date | None, strawberry.argument(description="Ties valid on this day (default today)")] = None,
        top: Annotated[int, strawberry.argument(description="How many organisations, highest betweenness first (1 to 500)")] = 10,
    ) -> list[Broker]:
        if not 1 <= top <= 500:
            raise ArgumentError(f"top must be between 1 and 500, not {top}")
        day = asOf or info.context.today
        cached = await info.context.read_cache.reads()

        def answer() -> list[Broker]:
            measures = cached.measures(day)
            return [
                Broker(organisation=entity(measures.organisations[o], day), betweenness=b) for o, b in measures.ranking()[:top]
            ]

        return await offload(info.context, answer)

    @strawberry.field(description="Pairs of legal domains with no cooperation tie between their organisations")
    async def missingTies(
        self,
        info: strawberry.Info[Context, None],
        asOf: Annotated[
            dt.date | None, strawberry.argument(description="Ties and offers valid on this day (default today)")
        ] = None,
        countWorkingGroups: Annotated[
            bool, strawberry.argument(description="Count sitting in one working group as a tie, too")
        ] = False,
    ) -> list[LegalDomainPair]:
        day = asOf or info.context.today
        cached = await info.context.read_cache.reads()

        def pairs() -> tuple[tuple[str, str], ...]:
            _, graph = cached.network(day)
            domains_of: dict[str, set[str]] = defaultdict(set)
            for offer in cached.catalogue(day).offers.values():
                if offer.valid_on(day):
                    for org in offer.providers:
                        domains_of[org].update(offer.legal_domains)
            return analysis.missing_ties(graph, domains_of, include_groups=countWorkingGroups)

        def answer() -> list[LegalDomainPair]:
            found = cached.shared(("missingTies", day, countWorkingGroups), pairs)
            domains = cached.catalogue(day).legal_domains
            return [LegalDomainPair(first=entity(domains[a], day), second=entity(domains[b], day)) for a, b in found]

        return await offload(info.context, answer)

    @strawberry.field(description="What is lost if one organisation leaves: offers, coverage, ties")
    async def impactOfLeaving(
        self,
        info: strawberry.Info[Context, None],
        organisation: Annotated[strawberry.ID, strawberry.argument(description="The organisation that would leave (key or id)")],
        asOf: Annotated[dt.date | None, strawberry.argument(description="On this day (default today)")] = None,
    ) -> LeavingImpact:
        day = asOf or info.context.today
        key = _organisation(organisation)
        cached = await info.context.read_cache.reads()

        def answer() -> LeavingImpact:
            measures = cached.measures(day)
            catalogue = cached.catalogue(day)
            found = analysis.impact_of_leaving(
                key, catalogue, measures.graph, day, losses=measures.losses(), gaps_before=cached.gaps(day)
            )
            known = {**measures.organisations, **catalogue.organisations}
            return LeavingImpact(
                organisation=entity(known[key], day),
                offersLost=[entity(o.node, day) for o in found.offers_lost],
                offersShared=[entity(o.node, day) for o in found.offers_shared],
                gapsOpened=[gap_of(catalogue, g, day) for g in found.gaps_opened],
                partners=[entity(known[o], day) for o in found.partners],
                pairsDisconnected=found.pairs_disconnected,
                isolated=[entity(known[o], day) for o in found.isolated],
            )

        return await offload(info.context, answer)
