"""A service's settings and database for the operations commands, by the service's name."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

SERVICES = ("partners", "engagements", "notifications")


def service_settings(name: str):
    """The service's settings from the environment (one line per missing variable, exit 2). These
    commands talk to its database or its routes, never to Kafka."""
    from services.kit.settings import load_settings

    module = importlib.import_module(f"services.{name}.settings")
    return load_settings(getattr(module, f"{name.capitalize()}Settings"), kafka_enabled=False)


@contextmanager
def service_session(name: str) -> Iterator[Session]:
    """One unit of work on the service's own database (LIAISON_<SERVICE>_DATABASE_URL), as it is."""
    from services.kit.db import make_engine, make_session_factory, unit_of_work

    engine = make_engine(service_settings(name).database_url)
    try:
        yield from unit_of_work(make_session_factory(engine))
    finally:
        engine.dispose()
