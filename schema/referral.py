"""Referral: the right offers, responsibilities, case managers and a case conference for one case.

The case (municipality, age, residence status, needs, languages) is used for
this request only: it is not stored, and it appears in no log line and no
error message. The rules are ``graph.rules.referral``'s; this module takes from the
store's read cache (``graph.read.readcache``) the county's catalogue (the statutory
offers and those for the case's needs), the covering case-manager posts and the
county's cooperation network, and turns the answer into GraphQL objects.

What holds for everyone asking in one place (the entities, the reasons of the
place and the day, the offers excluded there for everyone) is made into GraphQL
objects once and written once per selection (``schema.referral_world``, ``written.shared``):
a referral makes and writes only what its person changes.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from kimnet.graph.model.errors import ArgumentError, BadIdError, NotFoundError
from kimnet.graph.model.kinds import Node
from kimnet.graph.read.reads import ReferralWorld
from kimnet.graph.rules.referral import Case, Exclusion, Referral, refer
from kimnet.graph.rules.referral import Reason as Reason_
from kimnet.graph.rules.referral import Responsibility as Responsibility_
from kimnet.schema.availability import Level, ResidenceStatus, level_of, node_of
from kimnet.schema.coverage import Responsibility, responsibility
from kimnet.schema.entities import TYPES, entity_of
from kimnet.schema.ids import to_key
from kimnet.schema.referral_world import in_world
from kimnet.schema.wording import Language, reason_message
from kimnet.schema.written import shared

if TYPE_CHECKING:
    from kimnet.schema.context import Context

__all__ = ["CaseInput", "ReferQuery"]

Service = TYPES["Service"]
Organisation = TYPES["Organisation"]
Need = TYPES["Need"]
LegalDomain = TYPES["LegalDomain"]
CaseManager = TYPES["CaseManager"]


@strawberry.input(description="A case, for one referral: used for the answer only, never stored or logged")
class CaseInput:
    municipality: strawberry.ID = strawberry.field(description="Where the person lives (key or id)")
    age: int | None = strawberry.field(
        default=None,
        description="The person's age in years (0 to 130); without it, offers with age limits are eligible only if the age fits",
    )
    residenceStatus: ResidenceStatus | None = strawberry.field(
        default=None,
        description="The person's residence status; without it, offers limited to some statuses are eligible only if it is one of them",
    )
    needs: list[strawberry.ID] = strawberry.field(default_factory=list, description="Needs (keys or ids), e.g. need:ausbildung")
    languages: list[str] = strawberry.field(default_factory=list, description="Languages the person speaks (ISO 639-1)")
    asOf: dt.date | None = strawberry.field(default=None, description="The day of the referral; default today")


@strawberry.enum(description="Why an offer does not fit a case")
class ExclusionKind(enum.Enum):
    AGE = strawberry.enum_value("age", description="The person's age is outside the offer's ages")
    RESIDENCE_STATUS = strawberry.enum_value("residence_status", description="The offer does not admit the residence status")
    AREA = strawberry.enum_value("area", description="The offer does not reach the person's municipality")
    VALIDITY = strawberry.enum_value("validity", description="The offer is not valid on the day")


@strawberry.enum(description="What a reason says; its other fields give the values it refers to")
class ReasonCode(enum.Enum):
    AVAILABLE = strawberry.enum_value("available", description="Available in `areaName` at `level`")
    NOT_AVAILABLE = strawberry.enum_value("not_available", description="Not available in the municipality `areaName`")
    AGE_WITHIN = strawberry.enum_value("age_within", description="`age` lies within `minAge`..`maxAge`")
    AGE_BELOW = strawberry.enum_value("age_below", description="`age` is below `minAge`")
    AGE_ABOVE = strawberry.enum_value("age_above", description="`age` is above `maxAge`")
    AGE_UNKNOWN = strawberry.enum_value(
        "age_unknown", description="The case gives no age: eligible only if it lies within `minAge`..`maxAge`"
    )
    STATUS_ELIGIBLE = strawberry.enum_value("status_eligible", description="`residenceStatus` is among `residenceStatuses`")
    STATUS_NOT_ELIGIBLE = strawberry.enum_value(
        "status_not_eligible", description="`residenceStatus` is not among `residenceStatuses`"
    )
    STATUS_UNKNOWN = strawberry.enum_value(
        "status_unknown", description="The case gives no residence status: eligible only with one of `residenceStatuses`"
    )
    LANGUAGES = strawberry.enum_value("languages", description="Offered in `languages`, which the person speaks")
    NOT_VALID = strawberry.enum_value("not_valid", description="Not valid on `date`; valid `validFrom`..`validTo`")


@strawberry.type(description="Why an offer fits a case or does not: a code, the values it refers to, and a message")
class Reason:
    code: ReasonCode = strawberry.field(description="What the reason says; the other fields give the values it refers to")
    message: str = strawberry.field(description="The reason in words, in the language of `Accept-Language` (de or en)")
    conditional: bool = strawberry.field(
        description="True when it rests on something the case did not give (age, status): the offer fits only if it holds"
    )
    illustrative: bool = strawberry.field(
        description="True when it rests on a plausible fill-in of the data (an offer's limits, the region it serves)"
    )
    area: strawberry.ID | None = strawberry.field(description="Key of the municipality or region the reason names")
    areaName: str | None = strawberry.field(description="Name of that municipality or region")
    level: Level | None = strawberry.field(description="How close the area is to the case's municipality")
    age: int | None = strawberry.field(description="The case's age")
    minAge: int | None = strawberry.field(description="The offer's youngest eligible age")
    maxAge: int | None = strawberry.field(description="The offer's oldest eligible age")
    residenceStatus: ResidenceStatus | None = strawberry.field(description="The case's residence status")
    residenceStatuses: list[ResidenceStatus] = strawberry.field(description="The residence statuses the offer admits")
    date: dt.date | None = strawberry.field(description="The day of the referral")
    validFrom: dt.date | None = strawberry.field(description="The offer's first valid day")
    validTo: dt.date | None = strawberry.field(description="The offer's last valid day")
    languages: list[str] = strawberry.field(description="Languages of the offer that the person speaks (ISO 639-1)")


@strawberry.type(description="One reason an offer does not fit")
class ExclusionReason(Reason):
    kind: ExclusionKind = strawberry.field(description="Which rule the offer breaks")


#: How each field of ``Reason`` is made of the rules' reason, in the request's language.
_REASON_FIELDS: dict[str, Callable[[Reason_, Language], Any]] = {
    "code": lambda r, _: ReasonCode(r.code),
    "message": reason_message,
    "conditional": lambda r, _: r.conditional,
    "illustrative": lambda r, _: r.illustrative,
    "area": lambda r, _: r.area,
    "areaName": lambda r, _: r.area_name,
    "level": lambda r, _: level_of(r.level),
    "age": lambda r, _: r.age,
    "minAge": lambda r, _: r.min_age,
    "maxAge": lambda r, _: r.max_age,
    "residenceStatus": lambda r, _: ResidenceStatus(r.status) if r.status is not None else None,
    "residenceStatuses": lambda r, _: [ResidenceStatus(s) for s in r.statuses],
    "date": lambda r, _: r.day,
    "validFrom": lambda r, _: r.valid_from,
    "validTo": lambda r, _: r.valid_to,
    "languages": lambda r, _: list(r.languages),
}


class _Worded:
    """A reason of the rules as a GraphQL ``Reason``, each field made when it is first read (see ``_Field``).

    A referral has hundreds of reasons, and a query mostly asks for one or two of
    their sixteen fields (``code``; ``kind message``): making and wording every
    field of each took a third of the referral's answer. The plan's writer and
    graphql-core read the fields as attributes alike.
    """

    def __init__(self, reason: Reason_, language: Language) -> None:
        self._reason = reason
        self._language = language


class _Field:
    """A field of ``_Worded``: made of the rules' reason when first read, then kept in the object's attributes.

    Kept, because one reason (the rules share them) is written for every offer it
    holds for. Not a property: an attribute of the object is found before this.
    """

    def __init__(self, name: str, make: Callable[[Reason_, Language], Any]) -> None:
        self._name, self._make = name, make

    def __get__(self, worded: _Worded | None, owner: type | None = None) -> Any:
        if worded is None:
            return self
        made = worded.__dict__[self._name] = self._make(worded._reason, worded._language)
        return made


for _name, _make in _REASON_FIELDS.items():
    setattr(_Worded, _name, _Field(_name, _make))


class _WordedReason(_Worded, Reason):
    """A ``Reason`` made of a rules' reason (see ``_Worded``); the dataclass's own fields stay unset."""


class _WordedExclusionReason(_Worded, ExclusionReason):
    """An ``ExclusionReason`` made of a rules' reason (see ``_Worded``)."""

    kind = _Field("kind", lambda r, _: ExclusionKind(r.kind or ""))


@strawberry.type(description="An offer the person is eligible for")
class OfferMatch:
    offer: Service = strawberry.field(description="The offer")
    organisations: list[Organisation] = strawberry.field(description="Who provides it")
    legalDomains: list[LegalDomain] = strawberry.field(description="The legal domains it falls under")
    level: Level = strawberry.field(description="How close it is to the person's municipality")
    languageMatch: bool = strawberry.field(description="True when it is given in a language the person speaks")
    reasons: list[Reason] = strawberry.field(description="Why it matched")
    conditional: bool = strawberry.field(
        description="True when the person is eligible only if what the case did not give fits (see the conditional reasons)"
    )
    illustrative: bool = strawberry.field(description="True when some reason rests on a plausible fill-in of the data")


@strawberry.type(description="The eligible offers for one need, best first")
class NeedReferral:
    need: Need = strawberry.field(description="The need")
    offers: list[OfferMatch] = strawberry.field(description="The offers the person is eligible for, best first")


@strawberry.type(description="An offer for one of the needs that does not fit, with every reason")
class ExcludedOffer:
    offer: Service = strawberry.field(description="The offer")
    need: Need = strawberry.field(description="The need it addresses")
    reasons: list[ExclusionReason] = strawberry.field(description="Every reason it does not fit")
    illustrative: bool = strawberry.field(description="True when some reason rests on a plausible fill-in of the data")


@strawberry.type(description="A case-manager post responsible for the municipality")
class CaseManagerAssignment:
    post: CaseManager = strawberry.field(description="The case-manager post")
    employer: Organisation | None = strawberry.field(description="The organisation that employs the post")
    supervisor: Organisation | None = strawberry.field(description="The organisation that supervises it")


@strawberry.type(description="An organisation proposed for the case conference, and what it brings")
class ConferenceMember:
    organisation: Organisation = strawberry.field(description="The organisation")
    needs: list[Need] = strawberry.field(description="The case's needs it covers")
    legalDomains: list[LegalDomain] = strawberry.field(description="The legal domains it covers")
    cooperationPath: list[Organisation] | None = strawberry.field(
        description="How it is tied to the case manager's organisation (cooperation or shared working groups); null: no tie"
    )


@strawberry.type(description="The smallest set of organisations that covers every need and legal domain involved")
class Conference:
    anchor: Organisation | None = strawberry.field(description="The case manager's organisation")
    members: list[ConferenceMember] = strawberry.field(description="The organisations to invite")
    uncoveredNeeds: list[Need] = strawberry.field(description="Needs no organisation covers")
    uncoveredLegalDomains: list[LegalDomain] = strawberry.field(description="Legal domains no organisation covers")


@strawberry.type(description="The answer to a referral")
class ReferralResult:
    asOf: dt.date = strawberry.field(description="The day of the referral")
    needs: list[NeedReferral] = strawberry.field(description="Per need of the case, the eligible offers, best first")
    excluded: list[ExcludedOffer] = strawberry.field(
        description="The offers for the case's needs that do not fit, with every reason"
    )
    responsibilities: list[Responsibility] = strawberry.field(
        description="The statutory responsibility per legal domain in the municipality"
    )
    caseManagers: list[CaseManagerAssignment] = strawberry.field(description="The case-manager posts that cover the municipality")
    conference: Conference = strawberry.field(description="A proposal for a case conference")


class _Objects:
    """The objects of one answer, one per node and per reason: a referral names its needs, domains and providers
    hundreds of times, and most exclusions share their reasons (``graph.rules.referral``). What holds for everyone
    in the world is taken from it (``referral_world.World``), and added to it when first made.
    """

    def __init__(self, world: ReferralWorld, language: Language) -> None:
        self._catalogue, self._network, self._day = world.catalogue, world.organisations, world.place.day
        self._language = language
        self._world = in_world(world, language)
        self._made = self._world.entities  # of the world's nodes: the same for every answer in it
        self._worded: dict[tuple[type, int], tuple[Reason_, Any]] = {}

    def of(self, node: Node) -> Any:
        made = self._made.get(node.id)
        if made is None or made._node is not node:
            made = self._made[node.id] = shared(entity_of(node, self._day))  # written from its node, once per writer
        return made

    def known(self, ids: Iterable[str]) -> list[Any]:
        """Those of ``ids`` that the catalogue knows (``nodes_of``)."""
        return [self.of(node) for i in ids if (node := node_of(self._catalogue, i)) is not None]

    def organisations(self, ids: Sequence[str]) -> list[Any]:
        """Those of ``ids`` in the county's network; if none is, those the catalogue knows."""
        network = self._network
        return [self.of(network[i]) for i in ids if i in network] or self.known(ids)

    def reasons(self, worded: type[_Worded], reasons: Iterable[Reason_]) -> list[Any]:
        """``reasons`` as ``worded`` objects (``_WordedReason`` or ``_WordedExclusionReason``)."""
        made, kept, owned = self._worded, self._world.worded, self._world.reasons
        found = []
        for reason in reasons:
            # The rules' objects live as long as the answer is made, the world's as long as it is kept: their
            # ids are not reused meanwhile.
            key = (worded, id(reason))
            pair = kept.get(key) or made.get(key)
            if pair is None:
                # Written once either way: the person's own reason (their age or status) excludes dozens of
                # offers; only the world's are kept beyond the answer.
                pair = (reason, shared(worded(reason, self._language)))
                (kept if id(reason) in owned else made)[key] = pair
            found.append(pair[1])
        return found

    def responsibilities(self, found: Sequence[Responsibility_]) -> list[Responsibility]:
        """The answer's responsibilities: the world's when the rules gave its place's (as ``refer`` does)."""
        world = self._world
        if found is world.place.responsibilities:
            return world.responsibilities
        return [responsibility(self._catalogue, r, self._day) for r in found]

    def excluded(self, exclusion: Exclusion) -> ExcludedOffer:
        kept = self._world.excluded
        found = kept.get(id(exclusion))
        if found is None:
            found = ExcludedOffer(
                offer=self.of(exclusion.offer.node),
                need=self.of(self._catalogue.needs[exclusion.need]),
                reasons=self.reasons(_WordedExclusionReason, exclusion.reasons),
                illustrative=exclusion.illustrative,
            )
            if id(exclusion) in self._world.exclusions:
                kept[id(exclusion)] = shared(found)
        return found


def _result(found: Referral, world: ReferralWorld, language: Language) -> ReferralResult:
    catalogue, day = world.catalogue, world.place.day
    made = _Objects(world, language)
    orgs, known = made.organisations, made.known
    conference = found.conference
    members = [
        ConferenceMember(
            organisation=orgs([org])[0],
            needs=known([c for c in conference.covers.get(org, ()) if c in catalogue.needs]),
            legalDomains=known([c for c in conference.covers.get(org, ()) if c in catalogue.legal_domains]),
            cooperationPath=orgs(conference.paths[org]) if org in conference.paths else None,
        )
        for org in conference.organisations
    ]
    return ReferralResult(
        asOf=day,
        needs=[
            NeedReferral(
                need=made.of(catalogue.needs[need]),
                offers=[
                    OfferMatch(
                        offer=made.of(m.offer.node),
                        organisations=orgs(m.offer.providers),
                        legalDomains=known(m.offer.legal_domains),
                        level=Level(m.level),
                        languageMatch=m.language_match,
                        reasons=made.reasons(_WordedReason, m.reasons),
                        conditional=m.conditional,
                        illustrative=m.illustrative,
                    )
                    for m in matches
                ],
            )
            for need, matches in found.per_need.items()
        ],
        excluded=[made.excluded(e) for e in found.excluded],
        responsibilities=made.responsibilities(found.responsibilities),
        caseManagers=[
            CaseManagerAssignment(
                post=made.of(p.node),
                employer=orgs([p.employer])[0] if p.employer else None,
                supervisor=orgs([p.supervisor])[0] if p.supervisor else None,
            )
            for p in found.case_managers
        ],
        conference=Conference(
            anchor=orgs([conference.anchor])[0] if conference.anchor else None,
            members=members,
            uncoveredNeeds=known([u for u in conference.uncovered if u in catalogue.needs]),
            uncoveredLegalDomains=known([u for u in conference.uncovered if u in catalogue.legal_domains]),
        ),
    )


@strawberry.type
class ReferQuery:
    @strawberry.field(
        description="Refer a case across legal domains: eligible and excluded offers, responsibilities, case managers, a conference"
    )
    async def referral(
        self,
        info: strawberry.Info[Context, None],
        case: Annotated[
            CaseInput, strawberry.argument(description="The case: used for this answer only, never stored or logged")
        ],
    ) -> ReferralResult:
        # Messages name the field at fault, never the value: the case must not leak into errors or logs.
        day = case.asOf or info.context.today
        if case.age is not None and not 0 <= case.age <= 130:
            raise ArgumentError("case.age must be between 0 and 130")
        try:
            municipality = to_key(case.municipality)
            needs = tuple(dict.fromkeys(to_key(n) for n in case.needs))
        except BadIdError:
            raise ArgumentError("case.municipality and case.needs take keys (mun:…, need:…) or global ids") from None
        cached = await info.context.read_cache.reads()
        try:
            world = cached.referral_world(municipality, day, needs)
        except NotFoundError:
            raise ArgumentError("case.municipality is not a municipality; the query `municipalities` lists them") from None
        catalogue, network = world.catalogue, world.network
        if any(n not in catalogue.needs for n in needs):
            raise ArgumentError("case.needs holds an unknown need; the query `needs` lists them")
        found = refer(
            Case(
                municipality,
                day,
                age=case.age,
                residence_status=case.residenceStatus.value if case.residenceStatus is not None else None,
                needs=needs,
                languages=tuple(case.languages),
            ),
            catalogue,
            world.posts,
            network,
            functools.partial(cached.paths, network),
            world.place,
        )
        return _result(found, world, info.context.language)
