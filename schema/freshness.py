"""Freshness in the API: when an entry was last confirmed, and by whom; what nobody has confirmed.

Offers (Service) and organisations have ``verifiedAt``, ``verifiedBy`` (a role
and an organisation, never a person), ``verificationMethod`` and
``lastModified`` (``schema.freshness_fields``). ``verify(id:)`` confirms an entry
unchanged (a partner their own organisations', a coordinator any in their
region) and touches nothing else: no version, no generation.
``staleEntries(olderThanMonths:, organisation:)`` lists what nobody has
confirmed for so long, with the organisations to ask and the places.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from kimnet.graph.model.changes import UpdateNode
from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.errors import ArgumentError, BadIdError, ForbiddenError
from kimnet.graph.model.freshness import FRESH_KINDS, stale_entries, verification
from kimnet.graph.model.sidewrite import SideWrite
from kimnet.graph.read.scope_facts import read_facts
from kimnet.graph.rules.scope import region_refusals
from kimnet.schema.access import Role
from kimnet.schema.changes import UserError, UserErrorCode
from kimnet.schema.freshness_fields import VerificationMethod, VerifiedBy, verified_by
from kimnet.schema.ids import to_key
from kimnet.schema.loaders import Loaders

if TYPE_CHECKING:
    from kimnet.schema.context import Context

__all__ = ["FreshnessMutation", "FreshnessQuery"]


@strawberry.type(description="An entry nobody has confirmed for the given time: whom to ask, and where it applies")
class StaleEntry:
    key: str = strawberry.field(description="The entry's key")
    kind: str = strawberry.field(description="Its entity type: Service or Organisation")
    name: str = strawberry.field(description="Its name (the key if it has none)")
    organisations: list[str] = strawberry.field(description="The organisation itself, or the offer's providers: whom to ask")
    places: list[str] = strawberry.field(description="Where the offer is available, or the organisation located")
    verifiedAt: dt.datetime | None = strawberry.field(description="When it was last confirmed (null: never)")
    verifiedBy: VerifiedBy | None = strawberry.field(description="Who last confirmed it (null: nobody)")
    verificationMethod: VerificationMethod = strawberry.field(
        description="How it was last confirmed (IMPORTED: not since it came in)"
    )
    lastModified: dt.datetime | None = strawberry.field(
        description="When it last changed through kimnet (a change is not a confirmation)"
    )


@strawberry.type
class FreshnessQuery:
    @strawberry.field(description="Offers and organisations nobody has confirmed for olderThanMonths, by organisation")
    async def staleEntries(
        self,
        info: strawberry.Info[Context, None],
        olderThanMonths: Annotated[
            int,
            strawberry.argument(
                description="List what nobody has confirmed within this many months before today (0 to 1200; default 12)"
            ),
        ] = 12,
        organisation: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only this organisation and its offers (key or global id); default: all"),
        ] = None,
    ) -> list[StaleEntry]:
        if not 0 <= olderThanMonths <= 1200:
            raise ArgumentError(f"olderThanMonths must be between 0 and 1200, not {olderThanMonths}")
        try:
            org = to_key(organisation) if organisation is not None else None
        except BadIdError as exc:
            raise ArgumentError(f"organisation: {exc}") from None
        context = info.context
        store, today = context.store, context.today
        services = await store.nodes_of_kind("Service", today)
        organisations = await store.nodes_of_kind("Organisation", today)
        owners: dict[str, list[str]] = {o.id: [o.id] for o in organisations}
        for edge in await store.edges("PROVIDES", today):
            owners.setdefault(edge.target, []).append(edge.source)
        places: dict[str, list[str]] = {}
        for rel in ("AVAILABLE_IN", "LOCATED_IN"):
            for edge in await store.edges(rel, today):
                places.setdefault(edge.source, []).append(edge.target)
        entries = [(n.id, n.kind, str(n.props.get("name", n.id))) for n in (*organisations, *services)]
        rows = stale_entries(entries, owners, places, await store.freshness(), today, olderThanMonths, org)
        return [
            StaleEntry(
                key=r.key,
                kind=r.kind,
                name=r.name,
                organisations=list(r.organisations),
                places=list(r.places),
                verifiedAt=r.freshness.verified_at,
                verifiedBy=verified_by(r.freshness),
                verificationMethod=VerificationMethod(r.freshness.method),
                lastModified=r.freshness.modified_at,
            )
            for r in rows
        ]


@strawberry.type(description="What a verification did: when and by whom the entry is confirmed now, or the errors")
class VerifyPayload:
    key: str | None = strawberry.field(description="The key of the confirmed entry; null when there are errors")
    verifiedAt: dt.datetime | None = strawberry.field(description="When it is confirmed now; null when there are errors")
    verifiedBy: VerifiedBy | None = strawberry.field(description="Who confirmed it; null when there are errors")
    verificationMethod: VerificationMethod | None = strawberry.field(
        description="How it was confirmed; null when there are errors"
    )
    errors: list[UserError] = strawberry.field(description="Problems with the input; nothing was confirmed when there are any")


def _refused(message: str, code: UserErrorCode) -> VerifyPayload:
    return VerifyPayload(
        key=None,
        verifiedAt=None,
        verifiedBy=None,
        verificationMethod=None,
        errors=[UserError(field="id", message=message, code=code)],
    )


@strawberry.type
class FreshnessMutation:
    @strawberry.mutation(description="Confirm an offer or organisation unchanged; changes nothing else (no new version)")
    async def verify(
        self,
        info: strawberry.Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The offer or organisation (key or global id)")],
    ) -> VerifyPayload:
        context = info.context
        store, principal = context.store, context.principal
        try:
            key = to_key(id)
        except BadIdError as exc:
            return _refused(str(exc), UserErrorCode.INVALID)
        kind = MODEL.kind_of(key)
        if kind is None or kind.label not in FRESH_KINDS:
            return _refused(f"{key} is not an offer or organisation: only those are confirmed", UserErrorCode.INVALID)
        if not await store.get_nodes([key]):
            return _refused(f"no entity has the id {key}", UserErrorCode.NOT_FOUND)
        organisation: str | None = None
        if principal.role not in (Role.PARTNER, Role.COORDINATOR, Role.ADMIN):
            raise ForbiddenError("forbidden: verify needs a partner's token for their own entries, or a coordinator's")
        if principal.role == Role.PARTNER:
            facts = await read_facts(store, [UpdateNode(key, 0)], None)
            mine = sorted(principal.orgs & ({key} | facts.providers.get(key, frozenset())))
            if not mine:
                raise ForbiddenError(
                    f"forbidden: {key} is not an entry of your organisations ({', '.join(sorted(principal.orgs))})"
                )
            organisation = mine[0]
            method = "PARTNER_CONFIRMED"
        else:
            if principal.region is not None:
                touched = [UpdateNode(key, 0)]  # what a write to the entry would be, for the region's rules
                refusals = region_refusals(touched, principal.region, await read_facts(store, touched, principal.region))
                if refusals:
                    raise ForbiddenError("forbidden: " + "; ".join(refusals))
            method = "COORDINATOR_CHECKED"
        now = dt.datetime.now(dt.UTC)
        state = verification(now, principal.role.label, organisation, method)
        await store.write([], context.actor(info.field_name), side=SideWrite(verifications=((key, state),)))
        context.loaders = Loaders.for_store(store)
        return VerifyPayload(
            key=key,
            verifiedAt=now,
            verifiedBy=VerifiedBy(role=principal.role.label, organisation=organisation),
            verificationMethod=VerificationMethod(method),
            errors=[],
        )
