"""The GraphQL endpoint, as the GraphQL-over-HTTP specification describes it.

- POST with ``application/json`` (``{"query", "variables", "operationName"}``),
  or GET with the same as query parameters (queries only: a mutation over GET
  is 405, since GET must not change anything).
- The response is ``application/graphql-response+json`` when the client
  accepts it: then a request that cannot run (bad JSON, parse or validation
  errors) is 400 and a request that ran is 200, with field errors in
  ``errors``. Clients that accept only ``application/json`` get 200 for every
  well-formed request, as they expect. Anything else is 406.
- GraphiQL answers a browser's GET in development mode, from this server's own assets (no CDN).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strawberry import Schema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from kimnet.service.web import graphiql_page

__all__ = ["GRAPHQL_RESPONSE", "graphql_endpoint"]

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def _accepted(request: Request) -> str | None:
    """The response media type to use, or None if the client accepts neither."""
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return JSON  # the spec's advice for clients that say nothing
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if GRAPHQL_RESPONSE in types:
        return GRAPHQL_RESPONSE
    if JSON in types or "application/*" in types or "*/*" in types:
        return JSON
    return None


def _error(status: int, message: str, media_type: str = JSON) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message}]}, status_code=status, media_type=media_type)


def _request_error(message: str, media_type: str) -> Response:
    """A GraphQL request error: 400 under graphql-response+json, 200 for application/json clients."""
    status = 400 if media_type == GRAPHQL_RESPONSE else 200
    return _error(status, message, media_type)


async def _params(request: Request) -> dict[str, Any] | Response:
    """Read query, variables and operationName from the request, or the error response."""
    if request.method == "GET":
        raw = dict(request.query_params)
        if "variables" in raw:
            try:
                raw["variables"] = json.loads(raw["variables"])
            except (ValueError, RecursionError):
                return _error(400, "the variables parameter is not valid JSON")
        return raw
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON:
        return _error(415, f"send the request as {JSON}, not {content_type or 'no content type'}")
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: JSON nested too deep
        return _error(400, "the request body is not valid JSON")
    if not isinstance(body, dict):
        return _error(400, "the request body must be a JSON object with a query")
    return body


def graphql_endpoint(
    schema: Schema, context: Callable[[Request], Any], *, graphiql: bool
) -> Callable[[Request], Awaitable[Response]]:
    """Return the Starlette endpoint that serves ``schema``."""

    async def endpoint(request: Request) -> Response:
        if (
            request.method == "GET"
            and graphiql
            and "text/html" in request.headers.get("accept", "")
            and "query" not in request.query_params
        ):
            return graphiql_page()
        media_type = _accepted(request)
        if media_type is None:
            return _error(406, f"accept {GRAPHQL_RESPONSE} or {JSON}")
        params = await _params(request)
        if isinstance(params, Response):
            return params
        query, variables, operation = params.get("query"), params.get("variables"), params.get("operationName")
        if not isinstance(query, str) or not query.strip():
            return _error(400, "the request has no query", media_type)
        if variables is not None and not isinstance(variables, dict):
            return _error(400, "variables must be a JSON object", media_type)
        if operation is not None and not isinstance(operation, str):
            return _error(400, "operationName must be a string", media_type)
        allowed = (OperationType.QUERY,) if request.method == "GET" else (OperationType.QUERY, OperationType.MUTATION)
        try:
            result = await schema.execute(
                query,
                variable_values=variables,
                context_value=context(request),
                operation_name=operation,
                allowed_operation_types=allowed,
            )
        except CannotGetOperationTypeError:
            # A request error (nothing ran): the operationName names no operation of the document.
            return _request_error("the document has no operation of the given operationName", media_type)
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.MUTATION:
                return JSONResponse(
                    {"errors": [{"message": "mutations are not allowed over GET; use POST"}]},
                    status_code=405,
                    media_type=media_type,
                    headers={"Allow": "POST"},
                )
            return _request_error("this service has no subscriptions; send a query or a mutation", media_type)
        payload: dict[str, Any] = {}
        if result.errors:
            payload["errors"] = [error.formatted for error in result.errors]
        # Errors raised while executing have a path; parse and validation errors do not. Only a
        # request that never ran has no data (and is 400 under graphql-response+json).
        ran = result.data is not None or not result.errors or any(e.path for e in result.errors)
        if ran:
            payload["data"] = result.data
        status = 400 if media_type == GRAPHQL_RESPONSE and not ran else 200
        # A database that does not answer is the server's trouble, and retriable: 503, never 500.
        codes = {(e.extensions or {}).get("code") for e in result.errors or ()}
        headers = {}
        if "DATABASE_UNAVAILABLE" in codes:
            status, headers = 503, {"Retry-After": "2"}
        elif "FORBIDDEN" in codes and not ran:
            status = 403
        # orjson: an answer of a few hundred entities is 100 KB, which json.dumps takes milliseconds over.
        return Response(orjson.dumps(payload), status_code=status, media_type=media_type, headers=headers)

    return endpoint
