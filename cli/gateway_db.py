"""The gateway's database for the users and keys commands: migrated, one unit of work per command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import Session


@contextmanager
def gateway_session() -> Iterator[Session]:
    from gateway.settings import GatewaySettings
    from services.kit.db import make_engine, make_session_factory, unit_of_work
    from services.kit.migrations import upgrade
    from services.kit.settings import load_settings

    settings = load_settings(GatewaySettings, kafka_enabled=False)
    upgrade(Path(__file__).resolve().parents[1] / "gateway" / "migrations", settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        yield from unit_of_work(make_session_factory(engine))
    finally:
        engine.dispose()
