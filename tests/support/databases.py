"""Fresh, migrated databases for tests: the schema always comes from the real Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from services.kit.migrations import upgrade

REPO_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = {
    name: REPO_ROOT / "services" / name / "migrations" for name in ("partners", "engagements", "notifications")
}
MIGRATIONS["gateway"] = REPO_ROOT / "gateway" / "migrations"

# The tables each database holds at head (besides alembic_version).
SERVICE_TABLES = {
    "partners": {
        "partners",
        "partner_names",
        "partner_thrusts",
        "relationships",
        "contacts",
        "mandates",
        "audit_entries",
        "contact_keys",
        "import_jobs",
        "import_files",
        "duplicate_dismissals",
        "import_refusals",
        "partner_attachments",
        "outbox",
    },
    "engagements": {
        "attachments",
        "contact_copies",
        "people",
        "partner_copies",
        "outbox",
        "inbox",
        "partner_relationships",
        "engagements",
        "engagement_partners",
        "engagement_thrusts",
        "engagement_officers",
        "engagement_teams",
        "follow_ups",
        "engagement_audit_entries",
        "idempotency_keys",
    },
    "notifications": {
        "known_people",
        "outbox",
        "inbox",
        "recipients",
        "subscriptions",
        "known_partners",
        "webhooks",
        "notifications",
        "deliveries",
        "delivery_attempts",
        "reminders",
    },
    "gateway": {
        "calendar_feeds",
        "users",
        "refresh_tokens",
        "api_keys",
        "revoked_tokens",
        "web_sessions",
        "user_preferences",
        "outbox",
        "teams",
    },
}


def migrate(service: str, url: str, revision: str = "head") -> str:
    upgrade(MIGRATIONS[service], url, revision)
    return url
