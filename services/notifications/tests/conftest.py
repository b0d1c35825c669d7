import threading
from datetime import UTC, datetime

import pytest

from services.kit.db import make_session_factory
from services.kit.identity import Caller
from services.notifications.app import create_app
from services.notifications.consumers import Consumers, Runtime
from services.notifications.settings import NotificationsSettings
from tests.support.apps import service_client, unit_settings
from tests.support.identity import SignedAs

OFFICER = Caller("officer@example.test", frozenset({"officer"}))
ADMIN = Caller("admin@example.test", frozenset({"admin"}))
INTEGRATION = Caller("bi@example.test", frozenset({"integration"}))


class Clock:
    """Time the tests set: nothing here ever sleeps to let time pass."""

    def __init__(self, now: datetime = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)) -> None:
        self.now = now
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def set(self, now: datetime) -> None:
        with self._lock:
            self.now = now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def settings():
    return unit_settings(NotificationsSettings, smtp_host="127.0.0.1", smtp_port=1, retry_base_seconds=1.0)


@pytest.fixture
def notifications_engine(new_engine):
    return new_engine("notifications")


@pytest.fixture
def sessions(notifications_engine):
    return make_session_factory(notifications_engine)


@pytest.fixture
def runtime(settings, clock):
    return Runtime(settings=settings, clock=clock)


@pytest.fixture
def consumers(runtime):
    return Consumers(runtime)


@pytest.fixture
def client(settings, notifications_engine, clock):
    with service_client(create_app, settings, caller=OFFICER, engine=notifications_engine, clock=clock) as client:
        yield client


def as_(client, caller: Caller):
    client.auth = SignedAs(caller)
    return client
