"""What the GraphQL layer needs to know of the model: the kinds at the other end of a field.

>>> targets_of("Service", "availableIn")
('Municipality', 'Region')
>>> direction_of("Service", "providedBy")
'in'
>>> list_field_of("CaseManager"), list_field_of("Municipality"), list_field_of("Service")
('caseManagers', 'municipalities', 'services')
"""

from __future__ import annotations

from functools import cache

from kimnet.graph.model.domain import MODEL
from kimnet.graph.stores.store import Direction

__all__ = ["direction_of", "list_field_of", "targets_of"]


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


def list_field_of(label: str) -> str:
    """The root field that lists node kind ``label``: its name in the plural, camelCase."""
    name = label[0].lower() + label[1:]
    return name[:-1] + "ies" if name.endswith("y") else name + "s"
