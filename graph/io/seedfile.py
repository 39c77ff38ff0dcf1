"""Reading a county's seed folder (TOML files) into a checked ``GraphData``.

A seed folder holds TOML files whose top-level keys are node labels, each an
array of tables, one table per entity::

    [[Service]]
    id = "svc:durchstarten-coaching-drk"
    name = "Coaching"
    providedBy = ["org:drk-kv-coesfeld"]            # relationship field (model.py)
    memberOf = [{ id = "wg:x", role = "Sprecher" }]  # ... with relationship properties

Keys are properties or relationship fields of the node kind as ``model.py``
declares them; a relationship is written once, on either end. Loading is all or
nothing: every problem in every file is collected, and if there is one,
``SeedError`` lists them all and nothing is returned.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.errors import Problem, SeedError
from kimnet.graph.model.graphdata import GraphData
from kimnet.graph.model.kinds import Edge, EdgeKey, Node
from kimnet.graph.model.validate import check_edge, check_node, check_props, normalise_edge

__all__ = ["load_seed_dir", "parse_seed_files"]


@dataclass(frozen=True, slots=True)
class _Origin:
    """Where an entity or relationship was written, for error messages."""

    file: str
    entity: str
    field: str | None = None


def load_seed_dir(path: str | Path) -> GraphData:
    """Read every ``*.toml`` file in ``path`` into one checked graph.

    Raises:
        SeedError: listing every problem (file, entity, field); nothing is loaded.
        FileNotFoundError: ``path`` is not a folder or holds no TOML file.
    """
    folder = Path(path)
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    if not files:
        raise FileNotFoundError(f"{folder} is not a folder with seed files (*.toml)")
    return parse_seed_files({f.name: f.read_text(encoding="utf-8") for f in files})


def parse_seed_files(texts: dict[str, str]) -> GraphData:
    """Parse seed files given as {file name: TOML text}; see ``load_seed_dir``."""
    problems: list[Problem] = []
    data = GraphData()
    node_origin: dict[str, _Origin] = {}
    edge_origin: dict[EdgeKey, _Origin] = {}

    for file, text in texts.items():
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            problems.append(Problem(f"is not valid TOML: {exc}", file=file))
            continue
        for label, records in document.items():
            if label not in MODEL.nodes:
                problems.append(Problem(f"unknown node kind {label!r}; known: {', '.join(MODEL.nodes)}", file=file))
                continue
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                problems.append(Problem(f"{label} must be an array of tables ([[{label}]])", file=file))
                continue
            for number, record in enumerate(records, 1):
                _read_record(file, label, number, record, data, node_origin, edge_origin, problems)

    for node_id, node in data.nodes.items():
        problems += [_at(p, node_origin[node_id]) for p in check_node(node)]
    for key, edge in data.edges.items():
        origin = edge_origin[key]
        problems += [_at(p, origin) for p in check_edge(edge, data.nodes.get(edge.source), data.nodes.get(edge.target))]
    if problems:
        raise SeedError(problems, "seed data is invalid")
    return data


def _at(problem: Problem, origin: _Origin) -> Problem:
    """Name the file, entity and field where the problem was written.

    A problem with a property of a relationship written in a field keeps the
    property's name in its message ("field memberOf: role must be a string").
    """
    message = problem.message
    if origin.field and problem.field and problem.field != origin.field:
        message = f"{problem.field} {message}"
    return Problem(message, origin.entity, origin.field or problem.field, origin.file)


def _read_record(
    file: str,
    label: str,
    number: int,
    record: dict[str, object],
    data: GraphData,
    node_origin: dict[str, _Origin],
    edge_origin: dict[EdgeKey, _Origin],
    problems: list[Problem],
) -> None:
    node_id = record.get("id")
    if not isinstance(node_id, str) or not node_id:
        problems.append(Problem(f"{label} number {number} has no id", field="id", file=file))
        return
    if node_id in node_origin:
        first = node_origin[node_id].file
        problems.append(Problem(f"duplicate id; first defined in {first}", node_id, "id", file))
        return
    node_origin[node_id] = _Origin(file, node_id)

    links = MODEL.link_fields(label)
    raw_props = {k: v for k, v in record.items() if k != "id" and k not in links}
    # Values that do not coerce stay raw, so that check_node reports each problem once.
    props, _ = check_props(MODEL.node(label).props, raw_props, node_id, partial=True)
    data.nodes[node_id] = Node(label, node_id, {**raw_props, **props})  # type: ignore[dict-item]

    for name, value in record.items():
        if name not in links:
            continue
        rel, outgoing = links[name]
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str):
                other, edge_props = item, {}
            elif isinstance(item, dict) and isinstance(item.get("id"), str):
                other, edge_props = item["id"], {k: v for k, v in item.items() if k != "id"}
            else:
                problems.append(Problem("holds an id, a list of ids, or tables with an id", node_id, name, file))
                continue
            source, target = (node_id, other) if outgoing else (other, node_id)
            coerced, _ = check_props(rel.props, edge_props, rel.type, partial=True)
            edge = normalise_edge(Edge(rel.type, source, target, {**edge_props, **coerced}))
            if edge.key in edge_origin:
                earlier = edge_origin[edge.key]
                problems.append(
                    Problem(
                        f"{rel.type} to {other} is written twice (also in {earlier.file}, {earlier.entity})", node_id, name, file
                    )
                )
                continue
            edge_origin[edge.key] = _Origin(file, node_id, name)
            data.edges[edge.key] = edge
