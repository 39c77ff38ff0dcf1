"""Prometheus metrics at ``/metrics``: requests, latencies, errors, store round trips, pool use.

Each app has its own registry (no process-global state), holding:

- ``kimnet_http_requests_total{route,method,status}`` and
  ``kimnet_http_request_duration_seconds{route}`` (a histogram);
- ``kimnet_graphql_errors_total{code}``: errors by kind (FORBIDDEN,
  LIMIT_EXCEEDED, DATABASE_UNAVAILABLE, DATABASE_TIMEOUT, INTERNAL, OTHER) and
  the refusals before GraphQL runs (UNAUTHENTICATED, RATE_LIMITED,
  BODY_TOO_LARGE);
- ``kimnet_store_round_trips_total{store}``: database round trips;
- ``kimnet_store_transactions_in_flight{store}`` and
  ``kimnet_store_pool_size{store}``: connections in use and at most (Neo4j);
- ``kimnet_store_ready``: 1 when the store answers;
- ``kimnet_index_generations_total{how}``: generations of the in-memory index
  made by reading the whole graph (``read``), by following writes
  (``followed``), or read and thrown away because a write landed meanwhile
  (``discarded``); ``kimnet_index_outside_writes_total``: writes made without
  kimnet that the commit check noticed (each costs a read of the graph);
- ``kimnet_store_outside_writes_logged{store}`` (Neo4j): 1 when the database's
  trigger logs writes made without kimnet, so that they are followed like
  kimnet's own; 0 when only the commit check notices them;
- the process's memory, CPU and open files (``process_*``).

Labels only ever take values from fixed sets (routes, codes), never from input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from kimnet.graph.read.readcache import ReadCache
from kimnet.graph.stores.store import Store

__all__ = ["CONTENT_TYPE", "ROUTES", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

#: The routes that get their own label; everything else is "other".
ROUTES = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class _StoreCollector(Collector):
    """Reads the store's counters when Prometheus scrapes."""

    def __init__(
        self, store: Callable[[], Store | None], ready: Callable[[], bool], cache: Callable[[], ReadCache | None]
    ) -> None:
        self._store = store
        self._ready = ready
        self._cache = cache

    def collect(self) -> Iterator[Metric]:
        store = self._store()
        ready = GaugeMetricFamily("kimnet_store_ready", "1 when the store answers, 0 while it does not")
        ready.add_metric([], 1.0 if self._ready() else 0.0)
        yield ready
        if store is None:
            return
        trips = CounterMetricFamily("kimnet_store_round_trips", "Round trips to the store", labels=["store"])
        trips.add_metric([store.name], float(store.round_trips))
        yield trips
        cache = self._cache()
        if cache is not None:
            made = CounterMetricFamily(
                "kimnet_index_generations", "Generations of the read index, by how they were made", labels=["how"]
            )
            for how, count in (("read", cache.kept), ("followed", cache.followed), ("discarded", cache.discarded)):
                made.add_metric([how], float(count))
            yield made
            outside = CounterMetricFamily("kimnet_index_outside_writes", "Writes made without kimnet that were noticed")
            outside.add_metric([], float(cache.outside))
            yield outside
        in_flight = getattr(store, "in_flight", None)
        if in_flight is not None:
            gauge = GaugeMetricFamily(
                "kimnet_store_transactions_in_flight", "Transactions running now, each on a pooled connection", labels=["store"]
            )
            gauge.add_metric([store.name], float(in_flight))
            yield gauge
            size = GaugeMetricFamily("kimnet_store_pool_size", "Connections the driver keeps at most", labels=["store"])
            size.add_metric([store.name], float(getattr(store, "pool_size", 0)))
            yield size
        logged = getattr(store, "outside_logged", None)
        if logged is not None:
            trigger = GaugeMetricFamily(
                "kimnet_store_outside_writes_logged",
                "1 when the database's trigger logs writes made without kimnet (followed), 0 when each costs a read of the graph",
                labels=["store"],
            )
            trigger.add_metric([store.name], 1.0 if logged else 0.0)
            yield trigger


class Metrics:
    """The metrics of one app."""

    def __init__(
        self, store: Callable[[], Store | None], ready: Callable[[], bool], cache: Callable[[], ReadCache | None]
    ) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kimnet_http_requests", "HTTP requests answered", ["route", "method", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "kimnet_http_request_duration_seconds", "Time to answer", ["route"], buckets=_BUCKETS, registry=self.registry
        )
        self.errors = Counter("kimnet_graphql_errors", "Errors returned, by code", ["code"], registry=self.registry)
        ProcessCollector(registry=self.registry)
        self.registry.register(_StoreCollector(store, ready, cache))

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        label = route if route in ROUTES else "other"
        self.requests.labels(label, method if method in ("GET", "POST") else "other", str(status)).inc()
        self.latency.labels(label).observe(seconds)

    def error(self, code: str | None) -> None:
        self.errors.labels(code or "OTHER").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
