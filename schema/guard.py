"""The one place where every request is guarded: limits, access, error masking, logging.

``Guard`` is a strawberry extension that reads the request's ``Policy`` and
``Principal`` from the context, so one schema serves development and
production alike:

1. parsing stops at ``max_tokens``; in production the introspection rule is
   added to validation;
2. before validation, ``check_limits`` refuses a request over a limit (and
   validation, which could be slow on a hostile document, is skipped);
3. before execution, ``check_operation`` refuses an operation with a root
   field above the caller's role, whole, so that it changes nothing;
4. afterwards every error gets its public form: unexpected ones are masked,
   the expected kinds get an ``extensions.code``, production drops "Did you
   mean" suggestions and store details, and for a referral, values are
   redacted (``schema.privacy``).

``GuardedSchema`` logs errors without the request's values: an internal error
with its traceback (but, for a referral, without the exception's message),
the rest at debug level.

Error codes: ``FORBIDDEN``, ``LIMIT_EXCEEDED``, ``DATABASE_UNAVAILABLE``
(retriable), ``DATABASE_TIMEOUT``, ``INTERNAL``.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionContext

from kimnet.graph.errors import (
    ForbiddenError,
    KimnetError,
    LimitError,
    StoreError,
    StoreTimeoutError,
    StoreUnavailableError,
)
from kimnet.schema.access import ANONYMOUS, Principal, check_operation
from kimnet.schema.limits import Limits, check_limits
from kimnet.schema.privacy import is_sensitive, redact, request_values, schema_names, variable_names

__all__ = ["DEVELOPMENT", "Guard", "GuardedSchema", "Policy", "error_code"]

log = logging.getLogger("kimnet.graphql")

INTERNAL_MESSAGE = "internal error; it has been logged"
UNAVAILABLE_MESSAGE = "database unavailable: the store does not answer; retry in a few seconds"
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


@dataclass(frozen=True, slots=True)
class Policy:
    """How strictly requests are handled: the mode and the limits."""

    production: bool = False
    limits: Limits = field(default_factory=Limits)


#: Development mode with the default limits: what a context without a policy gets.
DEVELOPMENT = Policy()


def _is_internal(error: GraphQLError) -> bool:
    original: Any = error.original_error
    # Only errors raised on purpose carry a message meant for clients; a stray ValueError
    # from deep inside may hold anything, so it is masked like any other surprise.
    return original is not None and not isinstance(original, KimnetError | GraphQLError)


def error_code(error: GraphQLError) -> str | None:
    """The ``extensions.code`` kimnet gives an error of this kind, if any."""
    original = error.original_error
    if _is_internal(error):
        return "INTERNAL"
    kinds: tuple[tuple[type[Exception], str], ...] = (
        (ForbiddenError, "FORBIDDEN"),
        (LimitError, "LIMIT_EXCEEDED"),
        (StoreUnavailableError, "DATABASE_UNAVAILABLE"),
        (StoreTimeoutError, "DATABASE_TIMEOUT"),
    )
    for kind, code in kinds:
        if isinstance(original, kind):
            return code
    if "Document contains more than" in error.message and "tokens" in error.message:
        return "LIMIT_EXCEEDED"
    return None


def _message(error: GraphQLError, code: str | None, policy: Policy) -> str:
    original = error.original_error
    if code == "INTERNAL":
        return INTERNAL_MESSAGE
    if code == "DATABASE_UNAVAILABLE":
        return UNAVAILABLE_MESSAGE if policy.production else f"{UNAVAILABLE_MESSAGE} ({original})"
    if code == "DATABASE_TIMEOUT" and policy.production:
        return "the database took too long and ended the request; ask for less, or retry later"
    if code == "LIMIT_EXCEEDED" and original is None:
        return f"{error.message} (KIMNET_MAX_TOKENS)"
    if policy.production:
        return _SUGGESTION.sub("", error.message)
    return error.message


def _context_of(execution_context: ExecutionContext) -> tuple[Policy, Principal]:
    context = execution_context.context
    return getattr(context, "policy", DEVELOPMENT), getattr(context, "principal", ANONYMOUS)


class Guard(SchemaExtension):
    """Applies the request's policy and principal: see the module docstring."""

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        policy, _ = _context_of(ctx)
        ctx.parse_options["max_tokens"] = policy.limits.max_tokens
        if policy.production:
            ctx.validation_rules = (*ctx.validation_rules, NoSchemaIntrospectionCustomRule)
        yield
        result = ctx.result
        if result is not None and result.errors:
            sensitive = is_sensitive(ctx.query)
            values = request_values(ctx.graphql_document, ctx.variables) if sensitive else set()
            names = schema_names(ctx.schema._schema) | variable_names(ctx.graphql_document)
            public = []
            seen: list[str] | None = getattr(ctx.context, "error_codes", None)
            for error in result.errors:
                code = error_code(error)
                if seen is not None:
                    seen.append(code or "OTHER")
                message = _message(error, code, policy)
                if sensitive:
                    # A suggestion would hint at the value it is close to.
                    message = redact(_SUGGESTION.sub("", message), values, names)
                extensions = {**(error.extensions or {}), "code": code} if code else error.extensions
                if code == "DATABASE_UNAVAILABLE":
                    extensions = {**(extensions or {}), "retriable": True}
                public.append(
                    GraphQLError(
                        message,
                        nodes=error.nodes,
                        source=error.source,
                        positions=error.positions,
                        path=error.path,
                        original_error=None if code == "INTERNAL" else error.original_error,
                        extensions=extensions,
                    )
                )
            result.errors = public

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        policy, _ = _context_of(ctx)
        if ctx.graphql_document is not None and ctx.pre_execution_errors is None:
            try:
                check_limits(ctx.graphql_document, ctx.schema._schema, ctx.variables or {}, policy.limits)
            except LimitError as exc:
                # Set before validation runs, so that strawberry skips it: a hostile document is not walked again.
                ctx.pre_execution_errors = [GraphQLError(str(exc), original_error=exc)]
        yield

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        _, principal = _context_of(ctx)
        if ctx.graphql_document is not None:
            try:
                check_operation(ctx.graphql_document, ctx.operation_name, principal)
            except ForbiddenError as exc:
                # A result set here means strawberry does not execute the operation at all.
                ctx.result = GraphQLExecutionResult(data=None, errors=[GraphQLError(str(exc), original_error=exc)])
        yield


class GuardedSchema(strawberry.Schema):
    """A schema that logs errors without the values a request carries."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        sensitive = execution_context is None or is_sensitive(execution_context.query)
        for error in errors:
            where = ".".join(str(p) for p in error.path) if error.path else "the request"
            original = error.original_error
            if _is_internal(error):
                assert original is not None
                if sensitive:
                    stack = "".join(traceback.format_tb(original.__traceback__))
                    log.error(
                        "internal error at %s: %s (its message is withheld: the request carries a case)\n%s",
                        where,
                        type(original).__name__,
                        stack,
                    )
                else:
                    log.error("internal error at %s", where, exc_info=original)
            elif isinstance(original, StoreError):
                log.warning("store error at %s: %s", where, type(original).__name__ if sensitive else original)
            elif not sensitive:
                log.debug("request error at %s: %s", where, error.message)
