"""Keeping a referral's case out of error messages.

A referral carries a person's case (age, residence status, needs, place,
languages). kimnet's own messages name the field at fault, never the value;
but GraphQL's own messages quote values ("Int cannot represent non-integer
value: 'x'", "Variable '$case' got invalid value ..."), and a typo in a query
that holds the case inline quotes the token. For a request that mentions
``referral``, every error message is redacted: each value the request carries
(its variables, and the literal arguments in its text), and every quoted text
that is not a name from the schema, becomes ``…``.

>>> redact("Int cannot represent non-integer value: 'zwei'", {"zwei"}, frozenset({"Int"}))
'Int cannot represent non-integer value: …'
>>> redact("Field 'agee' is not defined by type 'CaseInput'.", set(), frozenset({"CaseInput"}))
"Field … is not defined by type 'CaseInput'."
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    EnumValueNode,
    FloatValueNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    IntValueNode,
    OperationDefinitionNode,
    StringValueNode,
    visit,
)
from graphql.language import Visitor

__all__ = ["is_sensitive", "redact", "request_values", "schema_names", "variable_names"]

_QUOTED = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|“[^”]*”""")


def is_sensitive(query: str | None) -> bool:
    """Tell whether a request's text may carry a case (it mentions ``referral``)."""
    return query is not None and "referral" in query


@functools.cache
def schema_names(schema: GraphQLSchema) -> frozenset[str]:
    """Every name the schema declares: types, fields, arguments, enum values."""
    names: set[str] = set()
    for name, type_ in schema.type_map.items():
        names.add(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                names.add(field_name)
                names.update(field.args)
        elif isinstance(type_, GraphQLInputObjectType):
            names.update(type_.fields)
        elif isinstance(type_, GraphQLEnumType):
            names.update(type_.values)
    return frozenset(names)


def variable_names(document: DocumentNode | None) -> frozenset[str]:
    """The names of the variables a document declares: the client's labels, not its values."""
    if document is None:
        return frozenset()
    return frozenset(
        v.variable.name.value
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        for v in d.variable_definitions or ()
    )


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def enter(self, node: Any, *_: Any) -> None:
        if isinstance(node, StringValueNode | IntValueNode | FloatValueNode | EnumValueNode | BooleanValueNode):
            self.found.add(str(node.value))


def _leaves(value: Any) -> Iterable[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            stack += list(item.values())
        elif isinstance(item, list | tuple):
            stack += list(item)
        elif item is not None:
            yield str(item).lower() if isinstance(item, bool) else str(item)


def request_values(document: DocumentNode | None, variables: Mapping[str, Any] | None) -> set[str]:
    """Every value a request carries: variable leaves and literal arguments."""
    found = set(_leaves(variables or {}))
    if document is not None:
        literals = _Literals()
        visit(document, literals)
        found |= literals.found
    return {v for v in found if v.strip()}


def redact(message: str, values: Iterable[str], names: frozenset[str]) -> str:
    """Replace the request's values and every quoted non-name in ``message`` with ``…``."""

    def quoted(match: re.Match[str]) -> str:
        parts = [p for p in re.split(r"[.\[\]]+", match.group(0)[1:-1].lstrip("$")) if p]
        return match.group(0) if parts and all(p in names or p.isdigit() for p in parts) else "…"

    redacted = message
    # Longest first, so that "22" inside "122" is not left half-redacted.
    for value in sorted(set(values), key=len, reverse=True):
        pattern = rf"(?<![\w.]){re.escape(value)}(?![\w])" if value[:1].isalnum() else re.escape(value)
        redacted = re.sub(pattern, "…", redacted)
    return _QUOTED.sub(quoted, redacted)
