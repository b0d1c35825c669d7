"""Alembic, run by the runner before a service starts (never `create_all` in production code)."""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config

from services.kit.db import is_sqlite, make_engine


def alembic_config(script_location: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    # ConfigParser treats % as interpolation; a URL-encoded password must survive it.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(script_location: Path, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(script_location, database_url), revision)


def downgrade(script_location: Path, database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(script_location, database_url), revision)


def run_env() -> None:
    """The body of every service's migrations/env.py."""
    url = context.config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as connection:
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        context.configure(connection=connection, render_as_batch=is_sqlite(url), compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
