"""The per-request GraphQL context: the store, and what is built per request."""

from __future__ import annotations

from dataclasses import dataclass

from kimnet.graph.store import Store

__all__ = ["Context"]


@dataclass(slots=True)
class Context:
    """What every resolver can reach."""

    store: Store
