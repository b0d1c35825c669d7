from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.kit.attachments import AttachmentSettings
from services.kit.settings import sqlite_url


class EngagementsSettings(AttachmentSettings):
    """Environment: LIAISON_ENGAGEMENTS_DATABASE_URL, LIAISON_ENGAGEMENTS_KAFKA_BOOTSTRAP, ...;
    attachments: LIAISON_ENGAGEMENTS_ATTACHMENT_* (kit/attachments.py)."""

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
    # Where contacts' sealing keys are asked for (contact_copies.py: their e-mail addresses match mail).
    partners_url: str = "http://127.0.0.1:8001"
    partners_timeout_seconds: float = Field(default=5.0, gt=0)

    @property
    def mail_address(self) -> str:
        """The one address the listener takes messages for (LIAISON_ENGAGEMENTS_MAIL_DOMAIN)."""
        return f"liaison@{self.mail_domain.lower()}"

    @property
    def service_name(self) -> str:
        return "engagements"
