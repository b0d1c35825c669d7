"""Fresh, migrated databases for tests: the schema always comes from the real Alembic migrations."""
from __future__ import annotations

from pathlib import Path

from services.kit.migrations import upgrade

REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = {name: REPO_ROOT / "services" / name / "migrations"
              for name in ("partners", "engagements", "notifications")}
MIGRATIONS["gateway"] = REPO_ROOT / "gateway" / "migrations"


def migrate(service: str, url: str) -> str:
    upgrade(MIGRATIONS[service], url)
    return url
