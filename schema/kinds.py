"""What the GraphQL layer needs to know of the model: the kinds at the other end of a field.

>>> targets_of("Service", "availableIn")
('Municipality', 'Region')
>>> direction_of("Service", "providedBy")
'in'
"""

from __future__ import annotations

from functools import cache

from kimnet.graph.model.domain import MODEL
from kimnet.graph.stores.store import Direction

__all__ = ["direction_of", "targets_of"]


@cache
def targets_of(label: str, field: str) -> tuple[str, ...]:
    """The node kinds that relationship field ``field`` of ``label`` can reach, sorted."""
    rel, outgoing = MODEL.link_fields(label)[field]
    ends = set()
    for source, target in rel.endpoints:
        if (outgoing or rel.symmetric) and source == label:
            ends.add(target)
        if (not outgoing or rel.symmetric) and target == label:
            ends.add(source)
    return tuple(sorted(ends))


@cache
def direction_of(label: str, field: str) -> Direction:
    """Which way relationship field ``field`` of ``label`` follows its relationship."""
    rel, outgoing = MODEL.link_fields(label)[field]
    if rel.symmetric:
        return "both"
    return "out" if outgoing else "in"
