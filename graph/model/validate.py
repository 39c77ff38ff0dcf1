"""Checks of nodes, relationships and whole graphs against the model.

Pure functions: they take data and return the list of problems found (empty when
all is well); they never raise for bad data and never touch a store. Seed loading,
both stores and the GraphQL mutations call them, so each rule is written here once.

>>> from kimnet.graph.model.kinds import Node
>>> [str(p) for p in check_node(Node("Municipality", "mun:olfen", {"name": "Olfen"}))]
['entity mun:olfen, field ags: is required', 'entity mun:olfen, field population: is required']
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.errors import Problem
from kimnet.graph.model.kinds import ID_PATTERN, MAX_ID_LENGTH, Edge, Node, Prop, PropType, Value

__all__ = ["check_edge", "check_graph", "check_node", "check_props", "coerce", "normalise_edge"]

_AGS = re.compile(r"^\d{8}$")
_MAX_STRING = 10_000  # a name or description longer than this is a mistake, not data
#: NUL and the other C0 controls but tab, newline and carriage return, and lone UTF-16
#: surrogates: no text holds them, and a surrogate cannot even be written out as UTF-8.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _text_problem(raw: str) -> str | None:
    """What makes ``raw`` no text to store, or None."""
    found = _NOT_TEXT.search(raw)
    if found is None:
        return None
    char = found.group()
    what = "a lone surrogate (not valid Unicode)" if "\ud800" <= char <= "\udfff" else "a control character"
    return f"contains {what} at position {found.start()}; send plain text"


class _Invalid(str):
    """What is wrong with a raw value; a distinct type so it is never taken for a string value."""


def coerce(prop: Prop, raw: object) -> Value | _Invalid:
    """Convert ``raw`` to the type ``prop`` declares.

    Returns the value, or an ``_Invalid`` saying what is wrong (the caller makes the
    Problem). Integers are accepted for floats, ISO strings for dates, lists for
    string lists.
    """
    t = prop.type
    if t is PropType.STRING:
        if not isinstance(raw, str):
            return _Invalid(f"must be a string, not {type(raw).__name__}")
        if len(raw) > _MAX_STRING:
            return _Invalid(f"is {len(raw)} characters long; at most {_MAX_STRING} are allowed")
        if (problem := _text_problem(raw)) is not None:
            return _Invalid(problem)
        if prop.required and not raw.strip():
            return _Invalid("must not be empty or blank")
        if prop.choices is not None and raw not in prop.choices:
            return _Invalid(f"must be one of {_allowed(prop)}, not {raw[:40]!r}")
        return raw
    if t is PropType.BOOL:
        return raw if isinstance(raw, bool) else _Invalid(f"must be true or false, not {raw!r}")
    if t is PropType.INT:
        if isinstance(raw, bool) or not isinstance(raw, int):
            return _Invalid(f"must be a whole number, not {raw!r}")
        if not -(2**63) <= raw < 2**63:
            return _Invalid("is out of the 64-bit integer range")
        return raw
    if t is PropType.FLOAT:
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            return _Invalid(f"must be a finite number, not {raw!r}")
        return float(raw)
    if t is PropType.DATE:
        if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            return raw
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
        return _Invalid(f"must be a date as YYYY-MM-DD, not {raw!r}")
    # STRINGS
    if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
        return _Invalid(f"must be a list of strings, not {raw!r}")
    for value in raw:
        if len(value) > _MAX_STRING:
            return _Invalid(f"holds an entry of {len(value)} characters; at most {_MAX_STRING} are allowed")
        if (problem := _text_problem(value)) is not None:
            return _Invalid(problem)
    if prop.choices is not None:
        wrong = sorted(set(raw) - prop.choices)
        if wrong:
            return _Invalid(f"may hold only {_allowed(prop)}, not {', '.join(repr(w[:40]) for w in wrong[:5])}")
    return tuple(raw)


def _allowed(prop: Prop) -> str:
    assert prop.choices is not None
    return prop.choices_label or ", ".join(sorted(prop.choices))


def check_props(
    decl: Iterable[Prop], props: Mapping[str, object], entity: str, *, partial: bool = False
) -> tuple[dict[str, Value], list[Problem]]:
    """Coerce ``props`` to their declared types.

    Returns the coerced properties and the problems: unknown names, wrong types or
    values, and (unless ``partial``, as for an update's changes) missing required ones.
    """
    declared = {p.name: p for p in decl}
    out: dict[str, Value] = {}
    problems: list[Problem] = []
    for name, raw in props.items():
        prop = declared.get(name)
        if prop is None:
            problems.append(Problem(f"is not a property here; known: {', '.join(sorted(declared))}", entity, name))
            continue
        value = coerce(prop, raw)
        if isinstance(value, _Invalid):
            problems.append(Problem(str(value), entity, name))
        else:
            out[name] = value
    if not partial:
        problems += [Problem("is required", entity, p.name) for p in declared.values() if p.required and p.name not in props]
    return out, problems


def _check_span(props: Mapping[str, Value], entity: str) -> list[Problem]:
    problems = []
    start, end = props.get("validFrom"), props.get("validTo")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        problems.append(Problem(f"{end.isoformat()} is before validFrom {start.isoformat()}", entity, "validTo"))
    low, high = props.get("minAge"), props.get("maxAge")
    if isinstance(low, int) and isinstance(high, int) and high < low:
        problems.append(Problem(f"{high} is below minAge {low}", entity, "maxAge"))
    for name in ("minAge", "maxAge", "population", "capacity", "fte"):
        value = props.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            problems.append(Problem("must not be negative", entity, name))
    ags = props.get("ags")
    if isinstance(ags, str) and not _AGS.match(ags):
        problems.append(Problem(f"must be 8 digits, not {ags[:40]!r}", entity, "ags"))
    website = props.get("website")
    if isinstance(website, str) and not _is_web_address(website):
        problems.append(
            Problem("must be an http:// or https:// address of a host, e.g. https://www.kreis-coesfeld.de", entity, "website")
        )
    return problems


def _is_web_address(text: str) -> bool:
    """Tell whether ``text`` is an absolute http(s) address (a link in the explorer must not run script).

    >>> _is_web_address("https://www.kreis-coesfeld.de/ki"), _is_web_address("javascript:alert(1)")
    (True, False)
    """
    if text != text.strip() or any(c.isspace() for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def check_node(node: Node) -> list[Problem]:
    """Check one node on its own: id, kind, properties and their rules."""
    # A problem names its entity; an overlong id is named by its start, not repeated whole.
    entity = node.id if len(node.id) <= MAX_ID_LENGTH else node.id[:40] + "…"
    kind = MODEL.nodes.get(node.kind)
    if kind is None:
        return [Problem(f"unknown node kind {node.kind!r}; known: {', '.join(MODEL.nodes)}", entity)]
    problems = []
    if len(node.id) > MAX_ID_LENGTH:
        problems.append(Problem(f"ids are at most {MAX_ID_LENGTH} characters long, not {len(node.id)}", entity, "id"))
    elif not ID_PATTERN.match(node.id):
        problems.append(Problem("ids look like 'prefix:lowercase-slug' (a-z, 0-9, '.', '_', '-')", entity, "id"))
    elif MODEL.kind_of(node.id) is not kind:
        problems.append(Problem(f"a {kind.label} id starts with '{kind.prefix}:'", entity, "id"))
    _, prop_problems = check_props(kind.props, node.props, entity)
    return problems + prop_problems + _check_span(node.props, entity)


def normalise_edge(edge: Edge) -> Edge:
    """Store a symmetric relationship once, from the smaller id to the larger."""
    rel = MODEL.rels.get(edge.type)
    if rel is not None and rel.symmetric and edge.target < edge.source:
        return Edge(edge.type, edge.target, edge.source, edge.props)
    return edge


def check_edge(edge: Edge, source: Node | None, target: Node | None) -> list[Problem]:
    """Check one relationship against the model, given its end nodes (None: missing)."""
    label = f"{edge.type} {edge.source} -> {edge.target}"
    rel = MODEL.rels.get(edge.type)
    if rel is None:
        return [Problem(f"unknown relationship kind {edge.type!r}; known: {', '.join(MODEL.rels)}", label)]
    problems = []
    for end, node in (("source", source), ("target", target)):
        if node is None:
            problems.append(Problem(f"{getattr(edge, end)} does not exist", label, end))
    if edge.source == edge.target:
        problems.append(Problem("an entity cannot be related to itself", label))
    if source is not None and target is not None and not rel.allows(source.kind, target.kind):
        allowed = ", ".join(f"{s}->{t}" for s, t in sorted(rel.endpoints))
        problems.append(Problem(f"{rel.type} cannot go from {source.kind} to {target.kind}; allowed: {allowed}", label))
    _, prop_problems = check_props(rel.props, edge.props, label)
    return problems + prop_problems + _check_span(edge.props, label)


def check_graph(nodes: Mapping[str, Node], edges: Iterable[Edge]) -> list[Problem]:
    """Check a whole graph: every node, every edge, and that edges point at nodes."""
    problems = [p for node in nodes.values() for p in check_node(node)]
    for edge in edges:
        problems += check_edge(edge, nodes.get(edge.source), nodes.get(edge.target))
    return problems
