"""The freshness fields of offers and organisations: verifiedAt, verifiedBy, verificationMethod, lastModified.

``schema.entities`` adds them to the Service and Organisation types, so every
answer that reaches an offer (a referral's, coverage's) can say how current it
is. They are read through the request's freshness DataLoader: one round trip
per batch. The rules are in ``graph.model.freshness``; the rest of the API in
``schema.freshness``.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

import strawberry

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.freshness import FRESH_KINDS, Freshness

if TYPE_CHECKING:
    from kimnet.schema.context import Context

__all__ = ["FRESHNESS_FIELDS", "VerificationMethod", "VerifiedBy", "verified_by"]


@strawberry.enum(description="How an entry was last confirmed")
class VerificationMethod(enum.Enum):
    PARTNER_CONFIRMED = strawberry.enum_value("PARTNER_CONFIRMED", description="A partner confirmed it for their organisation")
    COORDINATOR_CHECKED = strawberry.enum_value("COORDINATOR_CHECKED", description="A coordinator checked and confirmed it")
    IMPORTED = strawberry.enum_value(
        "IMPORTED", description="Nobody has confirmed it since it came with the seed or an import: it counts as stale"
    )


@strawberry.type(description="Who confirmed an entry: a role and an organisation, never a person")
class VerifiedBy:
    role: str = strawberry.field(description="The confirming token's role, e.g. partner or coordinator")
    organisation: str | None = strawberry.field(description="The key of the organisation the confirming token spoke for")


def verified_by(f: Freshness) -> VerifiedBy | None:
    return VerifiedBy(role=f.verified_by_role, organisation=f.verified_by_org) if f.verified_by_role else None


async def _freshness_of(root: Any, info: strawberry.Info[Context, None]) -> Freshness:
    key = str(root._node.id)
    found = await info.context.loaders.freshness.load(key)
    return found or Freshness(key)


async def _verified_at(root: strawberry.Parent[Any], info: strawberry.Info[Context, None]) -> dt.datetime | None:
    return (await _freshness_of(root, info)).verified_at


async def _verified_by_field(root: strawberry.Parent[Any], info: strawberry.Info[Context, None]) -> VerifiedBy | None:
    return verified_by(await _freshness_of(root, info))


async def _method(root: strawberry.Parent[Any], info: strawberry.Info[Context, None]) -> VerificationMethod:
    return VerificationMethod((await _freshness_of(root, info)).method)


async def _last_modified(root: strawberry.Parent[Any], info: strawberry.Info[Context, None]) -> dt.datetime | None:
    return (await _freshness_of(root, info)).modified_at


def freshness_fields(label: str) -> dict[str, Any]:
    """The freshness fields of the entity type ``label`` (none for kinds that are not kept current by partners)."""
    if label not in FRESH_KINDS:
        return {}
    return {
        "verifiedAt": strawberry.field(
            resolver=_verified_at, name="verifiedAt", description="When the entry was last confirmed (null: never)"
        ),
        "verifiedBy": strawberry.field(resolver=_verified_by_field, name="verifiedBy", description="Who last confirmed it"),
        "verificationMethod": strawberry.field(
            resolver=_method, name="verificationMethod", description="How it was last confirmed (IMPORTED: not since it came in)"
        ),
        "lastModified": strawberry.field(
            resolver=_last_modified,
            name="lastModified",
            description="When it last changed through kimnet (a change is not a confirmation)",
        ),
    }


#: Per entity type: its freshness fields (``schema.entities`` adds them).
FRESHNESS_FIELDS = {label: freshness_fields(label) for label in MODEL.nodes}
