from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.kit.attachments import AttachmentSettings
from services.kit.settings import sqlite_url


class PartnersSettings(AttachmentSettings):
    """Environment: LIAISON_PARTNERS_DATABASE_URL, LIAISON_PARTNERS_KAFKA_BOOTSTRAP, ...;
    attachments: LIAISON_PARTNERS_ATTACHMENT_* (kit/attachments.py)."""

    model_config = SettingsConfigDict(env_prefix="LIAISON_PARTNERS_", extra="ignore")

    port: int = 8001
    metrics_port: int | None = Field(default=9181, ge=0, le=65535)
    database_url: str = sqlite_url("partners")
    # CSV import jobs: rows per batch (one transaction each, written in bulk: on SQLite it holds the
    # write lock, well under 1 ms a row), how long a worker holds a job between two batches before another may take it
    # over, how often idle workers look for queued jobs, how many failed runs before a job is failed.
    import_batch_rows: int = Field(default=1000, ge=1, le=10_000)
    import_lease_seconds: float = Field(default=60.0, gt=0)
    import_poll_seconds: float = Field(default=2.0, gt=0)
    import_max_failures: int = Field(default=3, ge=1)
    # A job's answer lists at most this many refused lines (`rows_refused` counts them all).
    import_errors_shown: int = Field(default=1000, ge=1)
    # Finished jobs (and their refused lines) are deleted after this many days.
    import_retention_days: float = Field(default=30.0, gt=0)

    @property
    def service_name(self) -> str:
        return "partners"
