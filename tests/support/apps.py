"""A service's app in-process for unit tests: test settings, a signed TestClient."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.kit.identity import Caller
from services.kit.settings import ServiceSettings
from tests.support.identity import OFFICER, TEST_IDENTITY_SECRET, SignedAs

Settings = TypeVar("Settings", bound=ServiceSettings)


def unit_settings(settings_class: type[Settings], **overrides: Any) -> Settings:
    """Settings for an in-process service: no Kafka (tests drive the relay and consumers by hand), no metrics
    port (tests read `app.state.metrics.registry`)."""
    defaults = {
        "environment": "test",
        "kafka_enabled": False,
        "identity_secret": TEST_IDENTITY_SECRET,
        "metrics_port": None,
    }
    return settings_class(**(defaults | overrides))


@contextmanager
def service_client(
    create_app: Callable[..., FastAPI], settings: ServiceSettings, *, caller: Caller = OFFICER, **app_options: Any
) -> Iterator[TestClient]:
    """The app with its lifespan run, every request signed as `caller` (as the gateway would)."""
    with TestClient(create_app(settings, **app_options), raise_server_exceptions=False) as client:
        client.auth = SignedAs(caller)
        yield client
