"""Referral: the right offers, responsibilities, case managers and a case conference for one case.

The case (municipality, age, residence status, needs, languages) is used for
this request only: it is not stored, and it appears in no log line and no
error message. The rules are ``graph.referral``'s; this module takes from the
store's read cache (``graph.readcache``) the county's catalogue (the statutory
offers and those for the case's needs), the covering case-manager posts and the
county's cooperation network, and turns the answer into GraphQL objects.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

import strawberry

from kimnet.graph.errors import ArgumentError, NotFoundError
from kimnet.graph.readcache import reads
from kimnet.graph.referral import Case, Referral, refer
from kimnet.schema.cover import Level, ResidenceStatus, Responsibility, nodes_of, responsibility
from kimnet.schema.entities import TYPES, entity
from kimnet.schema.ids import BadIdError, to_key

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
    age: int | None = None
    residenceStatus: ResidenceStatus | None = None
    needs: list[strawberry.ID] = strawberry.field(default_factory=list, description="Needs (keys or ids), e.g. need:ausbildung")
    languages: list[str] = strawberry.field(default_factory=list, description="Languages the person speaks (ISO 639-1)")
    asOf: dt.date | None = strawberry.field(default=None, description="The day of the referral; default today")


@strawberry.enum(description="Why an offer does not fit a case")
class ExclusionKind(enum.Enum):
    AGE = "age"
    RESIDENCE_STATUS = "residence_status"
    AREA = "area"
    VALIDITY = "validity"


@strawberry.type(description="An offer the person is eligible for")
class OfferMatch:
    offer: Service
    organisations: list[Organisation]
    legalDomains: list[LegalDomain]
    level: Level
    languageMatch: bool
    reasons: list[str] = strawberry.field(description="Why it matched")


@strawberry.type(description="The eligible offers for one need, best first")
class NeedReferral:
    need: Need
    offers: list[OfferMatch]


@strawberry.type(description="One reason an offer does not fit")
class ExclusionReason:
    kind: ExclusionKind
    message: str


@strawberry.type(description="An offer for one of the needs that does not fit, with every reason")
class ExcludedOffer:
    offer: Service
    need: Need
    reasons: list[ExclusionReason]


@strawberry.type(description="A case-manager post responsible for the municipality")
class CaseManagerAssignment:
    post: CaseManager
    employer: Organisation | None
    supervisor: Organisation | None


@strawberry.type(description="An organisation proposed for the case conference, and what it brings")
class ConferenceMember:
    organisation: Organisation
    needs: list[Need]
    legalDomains: list[LegalDomain]
    cooperationPath: list[Organisation] | None = strawberry.field(
        description="How it is tied to the case manager's organisation (cooperation or shared working groups); null: no tie"
    )


@strawberry.type(description="The smallest set of organisations that covers every need and legal domain involved")
class Conference:
    anchor: Organisation | None = strawberry.field(description="The case manager's organisation")
    members: list[ConferenceMember]
    uncoveredNeeds: list[Need]
    uncoveredLegalDomains: list[LegalDomain]


@strawberry.type(description="The answer to a referral")
class ReferralResult:
    asOf: dt.date
    needs: list[NeedReferral]
    excluded: list[ExcludedOffer]
    responsibilities: list[Responsibility]
    caseManagers: list[CaseManagerAssignment]
    conference: Conference


def _result(found: Referral, catalogue: Any, network_orgs: dict[str, Any], day: dt.date) -> ReferralResult:
    def orgs(ids: Any) -> list[Any]:
        return [entity(network_orgs[i], day) for i in ids if i in network_orgs] or nodes_of(catalogue, ids, day)

    conference = found.conference
    members = [
        ConferenceMember(
            organisation=orgs([org])[0],
            needs=nodes_of(catalogue, [c for c in conference.covers.get(org, ()) if c in catalogue.needs], day),
            legalDomains=nodes_of(catalogue, [c for c in conference.covers.get(org, ()) if c in catalogue.legal_domains], day),
            cooperationPath=orgs(conference.paths[org]) if org in conference.paths else None,
        )
        for org in conference.organisations
    ]
    return ReferralResult(
        asOf=day,
        needs=[
            NeedReferral(
                need=entity(catalogue.needs[need], day),
                offers=[
                    OfferMatch(
                        offer=entity(m.offer.node, day),
                        organisations=orgs(m.offer.providers),
                        legalDomains=nodes_of(catalogue, m.offer.legal_domains, day),
                        level=Level(m.level),
                        languageMatch=m.language_match,
                        reasons=list(m.reasons),
                    )
                    for m in matches
                ],
            )
            for need, matches in found.per_need.items()
        ],
        excluded=[
            ExcludedOffer(
                offer=entity(e.offer.node, day),
                need=entity(catalogue.needs[e.need], day),
                reasons=[ExclusionReason(kind=ExclusionKind(r.kind), message=r.message) for r in e.reasons],
            )
            for e in found.excluded
        ],
        responsibilities=[responsibility(catalogue, r, day) for r in found.responsibilities],
        caseManagers=[
            CaseManagerAssignment(
                post=entity(p.node, day),
                employer=orgs([p.employer])[0] if p.employer else None,
                supervisor=orgs([p.supervisor])[0] if p.supervisor else None,
            )
            for p in found.case_managers
        ],
        conference=Conference(
            anchor=orgs([conference.anchor])[0] if conference.anchor else None,
            members=members,
            uncoveredNeeds=nodes_of(catalogue, [u for u in conference.uncovered if u in catalogue.needs], day),
            uncoveredLegalDomains=nodes_of(catalogue, [u for u in conference.uncovered if u in catalogue.legal_domains], day),
        ),
    )


@strawberry.type
class ReferQuery:
    @strawberry.field(
        description="Refer a case across legal domains: eligible and excluded offers, responsibilities, case managers, a conference"
    )
    async def referral(self, info: strawberry.Info[Context, None], case: CaseInput) -> ReferralResult:
        # Messages name the field at fault, never the value: the case must not leak into errors or logs.
        day = case.asOf or info.context.today
        if case.age is not None and not 0 <= case.age <= 130:
            raise ArgumentError("case.age must be between 0 and 130")
        try:
            municipality = to_key(case.municipality)
            needs = tuple(dict.fromkeys(to_key(n) for n in case.needs))
        except BadIdError:
            raise ArgumentError("case.municipality and case.needs take keys (mun:…, need:…) or global ids") from None
        cached = await reads(info.context.store)
        try:
            catalogue = cached.county_catalogue(municipality, day, for_needs=needs)
        except NotFoundError:
            raise ArgumentError("case.municipality is not a municipality; the query `municipalities` lists them") from None
        if any(n not in catalogue.needs for n in needs):
            raise ArgumentError("case.needs holds an unknown need; the query `needs` lists them")
        posts = cached.case_managers(municipality, day)
        employers = [p.employer for p in posts if p.employer is not None]
        organisations, network = cached.county_network(catalogue, municipality, day, employers)
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
            posts,
            network,
        )
        return _result(found, catalogue, organisations, day)
