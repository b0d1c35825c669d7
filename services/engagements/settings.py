from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.kit.settings import VAR_DIR, ServiceSettings, sqlite_url


class EngagementsSettings(ServiceSettings):
    """Environment: LIAISON_ENGAGEMENTS_DATABASE_URL, LIAISON_ENGAGEMENTS_KAFKA_BOOTSTRAP, ..."""

    model_config = SettingsConfigDict(env_prefix="LIAISON_ENGAGEMENTS_", extra="ignore")

    port: int = 8002
    metrics_port: int | None = Field(default=9182, ge=0, le=65535)
    database_url: str = sqlite_url("engagements")
    # Searches count exactly up to this many matches; beyond, the total and the facets are estimated on a
    # sample of about search_sample_rows engagements (the answer says so: total_is_estimate).
    search_total_cap: int = Field(default=500, ge=1)
    search_sample_rows: int = Field(default=5_000, ge=100)
    # Log by e-mail (mail_in.py): an SMTP listener for liaison@<mail_domain>; off without a port.
    mail_host: str = "127.0.0.1"
    mail_port: int | None = Field(default=None, ge=0, le=65535)
    mail_domain: str = "liaison.localhost"
    mail_max_bytes: int = Field(default=10_000_000, ge=1024)

    @property
    def mail_address(self) -> str:
        """The one address the listener takes messages for (LIAISON_ENGAGEMENTS_MAIL_DOMAIN)."""
        return f"liaison@{self.mail_domain.lower()}"

    # Attachments: the largest file taken (refused while it streams in, 413), and where files are kept.
    attachment_max_bytes: int = Field(default=25 * 1000 * 1000, ge=1024)
    attachment_store: Literal["filesystem", "s3"] = "filesystem"
    attachment_dir: Path = VAR_DIR / "attachments" / "engagements"
    attachment_s3_bucket: str | None = None
    attachment_s3_prefix: str = ""
    attachment_s3_endpoint_url: str | None = None  # MinIO, Ceph...: any S3-compatible store
    attachment_s3_region: str | None = None
    attachment_s3_access_key_id: str | None = None
    attachment_s3_secret_access_key: SecretStr | None = None  # none: boto3's own chain (role, env)

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Self:
        if self.attachment_store == "s3" and not self.attachment_s3_bucket:
            raise ValueError("LIAISON_ENGAGEMENTS_ATTACHMENT_S3_BUCKET is required with attachment_store=s3")
        return self

    @property
    def service_name(self) -> str:
        return "engagements"
