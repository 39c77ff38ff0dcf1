"""The root GraphQL schema, merged from the per-domain parts.

Errors that kimnet raises on purpose (unknown ids, bad cursors, invalid
arguments) reach the client with their message; anything else is masked, so a
client never sees internals or a stack trace. Limits, access and masking are
applied by one extension, ``schema.guard.Guard``, from each request's policy.
"""

from __future__ import annotations

import strawberry

from kimnet.schema.audit import AuditQueryType
from kimnet.schema.changes import MUTATION_FIELDS, ChangeMutation
from kimnet.schema.compiled import CompiledReads
from kimnet.schema.coverage import CoverQuery
from kimnet.schema.entities import all_types
from kimnet.schema.explore import LIST_FIELDS, ExploreQuery
from kimnet.schema.freshness import FreshnessMutation, FreshnessQuery
from kimnet.schema.guard import Guard, GuardedSchema
from kimnet.schema.network import NetworkQuery
from kimnet.schema.proposals import ProposalMutation, ProposalQueryType
from kimnet.schema.referral import ReferQuery

__all__ = ["schema"]

ListQuery = strawberry.type(type("ListQuery", (), {"__module__": __name__, **LIST_FIELDS}))

# As strawberry's merge_types does, with a description for the documentation.
Query = strawberry.type(
    type(
        "Query",
        (ExploreQuery, ListQuery, NetworkQuery, ReferQuery, CoverQuery, AuditQueryType, ProposalQueryType, FreshnessQuery),
        {},
    ),
    description="Read the network: lists and entities, referrals, coverage and gaps, network analysis, the audit trail, "
    "change proposals and how current entries are",
)

EntityMutation = strawberry.type(type("EntityMutation", (), {"__module__": __name__, **MUTATION_FIELDS}))

Mutation = strawberry.type(
    type("Mutation", (ChangeMutation, EntityMutation, ProposalMutation, FreshnessMutation), {}),
    description="Change the network: create, update and delete entities, link and unlink them (each one transaction); "
    "propose, approve, reject and withdraw changes; confirm entries unchanged",
)


schema = GuardedSchema(
    query=Query, mutation=Mutation, types=list(all_types()), extensions=[Guard], execution_context_class=CompiledReads
)
