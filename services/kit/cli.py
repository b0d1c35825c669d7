"""`python -m services.<name> migrate|serve`: the same two commands for every service."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from services.kit.logging import configure_logging
from services.kit.migrations import upgrade
from services.kit.settings import ServiceSettings, load_settings


def run(
    *,
    settings_factory: type[ServiceSettings],
    migrations: Path,
    app_factory: str,
    argv: list[str] | None = None,
) -> int:
    settings = load_settings(settings_factory)
    parser = argparse.ArgumentParser(prog=f"python -m services.{settings.service_name}")
    parser.add_argument(
        "command",
        choices=["migrate", "serve"],
        help="migrate: apply the Alembic migrations; serve: migrate, then serve HTTP",
    )
    args = parser.parse_args(argv)
    configure_logging(settings.service_name, settings.log_level)
    upgrade(migrations, settings.database_url)
    if args.command == "serve":
        uvicorn.run(
            app_factory,
            factory=True,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=settings.shutdown_drain_seconds,
            proxy_headers=False,  # only the gateway calls a service; no forwarded header means anything
        )
    return 0
