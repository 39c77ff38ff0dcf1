"""The per-request GraphQL context: the store and the request's DataLoaders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kimnet.graph.store import Store
from kimnet.schema.loaders import Loaders

__all__ = ["Context"]


@dataclass(slots=True)
class Context:
    """What every resolver can reach."""

    store: Store
    loaders: Loaders = field(init=False)
    #: "Today" for this request, so that every asOf default in one request agrees.
    today: dt.date = field(default_factory=dt.date.today)

    def __post_init__(self) -> None:
        self.loaders = Loaders.for_store(self.store)
