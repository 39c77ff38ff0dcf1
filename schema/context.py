"""The per-request GraphQL context: the store, the request's DataLoaders, who asks and under which policy."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import InitVar, dataclass, field

from kimnet.graph.model.audit import Actor
from kimnet.graph.read.readcache import ReadCache
from kimnet.graph.stores.store import Store
from kimnet.schema.access import ANONYMOUS, Principal
from kimnet.schema.guard import DEVELOPMENT, Policy
from kimnet.schema.loaders import Loaders
from kimnet.schema.wording import Language

__all__ = ["Context"]


@dataclass(slots=True)
class Context:
    """What every resolver can reach."""

    store: Store
    loaders: Loaders = field(init=False)
    #: The graph as the rules read it, per store generation. The service shares one for all of a
    #: store's requests (``service.app``); a context made without one reads for itself.
    read_cache: ReadCache = field(init=False)
    cache: InitVar[ReadCache | None] = None
    #: "Today" for this request, so that every asOf default in one request agrees.
    today: dt.date = field(default_factory=dt.date.today)
    #: Who sends the request; the schema's Guard checks each root field against it.
    principal: Principal = ANONYMOUS
    #: Development or production, and the limits.
    policy: Policy = DEVELOPMENT
    #: The request's id, for the audit trail and the logs.
    request_id: str | None = None
    #: The language the request prefers (``Accept-Language``) for the messages that come with reasons.
    language: Language = "en"
    #: The code of every error the request got (filled by the Guard), for metrics.
    error_codes: list[str] = field(default_factory=list)
    #: Seconds the request's questions may take in all (KIMNET_REQUEST_TIMEOUT), from ``started``.
    timeout: float = 30.0
    #: When the request began (``time.monotonic``).
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self, cache: ReadCache | None) -> None:
        self.loaders = Loaders.for_store(self.store)
        self.read_cache = ReadCache(self.store) if cache is None else cache

    @property
    def deadline(self) -> float:
        """When the request's questions must have ended (``time.monotonic``); ``schema.offload`` holds them to it."""
        return self.started + self.timeout

    def actor(self, operation: str) -> Actor:
        """Who makes a write through ``operation`` (a mutation's name), for the audit trail."""
        return Actor(self.principal.subject, self.principal.role.label, operation, self.request_id)
