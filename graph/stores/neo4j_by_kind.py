"""Statements made once per node kind or relationship type.

Cypher takes no label or relationship type as a parameter, so a statement that
needs one is written once as a template and made here, at import, for every kind
that the model declares; a request can only pick one of them by a name the model knows.
"""

from __future__ import annotations

from typing import LiteralString

from kimnet.graph.model.domain import MODEL

__all__ = ["by_label", "by_type"]


def by_label(template: LiteralString) -> dict[str, LiteralString]:
    """``template`` with ``LABEL`` replaced by each node kind's label, by label."""
    return {label: template.replace("LABEL", label) for label in MODEL.nodes}


def by_type(template: LiteralString) -> dict[str, LiteralString]:
    """``template`` with ``TYPE`` replaced by each relationship type, by type."""
    return {type_: template.replace("TYPE", type_) for type_ in MODEL.rels}
