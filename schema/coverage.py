"""Coverage: what each municipality has per need, where the gaps are, what changes, what is duplicated.

Resolvers take the catalogue of the day from the store's read cache
(``graph.read.readcache``: one small round trip while the store is unchanged) and
hand it to the pure functions of ``graph.rules.coverage``; this module only turns
their answers into GraphQL objects.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry

from kimnet.graph.model.errors import ArgumentError, NotFoundError
from kimnet.graph.read.reads import Reads
from kimnet.graph.rules import coverage as rules
from kimnet.graph.rules.applicability import Applicability, NeedReason
from kimnet.graph.rules.availability import TargetGroup, closest_area, for_target_group
from kimnet.graph.rules.catalogue import Catalogue
from kimnet.graph.rules.duplicates import duplicates as find_duplicates
from kimnet.schema.availability import Level, ResidenceStatus, level_of, nodes_of
from kimnet.schema.entities import TYPES, entity, entity_of
from kimnet.schema.ids import to_key
from kimnet.schema.offload import offload
from kimnet.schema.wording import Language, need_reason_message
from kimnet.schema.written import shared

if TYPE_CHECKING:
    from kimnet.schema.context import Context

__all__ = [
    "CoverQuery",
    "CoverageGap",
    "Responsibility",
    "TargetGroupInput",
    "gap_of",
    "responsibility",
]

#: The most duplicate structures one request gets (the largest municipalities' first): a state has tens of
#: thousands, each of some dozens of offers.
MAX_DUPLICATES = 500

# The generated entity types, by name, for the annotations below.
Service = TYPES["Service"]
Organisation = TYPES["Organisation"]
Municipality = TYPES["Municipality"]
Need = TYPES["Need"]
LegalDomain = TYPES["LegalDomain"]
Programme = TYPES["Programme"]


@strawberry.enum(description="Whether a need can arise for the target group of a coverage question")
class ApplicabilityStatus(enum.Enum):
    APPLIES = strawberry.enum_value("applies", description="The need can arise for the group: a missing offer is a gap")
    CONDITIONAL = strawberry.enum_value(
        "conditional", description="It arises only if `condition` holds: a missing offer is a possible gap"
    )
    NOT_APPLICABLE = strawberry.enum_value(
        "not_applicable", description="The group cannot have the need (naturalisation under a Duldung): never a gap"
    )


@strawberry.enum(description="Why a need is conditional or not applicable for a target group")
class NeedConditionCode(enum.Enum):
    STATUS_EXCLUDED = strawberry.enum_value("status_excluded", description="It cannot arise with `residenceStatus`")
    STATUS_UNKNOWN = strawberry.enum_value(
        "status_unknown", description="No status given; it cannot arise with `residenceStatuses`"
    )
    AGE_OUTSIDE = strawberry.enum_value("age_outside", description="It concerns `minAge`..`maxAge`, not `age`")
    AGE_UNKNOWN = strawberry.enum_value("age_unknown", description="No age given; it concerns `minAge`..`maxAge`")
    HOUSEHOLD_CHILD = strawberry.enum_value(
        "household_child", description="It concerns families with a child aged `minAge`..`maxAge`"
    )
    ORGANISATION_NEED = strawberry.enum_value(
        "organisation_need", description="A need of organisations (intercultural opening), not of a person"
    )


@strawberry.type(description="Why a need is conditional or not applicable for a target group, as data and in words")
class NeedCondition:
    code: NeedConditionCode = strawberry.field(description="What the condition is; the other fields give its values")
    message: str = strawberry.field(description="The condition in words, in the language of `Accept-Language` (de or en)")
    residenceStatus: ResidenceStatus | None = strawberry.field(description="The group's residence status")
    residenceStatuses: list[ResidenceStatus] = strawberry.field(
        description="The residence statuses under which the need cannot arise"
    )
    age: int | None = strawberry.field(description="The group's age")
    minAge: int | None = strawberry.field(description="Youngest age the need concerns (of the child, for a family's need)")
    maxAge: int | None = strawberry.field(description="Oldest age the need concerns (of the child, for a family's need)")


@strawberry.type(description="Whether a need can arise for the target group, why not, and on what that rests")
class NeedApplicability:
    status: ApplicabilityStatus = strawberry.field(description="Applies, conditional or not applicable")
    condition: NeedCondition | None = strawberry.field(
        description="Why it is conditional or not applicable; null when it applies"
    )
    source: str | None = strawberry.field(description="The law and source of the rule, as the data give it")
    illustrative: bool = strawberry.field(description="True when the rule is a plausible fill-in, not a sourced fact")


@strawberry.enum(description="What a gap's population counts")
class PopulationBasis(enum.Enum):
    WHOLE_MUNICIPALITY = strawberry.enum_value(
        "whole_municipality",
        description="Every inhabitant of the municipality: the data hold no figures per target group",
    )


def condition_of(reason: NeedReason | None, language: Language) -> NeedCondition | None:
    if reason is None:
        return None
    return NeedCondition(
        code=NeedConditionCode(reason.code),
        message=need_reason_message(reason, language),
        residenceStatus=ResidenceStatus(reason.status) if reason.status is not None else None,
        residenceStatuses=[ResidenceStatus(s) for s in reason.statuses],
        age=reason.age,
        minAge=reason.min_age,
        maxAge=reason.max_age,
    )


def applicability_of(found: Applicability, language: Language) -> NeedApplicability:
    return NeedApplicability(
        status=ApplicabilityStatus(found.status),
        condition=condition_of(found.reason, language),
        source=found.source,
        illustrative=found.illustrative,
    )


@strawberry.input(description="Who a coverage question is about: only offers that admit such a person count")
class TargetGroupInput:
    age: int | None = strawberry.field(default=None, description="The people's age in years")
    residenceStatus: ResidenceStatus | None = strawberry.field(default=None, description="The people's residence status")

    def target(self) -> TargetGroup:
        status = (self.residenceStatus.value,) if self.residenceStatus is not None else ()
        return TargetGroup(self.age, self.age, status)


def _offers(offers: Any, day: dt.date) -> list[Any]:
    return [entity(o.node, day) for o in offers]


@strawberry.type(description="An offer that covers a need in a municipality, and from how close")
class CoveringOffer:
    offer: Service = strawberry.field(description="The offer")
    level: Level = strawberry.field(description="How close it is to the municipality")
    illustrative: bool = strawberry.field(
        description="True when the offer, or the area through which it reaches the municipality, is a plausible fill-in"
    )


@strawberry.type(description="How one need is covered in a municipality")
class NeedCoverage:
    need: Need = strawberry.field(description="The need")
    level: Level | None = strawberry.field(
        description="The closest level with an offer; null is a gap unless the need is not applicable to the target group"
    )
    offers: list[CoveringOffer] = strawberry.field(
        description="The valid offers for the need that reach the municipality, closest first"
    )
    applicability: NeedApplicability = strawberry.field(
        description="Whether the need can arise for the target group (without one: it applies)"
    )


@strawberry.type(description="The statutory responsibility for one legal domain in a municipality")
class Responsibility:
    legalDomain: LegalDomain = strawberry.field(description="The legal domain")
    level: Level = strawberry.field(description="How close the responsible body is (closer bodies supersede farther ones)")
    offers: list[Service] = strawberry.field(description="The statutory offers of the domain that reach the municipality")
    organisations: list[Organisation] = strawberry.field(description="The bodies that provide them")


@strawberry.type(description="A municipality without an offer for a need or a programme part")
class CoverageGap:
    municipality: Municipality = strawberry.field(description="The municipality without an offer")
    population: int = strawberry.field(description="Inhabitants of the municipality (see `populationBasis`)")
    populationBasis: PopulationBasis = strawberry.field(
        description="What `population` counts: the whole municipality, as no figures per target group exist"
    )
    need: Need | None = strawberry.field(description="The need without an offer, for need gaps")
    programme: Programme | None = strawberry.field(description="The programme part, for programme gaps")
    condition: NeedCondition | None = strawberry.field(
        description="Set for a possible gap: the need arises for the target group only under this condition"
    )


@strawberry.type(description="A need still covered, but from another level than before")
class LevelChange:
    municipality: Municipality = strawberry.field(description="The municipality")
    population: int = strawberry.field(description="Inhabitants of the municipality")
    need: Need = strawberry.field(description="The need")
    before: Level = strawberry.field(description="The closest level on the first day")
    after: Level = strawberry.field(description="The closest level on the second day")


@strawberry.type(description="What changes in coverage between two days")
class CoverageChanges:
    opened: list[CoverageGap] = strawberry.field(description="Gaps on the second day that were not there on the first")
    closed: list[CoverageGap] = strawberry.field(description="Gaps on the first day that are gone on the second")
    moved: list[LevelChange] = strawberry.field(description="Needs covered on both days, from another level")
    ended: list[Service] = strawberry.field(description="Offers valid on the first day, not on the second")
    started: list[Service] = strawberry.field(description="Offers valid on the second day, not on the first")


@strawberry.type(description="Several providers offering the same need to overlapping target groups in one place")
class DuplicateStructure:
    municipality: Municipality = strawberry.field(description="The municipality")
    need: Need = strawberry.field(description="The need served several times")
    offers: list[Service] = strawberry.field(description="The offers that serve it")
    providers: list[Organisation] = strawberry.field(description="Their providers")
    sharedProgrammes: list[Programme] = strawberry.field(
        description="Programmes funding all of them: parallel posts of one programme may be intended"
    )


def gap_of(catalogue: Catalogue, gap: rules.Gap, day: dt.date, language: Language = "en") -> CoverageGap:
    municipality = catalogue.geography.municipalities[gap.municipality]
    need = catalogue.needs.get(gap.need) if gap.need else None
    programme = catalogue.programmes.get(gap.programme) if gap.programme else None
    # Written from their nodes (entity_of): a state's gap report names hundreds.
    return CoverageGap(
        municipality=entity_of(municipality, day),
        population=gap.population,
        populationBasis=PopulationBasis.WHOLE_MUNICIPALITY,
        need=entity_of(need, day) if need else None,
        programme=entity_of(programme, day) if programme else None,
        condition=condition_of(gap.condition, language),
    )


def responsibility(catalogue: Catalogue, found: rules.Responsibility, day: dt.date) -> Responsibility:
    return Responsibility(
        legalDomain=entity(catalogue.legal_domains[found.legal_domain], day),
        level=Level(found.level),
        offers=_offers(found.offers, day),
        organisations=nodes_of(catalogue, found.organisations, day),
    )


def _keys(ids: list[strawberry.ID] | None) -> list[str] | None:
    return None if ids is None else [to_key(i) for i in ids]


def _frozen(ids: list[str] | None) -> tuple[str, ...] | None:
    return None if ids is None else tuple(sorted(set(ids)))


def _catalogues(cached: Reads, target: TargetGroupInput | None, *days: dt.date) -> list[Catalogue]:
    """The offers with the relationships that hold on each of ``days``, for ``target`` if given, from one generation."""
    found = [cached.catalogue(day) for day in days]
    return [for_target_group(c, target.target()) for c in found] if target is not None else found


# The arguments several coverage questions take, declared once.
MunicipalityArg = Annotated[strawberry.ID, strawberry.argument(description="The municipality (key or id)")]
OffersOnArg = Annotated[dt.date | None, strawberry.argument(description="Offers valid on this day (default today)")]
NeedsArg = Annotated[list[strawberry.ID] | None, strawberry.argument(description="Only these needs (keys or ids; default all)")]
MunicipalitiesArg = Annotated[
    list[strawberry.ID] | None, strawberry.argument(description="Only these municipalities (keys or ids; default all)")
]
TargetArg = Annotated[
    TargetGroupInput | None, strawberry.argument(description="Only offers for these people, and only needs they can have")
]


@strawberry.type
class CoverQuery:
    @strawberry.field(description="Each need in a municipality: the closest level with an offer (null: a gap), and the offers")
    async def coverage(
        self,
        info: strawberry.Info[Context, None],
        municipality: MunicipalityArg,
        asOf: OffersOnArg = None,
        target: TargetArg = None,
    ) -> list[NeedCoverage]:
        day = asOf or info.context.today
        cached = await info.context.read_cache.reads()
        language = info.context.language

        def answer() -> list[NeedCoverage]:
            [catalogue] = _catalogues(cached, target, day)
            key = _municipality(catalogue, municipality)
            found = rules.coverage(key, catalogue, day)
            areas = catalogue.geography.areas_of(key)
            return [
                NeedCoverage(
                    need=entity(catalogue.needs[c.need], day),
                    level=level_of(c.level),
                    offers=[
                        CoveringOffer(
                            offer=entity(o.node, day),
                            level=Level(lv),
                            illustrative=o.illustrative or closest_area(o, areas) in o.illustrative_areas,
                        )
                        for o, lv in c.offers
                    ],
                    applicability=applicability_of(c.applicability, language),
                )
                for c in found
            ]

        return await offload(info.context, answer)

    @strawberry.field(description="Who is responsible in a municipality, per legal domain (e.g. which youth office)")
    async def responsibilities(
        self,
        info: strawberry.Info[Context, None],
        municipality: MunicipalityArg,
        asOf: OffersOnArg = None,
    ) -> list[Responsibility]:
        day = asOf or info.context.today
        cached = await info.context.read_cache.reads()

        def answer() -> list[Responsibility]:
            catalogue = cached.catalogue(day)
            return [
                responsibility(catalogue, r, day)
                for r in rules.responsibilities(_municipality(catalogue, municipality), catalogue, day)
            ]

        return await offload(info.context, answer)

    @strawberry.field(
        description="(Municipality, need) pairs without an offer, largest population first; with `programme`, "
        "(municipality, programme part) pairs without an offer funded by the part"
    )
    async def coverageGaps(
        self,
        info: strawberry.Info[Context, None],
        asOf: OffersOnArg = None,
        needs: NeedsArg = None,
        municipalities: MunicipalitiesArg = None,
        programme: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Gaps in the parts of this programme instead of in needs (key or id)"),
        ] = None,
        target: TargetArg = None,
    ) -> list[CoverageGap]:
        day = asOf or info.context.today
        if programme is not None and needs is not None:
            raise ArgumentError("give either needs or programme, not both")
        cached = await info.context.read_cache.reads()
        language = info.context.language
        whole = programme is None and target is None and needs is None and municipalities is None
        state = ("coverageGaps", day, language)  # the key of the whole state's report (Reads.shared)
        if whole and (made := cached.answered(state)) is not None:
            return cast("list[CoverageGap]", made)  # made by a request before, for this generation

        def answer() -> list[CoverageGap]:
            [catalogue] = _catalogues(cached, target, day)
            if programme is not None:
                gaps = rules.programme_gaps(catalogue, to_key(programme), day, _keys(municipalities))
            elif whole:
                # The whole state's, shared by the requests of this generation: each gap written once per selection.
                return cached.shared(state, lambda: [shared(gap_of(catalogue, g, day, language)) for g in cached.gaps(day)])
            else:
                gaps = rules.coverage_gaps(catalogue, day, _keys(needs), _keys(municipalities))
            return [gap_of(catalogue, g, day, language) for g in gaps]

        return await offload(info.context, answer)

    @strawberry.field(
        description="Gaps that open or close between two days, needs that move to another level, offers that end or start"
    )
    async def coverageChanges(
        self,
        info: strawberry.Info[Context, None],
        from_: Annotated[dt.date, strawberry.argument(name="from", description="The first day")],
        to: Annotated[dt.date, strawberry.argument(description="The second day")],
        needs: NeedsArg = None,
        municipalities: MunicipalitiesArg = None,
        programme: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Changes in the parts of this programme instead of in needs (key or id)"),
        ] = None,
        target: TargetArg = None,
    ) -> CoverageChanges:
        if programme is not None and needs is not None:
            raise ArgumentError("give either needs or programme, not both")
        cached = await info.context.read_cache.reads()
        language = info.context.language

        def changes() -> rules.Changes:
            catalogue, later = _catalogues(cached, target, from_, to)
            return rules.coverage_changes(
                catalogue,
                from_,
                to,
                _keys(needs),
                _keys(municipalities),
                to_key(programme) if programme is not None else None,
                later=later,
            )

        def answer() -> CoverageChanges:
            catalogue = cached.catalogue(from_)
            whole = target is None and needs is None and municipalities is None and programme is None
            found = cached.shared(("coverageChanges", from_, to), changes) if whole else changes()
            return CoverageChanges(
                opened=[gap_of(catalogue, g, to, language) for g in found.opened],
                closed=[gap_of(catalogue, g, from_, language) for g in found.closed],
                moved=[
                    LevelChange(
                        municipality=entity(catalogue.geography.municipalities[c.municipality], to),
                        population=c.population,
                        need=entity(catalogue.needs[c.need], to),
                        before=Level(c.before),
                        after=Level(c.after),
                    )
                    for c in found.moved
                ],
                ended=_offers(found.ended, from_),
                started=_offers(found.started, to),
            )

        return await offload(info.context, answer)

    @strawberry.field(
        description="The same need, place and kind of person served by several unrelated providers (duplicate "
        "structures), largest population first; at most `first` of them"
    )
    async def duplicates(
        self,
        info: strawberry.Info[Context, None],
        asOf: OffersOnArg = None,
        needs: NeedsArg = None,
        municipalities: Annotated[
            list[strawberry.ID] | None,
            strawberry.argument(
                description="Only these municipalities (keys or ids; default all; give some for a state-sized network)"
            ),
        ] = None,
        first: Annotated[
            int,
            strawberry.argument(description=f"At most this many structures, largest population first (0 to {MAX_DUPLICATES})"),
        ] = MAX_DUPLICATES,
    ) -> list[DuplicateStructure]:
        if not 0 <= first <= MAX_DUPLICATES:
            raise ArgumentError(f"first must be between 0 and {MAX_DUPLICATES}, not {first}")
        day = asOf or info.context.today
        cached = await info.context.read_cache.reads()

        def answer() -> list[DuplicateStructure]:
            catalogue = cached.catalogue(day)
            places, wanted = _keys(municipalities), _keys(needs)
            key = ("duplicates", day, _frozen(places), _frozen(wanted), first)
            found = cached.shared(key, lambda: find_duplicates(catalogue, day, places, wanted, first=first))
            return [
                DuplicateStructure(
                    municipality=entity(catalogue.geography.municipalities[d.municipality], day),
                    need=entity(catalogue.needs[d.need], day),
                    offers=_offers(d.offers, day),
                    providers=nodes_of(catalogue, d.providers, day),
                    sharedProgrammes=nodes_of(catalogue, d.shared_programmes, day),
                )
                for d in found
            ]

        return await offload(info.context, answer)


def _municipality(catalogue: Catalogue, value: str) -> str:
    key = to_key(value)
    if key not in catalogue.geography.municipalities:
        raise NotFoundError(f"no municipality has the id {key}")
    return key
