"""Writes to the graph, and the pure rules that decide whether each may happen.

A write is a list of ``Change``s applied in one transaction, fully or not at
all. One dispatch for every store (``graph.stores.dispatch``) fetches what a
change concerns (the node, the two ends of a relationship, the relationship if
it exists) and asks the ``plan_*`` function here for the result; the functions
raise when the change is not allowed. So the embedded store and Neo4j cannot
disagree on what a write means.

Creates, updates and links are idempotent: replayed after its first attempt was
applied (a lost acknowledgement, a retry by the driver or the client), a change
finds its result in place, the ``plan_*`` function returns the stored item
itself, and the store writes nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, TypeAlias

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.errors import DuplicateError, NotFoundError, Problem, StaleVersionError, ValidationError
from kimnet.graph.model.kinds import Edge, EdgeKey, Node, Value
from kimnet.graph.model.validate import check_edge, check_node, check_props, normalise_edge

__all__ = [
    "Change",
    "CreateNode",
    "DeleteNode",
    "Link",
    "Step",
    "Unlink",
    "UpdateNode",
    "keys_of",
    "plan_create",
    "plan_delete",
    "plan_link",
    "plan_unlink",
    "plan_update",
    "steps",
]


@dataclass(frozen=True, slots=True)
class CreateNode:
    """Create an entity; its id must be new."""

    node: Node


@dataclass(frozen=True, slots=True)
class UpdateNode:
    """Set and remove properties of an entity that is at ``expected_version``."""

    id: str
    expected_version: int
    set: Mapping[str, object] = field(default_factory=dict)
    unset: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeleteNode:
    """Delete an entity and its relationships (at ``expected_version``, if given)."""

    id: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """Create a relationship; the same type between the same ends must not exist yet."""

    edge: Edge


@dataclass(frozen=True, slots=True)
class Unlink:
    """Remove a relationship."""

    type: str
    source: str
    target: str

    @property
    def key(self) -> EdgeKey:
        return normalise_edge(Edge(self.type, self.source, self.target)).key


Change: TypeAlias = CreateNode | UpdateNode | DeleteNode | Link | Unlink


def plan_create(change: CreateNode, existing: Node | None) -> Node:
    """Return the node to store, at version 1.

    A create is idempotent: if the id exists with exactly this kind and content,
    ``existing`` itself is returned and the store writes nothing (a retried
    create after a lost acknowledgement). With other content it is a duplicate.
    """
    if existing is not None:
        if _same_content(change, existing):
            return existing
        raise DuplicateError(f"{change.node.id} exists already; choose another id or update it")
    kind = MODEL.nodes.get(change.node.kind)
    if kind is None:
        problems = check_node(change.node)
        raise ValidationError(problems, f"cannot create {change.node.id}")
    props, problems = check_props(kind.props, change.node.props, change.node.id)
    node = Node(kind.label, change.node.id, props, 1)
    problems += _further(check_node(node), problems)
    if problems:
        raise ValidationError(problems, f"cannot create {change.node.id}")
    return node


def _further(found: list[Problem], known: list[Problem]) -> list[Problem]:
    """The problems of ``found`` about fields ``known`` does not name already.

    The whole-node check runs on the values that passed; a value refused as
    invalid is missing there, and "is required" would report it a second time.
    """
    fields = {p.field for p in known}
    return [p for p in found if p not in known and (p.field is None or p.field not in fields)]


def _same_content(change: CreateNode, existing: Node) -> bool:
    kind = MODEL.nodes.get(change.node.kind)
    if kind is None or existing.kind != kind.label:
        return False
    props, problems = check_props(kind.props, change.node.props, change.node.id)
    return not problems and dict(props) == dict(existing.props)


def _current(node_id: str, current: Node | None, expected: int | None) -> Node:
    if current is None:
        raise NotFoundError(f"no entity has the id {node_id}")
    if expected is not None and expected != current.version:
        raise StaleVersionError(
            f"{node_id} is at version {current.version}, not {expected}: someone changed it since you read it; read it again"
        )
    return current


def plan_update(change: UpdateNode, current: Node | None) -> Node:
    """Return the updated node, one version up.

    An update is idempotent: if the entity is one version past the expected one
    and already holds exactly what this update would make of it, ``current``
    itself is returned and the store writes nothing (a retried update).
    """
    if current is not None and current.version == change.expected_version + 1:
        try:
            replayed = plan_update(replace(change, expected_version=current.version), current)
        except ValidationError:
            pass
        else:
            if replayed.props == current.props:
                return current
    node = _current(change.id, current, change.expected_version)
    kind = MODEL.node(node.kind)
    props: dict[str, Value] = dict(node.props)
    coerced, problems = check_props(kind.props, change.set, node.id, partial=True)
    props.update(coerced)
    for name in change.unset:
        prop = kind.prop(name)
        if prop is None:
            problems.append(Problem("is not a property here", node.id, name))
        elif prop.required:
            problems.append(Problem("is required and cannot be removed", node.id, name))
        props.pop(name, None)
    updated = Node(node.kind, node.id, props, node.version + 1)
    problems += _further(check_node(updated), problems)
    if problems:
        raise ValidationError(problems, f"cannot update {node.id}")
    return updated


def plan_delete(change: DeleteNode, current: Node | None, deleted: Node | None = None) -> Node:
    """Return the node that will be deleted.

    A delete is idempotent: if the entity is gone and ``deleted`` (what the audit
    trail last recorded of it, if that was its delete) is at the expected
    version, ``deleted`` itself is returned and the store writes nothing (a
    retried delete that had landed). An entity that never was is not found.
    """
    if current is None and deleted is not None and change.expected_version in (None, deleted.version):
        return deleted
    return _current(change.id, current, change.expected_version)


def plan_link(change: Link, source: Node | None, target: Node | None, existing: Edge | None) -> Edge:
    """Return the relationship to store (symmetric ones normalised).

    A link is idempotent: if the relationship exists with exactly these
    properties, ``existing`` itself is returned and the store writes nothing.
    """
    asked = change.edge
    rel = MODEL.rels.get(asked.type)
    props: Mapping[str, Value] = {}
    problems: list[Problem] = []
    if rel is not None:
        props, problems = check_props(rel.props, asked.props, f"{asked.type} {asked.source} -> {asked.target}")
    # Checked in the order the client named the ends (``source`` and ``target`` are those
    # nodes), then stored normalised: a symmetric edge's stored order is the store's business.
    problems += _further(check_edge(Edge(asked.type, asked.source, asked.target, props), source, target), problems)
    if problems:
        raise ValidationError(problems, f"cannot link {asked.source} to {asked.target}")
    edge = normalise_edge(Edge(asked.type, asked.source, asked.target, props))
    if existing is not None:
        if dict(existing.props) == dict(edge.props):
            return existing  # a retried link: the relationship is there as asked
        raise DuplicateError(f"{edge.source} is already linked to {edge.target} by {edge.type}")
    return edge


def plan_unlink(change: Unlink, existing: Edge | None) -> Edge:
    """Return the relationship that will be removed."""
    if existing is None:
        raise NotFoundError(f"{change.source} is not linked to {change.target} by {change.type}")
    return existing


@dataclass(frozen=True, slots=True)
class Step:
    """One change to the graph as written: a node or relationship put (created or replaced) or removed."""

    op: Literal["put", "remove"]
    item: Node | Edge


def steps(changes: Sequence[Change], results: Sequence[Node | Edge]) -> list[Step]:
    """The steps of a committed write: its changes paired with what each produced (``Store.write``'s result).

    A deleted node's relationships go with it (``updated`` removes them).
    """
    found: list[Step] = []
    for change, result in zip(changes, results, strict=True):
        # if/isinstance, not a match statement: mutmut 2 cannot parse one (scripts/mutation).
        if isinstance(change, (CreateNode, UpdateNode, Link)):
            found.append(Step("put", result))
        elif isinstance(change, (DeleteNode, Unlink)):
            found.append(Step("remove", result))
    return found


def keys_of(changes: Iterable[Change]) -> list[str]:
    """Every entity key the changes name, in order, once each."""
    keys: list[str] = []
    for change in changes:
        if isinstance(change, CreateNode):
            keys.append(change.node.id)
        elif isinstance(change, (UpdateNode, DeleteNode)):
            keys.append(change.id)
        elif isinstance(change, Link):
            keys += [change.edge.source, change.edge.target]
        elif isinstance(change, Unlink):
            keys += [change.source, change.target]
    return list(dict.fromkeys(keys))
