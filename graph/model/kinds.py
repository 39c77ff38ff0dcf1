"""What the domain model is made of: kinds of nodes and relationships, their properties, entities.

``graph.model.domain`` declares the partner network's kinds with these; every
other module works with the ``Node`` and ``Edge`` values they describe.

Ids are readable and stable (``mun:duelmen``, ``org:vhs-luedinghausen``); the
part before the colon names the node kind, so the kind of any id is known
without asking a store.

>>> Node("Municipality", "mun:duelmen", {"name": "Dülmen"}).name
'Dülmen'
>>> Edge("PROVIDES", "org:a", "svc:b").other("svc:b")
'org:a'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import TypeAlias

__all__ = [
    "Edge",
    "EdgeKey",
    "Model",
    "Node",
    "NodeKind",
    "Prop",
    "PropType",
    "RelKind",
    "Value",
    "share_equal",
]

#: A property value as kimnet stores it: Neo4j's scalar types plus lists of strings.
Value: TypeAlias = str | int | float | bool | dt.date | tuple[str, ...]


def share_equal(props: dict[str, Value], same: dict[Value, Value]) -> None:
    """Make the texts, days and lists of texts in ``props`` that equal one in ``same`` that very object, in place.

    A read of many nodes or relationships (a snapshot, a whole graph from Neo4j) makes
    each value anew, and the same text, day or list recurs thousands of times (every
    synthetic offer's ``source``, a handful of languages and days): at state scale
    17 MB of copies. Properties are never changed once made, so equal may be shared.
    Exact types only, and lists of texts only: equal is not the same where types
    differ (``(1,) == (True,) == (1.0,)``).

    >>> same: dict[Value, Value] = {}
    >>> a, b = {"source": "Kreis " + "Coesfeld"}, {"source": "Kreis " + "Coesfeld", "n": 1}
    >>> share_equal(a, same); share_equal(b, same)
    >>> a["source"] is b["source"]
    True
    """
    for key, value in props.items():
        kind = type(value)
        if kind is str or kind is dt.date or (kind is tuple and all(type(item) is str for item in value)):  # type: ignore[union-attr]
            props[key] = same.setdefault(value, value)


#: A relationship is identified by its type and its two ends.
EdgeKey: TypeAlias = tuple[str, str, str]

ID_PATTERN = re.compile(r"^[a-z]+:[a-z0-9][a-z0-9._-]*$")

#: The longest id: a key is a readable slug, not a place to store text.
MAX_ID_LENGTH = 200


class PropType(Enum):
    """The types a property may have."""

    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    STRINGS = "string[]"


@dataclass(frozen=True, slots=True)
class Prop:
    """A declared property of a node or relationship kind."""

    name: str
    type: PropType
    doc: str
    required: bool = False
    #: The allowed values of a STRING or STRINGS property; None allows any.
    choices: frozenset[str] | None = None
    #: What the allowed values are, in words, where listing them would be too long.
    choices_label: str | None = None


@dataclass(frozen=True, slots=True)
class NodeKind:
    """A kind of node: its label, id prefix and properties."""

    label: str
    prefix: str
    doc: str
    props: tuple[Prop, ...]

    def prop(self, name: str) -> Prop | None:
        """Return the declared property ``name``, or None."""
        return next((p for p in self.props if p.name == name), None)


@dataclass(frozen=True, slots=True)
class RelKind:
    """A kind of relationship: its type, allowed endpoints and properties.

    ``field`` names the relationship on its source (``Organisation.provides``),
    ``inverse`` on its target (``Service.providedBy``); seed files and the
    GraphQL API use these names. A symmetric relationship (cooperation) has no
    direction: it is stored once, from the smaller id to the larger.
    """

    type: str
    doc: str
    endpoints: frozenset[tuple[str, str]]
    field: str
    inverse: str
    props: tuple[Prop, ...] = ()
    symmetric: bool = False

    def allows(self, source_label: str, target_label: str) -> bool:
        """Tell whether this relationship may go from ``source_label`` to ``target_label``."""
        return (source_label, target_label) in self.endpoints

    def prop(self, name: str) -> Prop | None:
        """Return the declared property ``name``, or None."""
        return next((p for p in self.props if p.name == name), None)

    @property
    def sources(self) -> frozenset[str]:
        return frozenset(s for s, _ in self.endpoints)

    @property
    def targets(self) -> frozenset[str]:
        return frozenset(t for _, t in self.endpoints)


@dataclass(frozen=True, slots=True)
class Node:
    """An entity: its kind's label, stable id, properties and version.

    ``version`` starts at 1 and grows by one with every update; an update must
    name the version it read (optimistic concurrency).
    """

    kind: str
    id: str
    props: Mapping[str, Value] = field(default_factory=dict)
    version: int = 1

    @property
    def name(self) -> str:
        return str(self.props.get("name", self.id))


@dataclass(frozen=True, slots=True)
class Edge:
    """A relationship between two entities, with its properties."""

    type: str
    source: str
    target: str
    props: Mapping[str, Value] = field(default_factory=dict)

    @property
    def key(self) -> EdgeKey:
        return (self.type, self.source, self.target)

    def other(self, node_id: str) -> str:
        """Return the end of this edge that is not ``node_id``."""
        return self.target if node_id == self.source else self.source


#: The relationship fields of a label that is no node kind.
_NO_FIELDS: Mapping[str, tuple[RelKind, bool]] = MappingProxyType({})


class Model:
    """The node and relationship kinds, indexed for lookup."""

    def __init__(self, nodes: tuple[NodeKind, ...], rels: tuple[RelKind, ...]) -> None:
        self.nodes: dict[str, NodeKind] = {k.label: k for k in nodes}
        self.rels: dict[str, RelKind] = {r.type: r for r in rels}
        self._by_prefix = {k.prefix: k for k in nodes}
        # Asked for by every filter and relationship field of every request: worked out once.
        self._link_fields = {k.label: MappingProxyType(self._find_link_fields(k.label)) for k in nodes}
        for kind in nodes:  # a field name must say one thing on each node kind
            names = [p.name for p in kind.props] + list(self.link_fields(kind.label))
            clash = {n for n in names if names.count(n) > 1}
            if clash:
                raise ValueError(f"node kind {kind.label} declares {sorted(clash)} twice")

    def node(self, label: str) -> NodeKind:
        return self.nodes[label]

    def rel(self, type_: str) -> RelKind:
        return self.rels[type_]

    def kind_of(self, node_id: str) -> NodeKind | None:
        """Return the node kind that ``node_id``'s prefix names, or None."""
        prefix, sep, _ = node_id.partition(":")
        return self._by_prefix.get(prefix) if sep else None

    def link_fields(self, label: str) -> Mapping[str, tuple[RelKind, bool]]:
        """Map each relationship field of node kind ``label`` to (kind, outgoing)."""
        return self._link_fields.get(label, _NO_FIELDS)

    def _find_link_fields(self, label: str) -> dict[str, tuple[RelKind, bool]]:
        fields: dict[str, tuple[RelKind, bool]] = {}
        for rel in self.rels.values():
            if label in rel.sources:
                fields[rel.field] = (rel, True)
            if label in rel.targets and not rel.symmetric:
                fields[rel.inverse] = (rel, False)
        return fields
