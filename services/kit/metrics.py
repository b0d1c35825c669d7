"""The Prometheus families of docs/metrics.md that every process has, on one registry per app.

One registry per app, not the client library's global one: an in-process test's app counts only its
own requests, and the scrape-time gauges (outbox rows) read the database of the app that serves them.
A service's own families are groups (`Metrics.group(Factory)`: built once per app, on its registry).

With several gateway workers the client library's multiprocess mode holds the values in files that
the supervising process reads (`metrics_server.py`): the families here are then updated as things
happen (pool check-outs, /readyz) rather than read at scrape time, which only one process could do.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from prometheus_client import (
    GC_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import SessionTransaction, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, col

from services.kit.outbox import OutboxMessage, OutboxStatus

log = logging.getLogger("liaison.metrics")

# docs/metrics.md: the HTTP buckets, which the gateway's upstream histogram shares.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
_METRICS_KEY = "liaison.metrics"
_ON_COMMIT_KEY = "liaison.metrics.on_commit"

G = TypeVar("G")


def multiprocess() -> bool:
    """Several gateway workers: the values live in files (gateway/__main__.py sets the directory)."""
    return MULTIPROCESS_ENV in os.environ


class Metrics:
    def __init__(self, *, version: str) -> None:
        # `_created` series are not in the contract, and every counter would carry one.
        disable_created_metrics()  # type: ignore[no-untyped-call]  # the library leaves it unannotated
        self.registry = CollectorRegistry()
        registry = self.registry
        self.http_requests = Counter(
            "liaison_http_requests", "Requests answered.", ["route", "method", "status"], registry=registry
        )
        self.http_duration = Histogram(
            "liaison_http_request_duration_seconds",
            "From the first byte received to the last byte sent.",
            ["route", "method"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.http_in_flight = Gauge(
            "liaison_http_requests_in_flight",
            "Requests being handled now.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.dependency_up = Gauge(
            "liaison_dependency_up",
            "What /readyz saw last: 1 reachable, 0 not.",
            ["dependency"],
            registry=registry,
            multiprocess_mode="livemostrecent",
        )
        self.db_in_use = Gauge(
            "liaison_db_pool_connections_in_use",
            "Connections checked out of the SQLAlchemy pool.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.db_max = Gauge(
            "liaison_db_pool_connections_max",
            "The most connections the pool may open.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        build = Gauge("liaison_build_info", "Always 1.", ["version"], registry=registry, multiprocess_mode="livemax")
        build.labels(version).set(1)
        if not multiprocess():  # the supervising process has its own (metrics_server.py)
            add_process_collectors(registry)
        self._groups: dict[Callable[[Metrics], Any], Any] = {}

    def group(self, factory: Callable[[Metrics], G]) -> G:
        """A service's (or a kit worker's) own families, made once per app on this registry."""
        if factory not in self._groups:
            self._groups[factory] = factory(self)
        made: G = self._groups[factory]
        return made

    def saw_dependencies(self, checks: dict[str, bool]) -> None:
        for dependency, ok in checks.items():
            self.dependency_up.labels(dependency).set(1 if ok else 0)

    def watch_engine(self, engine: Engine) -> None:
        """Pool use from the pool's own events: they work in every process, unlike a read at scrape time."""
        pool = engine.pool
        if isinstance(pool, QueuePool):
            # QueuePool keeps its overflow private; `size()` is the rest.
            self.db_max.set(pool.size() + max(int(getattr(pool, "_max_overflow", 0)), 0))
        in_use = self.db_in_use
        event.listen(engine, "checkout", lambda *_: in_use.inc())
        event.listen(engine, "checkin", lambda *_: in_use.dec())

    def watch_sessions(self, sessions: sessionmaker[Session]) -> None:
        """Lets code holding only a session count what its transaction did, once it commits (`after_commit`)."""
        sessions.configure(info={_METRICS_KEY: self})
        event.listen(sessions, "after_commit", _run_on_commit)
        event.listen(sessions, "after_transaction_end", _drop_on_rollback)

    def read_at_scrape(self, collector: Collector) -> None:
        """Gauges read from the database when Prometheus asks (one process only: not with gateway workers)."""
        self.registry.register(collector)


def add_process_collectors(registry: CollectorRegistry) -> None:
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    if GC_COLLECTOR is not None:  # the library leaves it out where the interpreter has no gc callbacks
        GCCollector(registry=registry)


def after_commit(session: Session, action: Callable[[Metrics], None]) -> None:
    """`action(metrics)` once the session's transaction commits; forgotten if it rolls back (a consumer's
    batch done again one event at a time is then counted once). Nothing for a session no app made."""
    if _METRICS_KEY in session.info:
        session.info.setdefault(_ON_COMMIT_KEY, []).append(action)


def _run_on_commit(session: Session) -> None:
    metrics = session.info.get(_METRICS_KEY)
    for action in session.info.pop(_ON_COMMIT_KEY, ()):
        try:
            action(metrics)
        except Exception:  # a metric is never worth a failed request
            log.exception("metric update failed")


def _drop_on_rollback(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_ON_COMMIT_KEY, None)


class QueriedGauges(Collector):
    """Gauges whose values one query function reads at scrape time, in its own session.

    `read(session)` returns {family name: [(label values, value), ...]}; a failure (the database away)
    leaves the families empty for that scrape rather than failing it: `liaison_dependency_up` says why.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        families: Sequence[tuple[str, str, Sequence[str]]],
        read: Callable[[Session], dict[str, Iterable[tuple[Sequence[str], float]]]],
    ) -> None:
        self.sessions = sessions
        self.families = families
        self.read = read

    def describe(self) -> list[Metric]:  # lets the registry check names without a query
        return [GaugeMetricFamily(name, doc, labels=labels) for name, doc, labels in self.families]

    def collect(self) -> list[Metric]:
        found: dict[str, Iterable[tuple[Sequence[str], float]]] = {}
        try:
            with self.sessions() as session:
                found = self.read(session)
        except Exception as exc:
            log.warning("metrics query failed", extra={"error": type(exc).__name__})
        families: list[Metric] = []
        for name, doc, labels in self.families:
            family = GaugeMetricFamily(name, doc, labels=labels)
            for values, value in found.get(name, ()):
                family.add_metric(list(values), value)
            families.append(family)
        return families


def outbox_gauges(sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> QueriedGauges:
    def read(session: Session) -> dict[str, Iterable[tuple[Sequence[str], float]]]:
        pending = col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.IN_PROGRESS])
        counts = {"pending": 0, "failed": 0}
        # Two indexed counts rather than one GROUP BY over every sent row kept for its retention.
        counts["pending"] = session.scalar(select(func.count()).select_from(OutboxMessage).where(pending)) or 0
        counts["failed"] = (
            session.scalar(
                select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.status) == OutboxStatus.FAILED)
            )
            or 0
        )
        oldest = session.scalar(select(func.min(col(OutboxMessage.created_at))).where(pending))
        age = max((clock() - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        return {
            "liaison_outbox_rows": [((state,), float(n)) for state, n in counts.items()],
            "liaison_outbox_oldest_pending_age_seconds": [((), age)],
        }

    return QueriedGauges(
        sessions,
        [
            ("liaison_outbox_rows", "Outbox rows not yet published, by state (pending, failed).", ("state",)),
            ("liaison_outbox_oldest_pending_age_seconds", "Age of the oldest pending outbox row.", ()),
        ],
        read,
    )
