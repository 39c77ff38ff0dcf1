"""The one Cypher statement that reads a tree (``Store.read_trees``) on Neo4j, and its parameters.

Kept apart from the store because it is built, not a constant: ``tree_statement``
turns a ``graph.stores.trees.Shape`` into nested COLLECT subqueries. Cypher takes no
label, relationship type or property name as a parameter; every one used here
is checked against the model, and every value (ids, days) is a parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from itertools import count
from typing import LiteralString

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.validity import BOUNDS
from kimnet.graph.stores.neo4j_order import neighbour_order
from kimnet.graph.stores.trees import Follow, Shape

__all__ = ["tree_days", "tree_statement", "valid_where"]

#: Every property name a tree read may project: the declared ones of nodes, and the version.
_PROPERTY_NAMES = frozenset({p.name for k in MODEL.nodes.values() for p in k.props} | {"_version"})

#: Every relationship property name a tree read may project.
_EDGE_PROPERTY_NAMES = frozenset({p.name for r in MODEL.rels.values() for p in r.props})

_PATTERNS = {
    "out": "({a})-[{e}:{t}]->({b}:Entity)",
    "in": "({a})<-[{e}:{t}]-({b}:Entity)",
    "both": "({a})-[{e}:{t}]-({b}:Entity)",
}


def tree_statement(shape: Shape) -> LiteralString:
    """The one statement that reads the nodes ``$ids`` and ``shape`` below them: per root ``id, props, links``.

    Each follow becomes a COLLECT subquery nested in its parent's, returning, in
    ``graph.stores.trees``' order, for each relationship valid on its day (``$day<n>``, see ``tree_days``; null: any
    day) ``[other id, other's properties asked for, relationship properties asked
    for, start node id, [links below, per kind]]``. The validity test is
    ``graph.model.validity``'s, in Cypher: filtered here, nothing invalid nor the dates to
    test it travel. Cypher takes no label, type or property name as a parameter;
    each one here is checked against the model, so a request can only choose among
    names the model declares.
    """
    # Built, not a constant; LiteralString marks it as free of request text (see above).
    return (
        "UNWIND $ids AS id MATCH (n0:Entity {id: id}) "
        f"RETURN id, properties(n0) AS props, {_links('n0', shape, 0, count())} AS links"
    )


def tree_days(shape: Shape, day: dt.date | None) -> dict[str, dt.date | None]:
    """The ``$day<n>`` parameters of ``tree_statement(shape)`` for roots read for ``day``: each follow's
    own ``asOf``, or its parent's day; numbered in the order the statement numbers them."""
    days: dict[str, dt.date | None] = {}
    _walk_days(shape, day, days)
    return days


# A function of the module, not a closure within tree_days: a closure that calls itself is a
# reference cycle (its cell holds it), left for the cyclic collector at every read of trees.
def _walk_days(at: Shape, on: dt.date | None, days: dict[str, dt.date | None]) -> None:
    for follow in at.follows:
        below = follow.as_of or on
        days[f"day{len(days)}"] = below
        for label, inner in follow.below:
            if inner.follows and label in MODEL.nodes:
                _walk_days(inner, below, days)


def _links(var: str, shape: Shape, depth: int, numbers: Iterator[int]) -> str:
    return "[" + ", ".join(_follow(var, f, depth, numbers) for f in shape.follows) + "]"


#: How a bound's day compares with the day asked, per end (``validity.Bound.end``).
_HOLDS = {"first": "<=", "last": ">="}


def valid_where(var: str, day: str) -> str:
    """``validity.valid_on`` in Cypher, generated from ``validity.BOUNDS``: whether ``var`` holds on ``day``.

    A missing property compares as null in Cypher, and so does one that is not a date
    (a text, a number, a date-time): ``coalesce`` lets it hold, as ``valid_on`` ignores
    such a bound.

    >>> valid_where("n", "$day")
    'coalesce(n.validFrom <= $day, true) AND coalesce(n.since <= $day, true) AND coalesce(n.validTo >= $day, true)'
    """
    return " AND ".join(f"coalesce({var}.{b.prop} {_HOLDS[b.end]} {day}, true)" for b in BOUNDS)


def _projection(var: str, names: Iterable[str], known: frozenset[str]) -> str:
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValueError(f"unknown properties {unknown}")
    return var + "{" + ", ".join(f".{n}" for n in sorted(names)) + "}"


def _follow(var: str, follow: Follow, depth: int, numbers: Iterator[int]) -> str:
    if follow.rel_type not in MODEL.rels:
        raise ValueError(f"unknown relationship kind {follow.rel_type!r}")
    day = f"$day{next(numbers)}"  # numbered before the follows below it, as tree_days numbers them
    edge, other = f"e{depth}", f"n{depth + 1}"
    pattern = _PATTERNS[follow.direction].format(a=var, e=edge, t=follow.rel_type, b=other)
    shapes = [shape for _, shape in follow.below]
    if any(shape.props is None for shape in shapes):
        props = f"properties({other})"
    else:
        # The version is stored as _version, and read only when asked for (a node without it reads as 1).
        names = {"_version" if n == "version" else n for n in set().union(*(shape.props or () for shape in shapes))}
        props = _projection(other, names, _PROPERTY_NAMES)
    if follow.edge_props is None:
        edge_props = f"properties({edge})"
    elif follow.edge_props:
        edge_props = _projection(edge, follow.edge_props, _EDGE_PROPERTY_NAMES)
    else:
        edge_props = "null"
    nested = [
        f"CASE WHEN {other}:{label} THEN {_links(other, shape, depth + 1, numbers)} END"
        for label, shape in follow.below
        if shape.follows and label in MODEL.nodes
    ]
    start = f"startNode({edge}).id" if follow.direction == "both" else "null"
    where = f"{day} IS NULL OR ({valid_where(edge, day)} AND {valid_where(other, day)})"
    returned = f"[{other}.id, {props}, {edge_props}, {start}, [{', '.join(nested)}]]"
    order = neighbour_order(edge, other, follow.direction)  # as Store.neighbours orders
    return f"COLLECT {{ MATCH {pattern} WHERE {where} RETURN {returned} ORDER BY {order} }}"
