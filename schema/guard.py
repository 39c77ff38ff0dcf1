"""The one place where every request is guarded: limits, access, error masking, logging.

``Guard`` is a strawberry extension that reads the request's ``Policy`` and
``Principal`` from the context, so one schema serves development and
production alike:

1. parsing stops at ``max_tokens``; in production the introspection rule is
   added to validation;
2. before validation, ``check_limits`` refuses a request over a limit (and
   validation, which could be slow on a hostile document, is skipped);
   a document that passed both is kept (``Documents``), and a later request
   with the same text, under the same limits and rules, reuses it: it is not
   parsed or validated again, and of the limits only what its variables decide
   is checked again (``Checked.recheck``);
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
(retriable), ``DATABASE_TIMEOUT``, ``TIMEOUT`` (the request's deadline,
``KIMNET_REQUEST_TIMEOUT``, passed), ``INTERNAL``.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, OperationDefinitionNode
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionContext

from kimnet.graph.model.errors import (
    DeadlineError,
    ForbiddenError,
    KimnetError,
    LimitError,
    StoreError,
    StoreTimeoutError,
    StoreUnavailableError,
)
from kimnet.schema.access import ANONYMOUS, Principal, check_operation
from kimnet.schema.limits import Checked, Limits, check_limits
from kimnet.schema.privacy import is_sensitive, redact, request_values, schema_names, variable_names

__all__ = ["DEVELOPMENT", "Documents", "Guard", "GuardedSchema", "Policy", "error_code"]

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
        (DeadlineError, "TIMEOUT"),
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


#: What parsing, checking the limits and validating a document depend on, besides the schema:
#: its text, the parse options, the validation rules and the limits.
DocumentKey: TypeAlias = tuple[str, tuple[tuple[str, Any], ...], tuple[type[ASTValidationRule], ...], Limits]


class Documents:
    """Documents of one schema that parsed, passed the limits and validated without errors, by ``DocumentKey``.

    Parsing and validating take most of a small request's time, and clients send
    the same few documents again and again. A document is reused only under the
    key it was checked under, so the answer is what checking it again would give;
    documents with errors are never kept (they are checked again each time).

    Bounded, so that unique documents cannot grow memory much: at most ``size``
    documents and ``budget`` characters of text (a parsed document takes 60 to
    200 bytes per character, so the default is at most about 25 MB), texts over
    ``longest`` characters are not kept, and the least recently used go first.
    """

    def __init__(self, size: int = 256, budget: int = 131_072, longest: int = 16_384) -> None:
        self.size = size
        self.budget = budget
        self.longest = longest
        self._kept: OrderedDict[DocumentKey, Checked] = OrderedDict()
        self._characters = 0

    def __len__(self) -> int:
        return len(self._kept)

    def key(self, execution_context: ExecutionContext, limits: Limits) -> DocumentKey | None:
        """The key of this request's document, or None if it is not to be kept (no text, or a long one)."""
        query = execution_context.query
        if query is None or len(query) > self.longest:
            return None
        options = tuple(sorted(execution_context.parse_options.items()))
        return query, options, tuple(execution_context.validation_rules), limits

    def get(self, key: DocumentKey) -> Checked | None:
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
        return found

    def keep(self, key: DocumentKey, checked: Checked) -> None:
        if key not in self._kept:
            self._characters += len(key[0])
        self._kept[key] = checked
        self._kept.move_to_end(key)
        while len(self._kept) > self.size or self._characters > self.budget:
            dropped, _ = self._kept.popitem(last=False)
            self._characters -= len(dropped[0])


class Guard(SchemaExtension):
    """Applies the request's policy and principal: see the module docstring."""

    #: The request's key in its schema's ``Documents``, if it has one.
    _key: DocumentKey | None = None
    #: The kept document the request reuses, if any.
    _known: Checked | None = None

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        policy, _ = _context_of(ctx)
        ctx.parse_options["max_tokens"] = policy.limits.max_tokens
        if policy.production:
            ctx.validation_rules = (*ctx.validation_rules, NoSchemaIntrospectionCustomRule)
        documents: Documents | None = getattr(ctx.schema, "documents", None)
        if documents is not None and ctx.graphql_document is None:
            self._key = documents.key(ctx, policy.limits)
            self._known = documents.get(self._key) if self._key is not None else None
            if self._known is not None:
                ctx.graphql_document = self._known.document  # strawberry parses only when no document is set
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
        known = self._known if self._known is not None and self._known.document is ctx.graphql_document else None
        checked: Checked | None = None
        if ctx.graphql_document is not None and ctx.pre_execution_errors is None and ctx._provided_operation_name is None:
            # GraphQL-over-HTTP: which of several operations to run is the client's to say, never a guess.
            count = sum(isinstance(d, OperationDefinitionNode) for d in ctx.graphql_document.definitions)
            if count > 1:
                ctx.pre_execution_errors = [
                    GraphQLError(f"the document has {count} operations; name the one to run in operationName")
                ]
        if ctx.graphql_document is not None and ctx.pre_execution_errors is None:
            try:
                if known is not None:
                    known.recheck(ctx.variables or {})
                    # It validated without errors when it was kept; no errors set means strawberry does not validate.
                    ctx.pre_execution_errors = []
                else:
                    checked = check_limits(ctx.graphql_document, ctx.schema._schema, ctx.variables or {}, policy.limits)
            except LimitError as exc:
                # Set before validation runs, so that strawberry skips it: a hostile document is not walked again.
                ctx.pre_execution_errors = [GraphQLError(str(exc), original_error=exc)]
        yield
        documents: Documents | None = getattr(ctx.schema, "documents", None)
        valid = ctx.pre_execution_errors is not None and not ctx.pre_execution_errors
        if checked is not None and valid and documents is not None and self._key is not None:
            documents.keep(self._key, checked)

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
    """A schema that logs errors without the values a request carries, and keeps its checked documents."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The documents the ``Guard`` reuses (one set per schema, since validation depends on the schema).
        self.documents = Documents()

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
