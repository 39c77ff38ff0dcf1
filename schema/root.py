"""The root GraphQL schema, merged from the per-domain parts."""

from __future__ import annotations

import strawberry

from kimnet.schema.entities import all_types

__all__ = ["schema"]


@strawberry.type(description="The kimnet partner-network API")
class Query:
    @strawberry.field(description="The API's version")
    def version(self) -> str:
        return "0.1.0"


schema = strawberry.Schema(query=Query, types=list(all_types()))
