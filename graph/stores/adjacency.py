"""The embedded store's relationships as two plain maps: from each node to its other ends, out and in.

The embedded store kept its graph in a networkx ``MultiDiGraph`` until memory
mattered: at state scale (73,906 nodes, 359,477 relationships) networkx's maps,
with an attribute dict per node and per relationship and a key dict per pair of
ends, took 188 MB (tracemalloc); these take 42 MB. They hold what the store's
primitives read and nothing else, and they keep networkx's order, which the
store's answers followed: ``Store.neighbours`` sorts what it is given, but a deleted
node's relationships go to the journal and the audit trail in the order found here.

``out[u][v]`` is what joins ``u`` to ``v``, and ``into[v][u]`` is the same object:
the relationship itself, or, only where relationships of several types join the
pair, a dict type -> relationship in the order they came (networkx's key dict).
The other ends are in the order they were first joined, and a pair keeps its place
while any relationship joins it, as in networkx. A node without relationships
has no entry, so that the 74,000 nodes cost no empty dicts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Literal, TypeAlias

from kimnet.graph.model.kinds import Edge, EdgeKey, Node

__all__ = ["Adjacency", "Tie"]

#: What joins a node to one other end: the relationship, or type -> relationship where several join the pair.
Tie: TypeAlias = Edge | dict[str, Edge]

#: Node id -> other end's id -> tie.
_Ends: TypeAlias = dict[str, dict[str, Tie]]

_NONE: dict[str, Tie] = {}


class Adjacency:
    """Every relationship twice: under its source in ``out`` and under its target in ``into``."""

    __slots__ = ("into", "out")

    def __init__(self) -> None:
        self.out: _Ends = {}
        self.into: _Ends = {}

    def add(self, edge: Edge) -> None:
        """Add ``edge``; one with its key already here is replaced in its place."""
        source, target = edge.source, edge.target
        tie = self.out.get(source, _NONE).get(target)
        if tie is None:
            self.out.setdefault(source, {})[target] = edge
            self.into.setdefault(target, {})[source] = edge
        elif isinstance(tie, dict):
            tie[edge.type] = edge  # the dict is shared: both directions see it
        elif tie.type == edge.type:
            self.out[source][target] = self.into[target][source] = edge
        else:
            self.out[source][target] = self.into[target][source] = {tie.type: tie, edge.type: edge}

    def remove(self, key: EdgeKey) -> None:
        """Remove the relationship ``key``.

        Raises:
            KeyError: there is none.
        """
        type_, source, target = key
        tie = self.out.get(source, _NONE).get(target)
        if isinstance(tie, dict):
            del tie[type_]
            if len(tie) == 1:  # back to the one relationship itself, as ``add`` would have left it
                (rest,) = tie.values()
                self.out[source][target] = self.into[target][source] = rest
            return
        if tie is None or tie.type != type_:
            raise KeyError(key)
        _part(self.out, source, target)
        _part(self.into, target, source)

    def get(self, key: EdgeKey) -> Edge | None:
        """The relationship ``key``, if there is one."""
        type_, source, target = key
        tie = self.out.get(source, _NONE).get(target)
        if isinstance(tie, dict):
            return tie.get(type_)
        return tie if tie is not None and tie.type == type_ else None

    def edges_from(self, node_id: str) -> Iterator[Edge]:
        """The relationships out of ``node_id``, in order."""
        return _edges(self.out.get(node_id, _NONE))

    def edges_into(self, node_id: str) -> Iterator[Edge]:
        """The relationships into ``node_id``, in order."""
        return _edges(self.into.get(node_id, _NONE))

    def follow(
        self, node_id: str, rel_type: str, direction: Literal["out", "in"], nodes: Mapping[str, Node]
    ) -> list[tuple[Edge, Node]]:
        """Each relationship of ``rel_type`` out of (or into) ``node_id``, with its other end from ``nodes``, in order."""
        ends = (self.out if direction == "out" else self.into).get(node_id, _NONE)
        found: list[tuple[Edge, Node]] = []
        for other, tie in ends.items():
            if isinstance(tie, dict):
                if rel_type in tie:
                    found.append((tie[rel_type], nodes[other]))
            elif tie.type == rel_type:
                found.append((tie, nodes[other]))
        return found


def _part(ends: _Ends, node_id: str, other: str) -> None:
    """Forget that ``node_id`` is joined to ``other``, and ``node_id`` with its last other end."""
    found = ends[node_id]
    del found[other]
    if not found:
        del ends[node_id]


def _edges(ends: dict[str, Tie]) -> Iterator[Edge]:
    for tie in ends.values():
        if isinstance(tie, dict):
            yield from tie.values()
        else:
            yield tie
