"""Ids in the API: Relay global ids, or the stable readable keys behind them.

Every argument that names an entity accepts either form, so that a client can
write ``org:ki-coesfeld`` by hand or pass back an ``id`` it was given.

>>> to_key("org:ki-coesfeld")
'org:ki-coesfeld'
>>> to_key(global_id("Organisation", "org:ki-coesfeld"))
'org:ki-coesfeld'
"""

from __future__ import annotations

from strawberry.relay import GlobalID, GlobalIDValueError

from kimnet.graph.model.domain import MODEL
from kimnet.graph.model.errors import BadIdError
from kimnet.graph.model.kinds import ID_PATTERN

__all__ = ["global_id", "to_key"]


def global_id(label: str, key: str) -> str:
    """Return the Relay global id of the entity ``key`` of kind ``label``."""
    return str(GlobalID(label, key))


def to_key(value: str) -> str:
    """Return the stable key that ``value`` (a global id or a key) names.

    Raises:
        BadIdError: ``value`` is neither, or names a kind the model does not have.
    """
    if ID_PATTERN.match(value):
        if MODEL.kind_of(value) is None:
            prefixes = ", ".join(f"{k.prefix}: ({k.label})" for k in MODEL.nodes.values())
            raise BadIdError(f"{value!r} has an unknown prefix; keys start with one of {prefixes}")
        return value
    try:
        parsed = GlobalID.from_id(value)
    except GlobalIDValueError:
        raise BadIdError(f"{value[:80]!r} is neither a global id nor a key like 'org:ki-coesfeld'") from None
    kind = MODEL.kind_of(parsed.node_id)
    if parsed.type_name not in MODEL.nodes or kind is None or kind.label != parsed.type_name:
        raise BadIdError(f"{value[:80]!r} is not a global id of this API")
    return parsed.node_id
