"""Planning a CSV import: the writes that bring the stored graph to what the rows say.

A row for an id that does not exist creates the entity; a row for one that
exists sets the properties of its non-empty cells and removes those whose
cell is empty (columns left out of a file stay as they are). A relationship
row creates the relationship, or replaces its properties. Nothing is ever
deleted by an import. The rows are checked against the model together with
the stored graph, and any problem refuses the whole import: ``plan_merge``
raises before anything is written, naming every bad row and why.

>>> from kimnet.graph.io.tables import Row, TableRow, Tables
>>> from kimnet.graph.model.kinds import Node
>>> stored = GraphData(nodes={"need:sprache": Node("Need", "need:sprache", {"name": "Sprache"}, version=3)})
>>> rows = [
...     TableRow(Row("Need.csv", 2), "Need", id="need:sprache", values={"name": "Sprache und Kommunikation"}),
...     TableRow(Row("Need.csv", 3), "Need", id="need:wohnen", values={"name": "Wohnen"}),
... ]
>>> plan = plan_merge(stored, Tables(rows))
>>> [type(c).__name__ for c in plan.changes], plan.created, plan.updated
(['UpdateNode', 'CreateNode'], 1, 1)
>>> bad = TableRow(Row("Need.csv", 4), "Need", id="need:x", values={"validFrom": "bald"})
>>> plan_merge(stored, Tables([bad]))
Traceback (most recent call last):
...
kimnet.graph.model.errors.TableError: the CSV rows cannot be imported: 2 problem(s); nothing was written
  - Need.csv line 4, entity need:x, field validFrom: must be a date as YYYY-MM-DD, not 'bald'
  - Need.csv line 4, entity need:x, field name: is required
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from kimnet.graph.io.tables import Row, TableRow, Tables
from kimnet.graph.model.changes import Change, CreateNode, Link, Unlink, UpdateNode
from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.errors import Problem, TableError
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, EdgeKey, Node, Prop, Value
from kimnet.graph.model.validate import check_edge, check_node, check_props, normalise_edge

__all__ = ["MergePlan", "plan_merge"]


@dataclass(slots=True)
class MergePlan:
    """The writes for one import, in order (entities before the relationships that need them), and counts."""

    changes: list[Change] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    linked: int = 0
    relinked: int = 0
    unchanged: int = 0


def _merged(current: Mapping[str, Value], row: TableRow, declared: Sequence[Prop]) -> dict[str, Value]:
    """The properties after the row: its values over the current ones, its empty cells removed.

    Values that do not coerce stay raw, so that the model's check names each
    once; the plan is made only when there are none.
    """
    coerced, _ = check_props(declared, row.values, row.id, partial=True)
    props: dict[str, object] = {k: v for k, v in current.items() if k not in row.cleared}
    props.update(row.values)
    props.update(coerced)
    return cast(dict[str, Value], props)


def _at(problem: Problem, row: Row) -> Problem:
    return Problem(problem.message, problem.entity, problem.field, str(row))


def plan_merge(stored: GraphData, tables: Tables, on_row: Callable[[], None] | None = None) -> MergePlan:
    """Plan the writes that apply ``tables`` to the ``stored`` graph.

    ``on_row`` is called once per row checked (for a progress bar). Returns the
    plan; rows that change nothing add no change.

    Raises:
        TableError: any file or row breaks the model: every problem, each naming
            its file and line; nothing may be written.
    """
    problems = list(tables.problems)
    nodes: dict[str, Node] = {}
    node_rows: dict[str, Row] = {}
    for row in (r for r in tables.rows if not r.is_edge):
        if row.id in node_rows:
            problems.append(Problem(f"is in {node_rows[row.id]} already", row.id, "id", str(row.row)))
            continue
        node_rows[row.id] = row.row
        kind = MODEL.node(row.kind)
        existing = stored.nodes.get(row.id)
        props = _merged(existing.props if existing else {}, row, kind.props)
        node = Node(kind.label, row.id, props, existing.version if existing else 1)
        problems += [_at(p, row.row) for p in check_node(node)]
        nodes[row.id] = node
        if on_row:
            on_row()

    def end(node_id: str) -> Node | None:
        return nodes.get(node_id) or stored.nodes.get(node_id)

    edges: dict[EdgeKey, Edge] = {}
    edge_rows: dict[EdgeKey, Row] = {}
    for row in (r for r in tables.rows if r.is_edge):
        rel = MODEL.rel(row.kind)
        key = normalise_edge(Edge(rel.type, row.source, row.target)).key
        if key in edge_rows:
            problems.append(
                Problem(f"is in {edge_rows[key]} already", f"{rel.type} {row.source} -> {row.target}", None, str(row.row))
            )
            continue
        edge_rows[key] = row.row
        existing_edge = stored.edges.get(key)
        props = _merged(existing_edge.props if existing_edge else {}, row, rel.props)
        edge = Edge(key[0], key[1], key[2], props)
        problems += [_at(p, row.row) for p in check_edge(edge, end(edge.source), end(edge.target))]
        edges[key] = edge
        if on_row:
            on_row()

    if problems:
        raise TableError(problems, "the CSV rows cannot be imported")
    return _changes(stored, nodes, edges)


def _changes(stored: GraphData, nodes: Mapping[str, Node], edges: Mapping[EdgeKey, Edge]) -> MergePlan:
    plan = MergePlan()
    for node_id, node in nodes.items():
        existing = stored.nodes.get(node_id)
        if existing is None:
            plan.changes.append(CreateNode(Node(node.kind, node.id, node.props)))
            plan.created += 1
        elif dict(existing.props) != dict(node.props):
            changed = {k: v for k, v in node.props.items() if existing.props.get(k) != v}
            removed = tuple(k for k in existing.props if k not in node.props)
            plan.changes.append(UpdateNode(node_id, existing.version, changed, removed))
            plan.updated += 1
        else:
            plan.unchanged += 1
    for key, edge in edges.items():
        existing_edge = stored.edges.get(key)
        if existing_edge is None:
            plan.changes.append(Link(edge))
            plan.linked += 1
        elif dict(existing_edge.props) != dict(edge.props):
            plan.changes += [Unlink(*key), Link(edge)]
            plan.relinked += 1
        else:
            plan.unchanged += 1
    return plan
