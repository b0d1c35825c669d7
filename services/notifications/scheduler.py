"""The background loop that sends due reminders and daily digests (the rules are in reminders.py)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from services.kit.types import utcnow
from services.notifications.metrics import DeliveryMetrics
from services.notifications.reminders import send_digests, send_due_reminders
from services.notifications.settings import NotificationsSettings

log = logging.getLogger("liaison.notifications.scheduler")


class Scheduler:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        settings: NotificationsSettings,
        clock: Callable[[], datetime] = utcnow,
        on_work: Callable[[], None] = lambda: None,
        metrics: DeliveryMetrics | None = None,
    ) -> None:
        self.sessions = sessions
        self.metrics = metrics
        self.settings = settings
        self.clock = clock
        self._on_work = on_work
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        now = self.clock()
        done = send_due_reminders(self.sessions, settings=self.settings, now=now)
        done += send_digests(self.sessions, settings=self.settings, now=now)
        if self.metrics is not None:
            self.metrics.scheduler_ran()
        if done:
            self._on_work()
        return done

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="reminder-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("scheduler round failed")
            self._stop.wait(self.settings.scheduler_interval_seconds)
