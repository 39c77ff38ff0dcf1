"""The root GraphQL schema, merged from the per-domain parts.

Errors that kimnet raises on purpose (unknown ids, bad cursors, invalid
arguments) reach the client with their message; anything else is masked, so a
client never sees internals or a stack trace.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.tools import merge_types

from kimnet.graph.errors import KimnetError
from kimnet.schema.change import MUTATION_FIELDS, ChangeMutation
from kimnet.schema.cover import CoverQuery
from kimnet.schema.entities import all_types
from kimnet.schema.explore import LIST_FIELDS, ExploreQuery
from kimnet.schema.network import NetworkQuery
from kimnet.schema.refer import ReferQuery

__all__ = ["schema"]

ListQuery = strawberry.type(type("ListQuery", (), {"__module__": __name__, **LIST_FIELDS}))

Query = merge_types("Query", (ExploreQuery, ListQuery, NetworkQuery, ReferQuery, CoverQuery))

EntityMutation = strawberry.type(type("EntityMutation", (), {"__module__": __name__, **MUTATION_FIELDS}))

Mutation = merge_types("Mutation", (ChangeMutation, EntityMutation))


def _is_internal(error: GraphQLError) -> bool:
    original: Any = error.original_error
    return original is not None and not isinstance(original, KimnetError | ValueError | GraphQLError)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    types=list(all_types()),
    extensions=[lambda: MaskErrors(should_mask_error=_is_internal, error_message="internal error; it has been logged")],
)
