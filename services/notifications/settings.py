from ipaddress import IPv4Network, IPv6Network

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.kit.settings import ServiceSettings, sqlite_url


class NotificationsSettings(ServiceSettings):
    """Environment: LIAISON_NOTIFICATIONS_DATABASE_URL, LIAISON_NOTIFICATIONS_KAFKA_BOOTSTRAP, ..."""

    model_config = SettingsConfigDict(env_prefix="LIAISON_NOTIFICATIONS_", extra="ignore")

    port: int = 8003
    metrics_port: int | None = Field(default=9183, ge=0, le=65535)
    database_url: str = sqlite_url("notifications")
    # Asked (with this service's own identity) for what a restricted engagement's events leave out.
    engagements_url: str = "http://127.0.0.1:8002"
    engagements_timeout_seconds: float = Field(default=5.0, gt=0)

    # Email: off (no email deliveries are made) until an SMTP host is configured.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_from: str = "Liaison <liaison@localhost>"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)

    # The dispatcher: deliveries are independent rows; a slow receiver holds one slot, never the others.
    dispatch_concurrency: int = Field(default=16, ge=1)
    dispatch_idle_seconds: float = Field(default=0.2, gt=0)
    dispatch_lease_seconds: float = Field(default=60.0, gt=0)
    delivery_max_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: float = Field(default=2.0, gt=0)
    retry_max_seconds: float = Field(default=900.0, gt=0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    # Webhooks reach public addresses only (channels/destinations.py); these networks are let through
    # besides, for development and tests whose receivers listen on loopback. JSON: ["127.0.0.0/8"].
    webhook_allowed_networks: list[IPv4Network | IPv6Network] = Field(default_factory=list)

    # Follow-up reminders: N days before due_on (at reminder_hour, local time) and once overdue.
    reminder_days_before: int = Field(default=1, ge=0, le=60)
    reminder_hour: int = Field(default=8, ge=0, le=23)
    # Agreements (signed or in force): their officers and author are reminded N days before expires_on.
    agreement_renewal_days_before: int = Field(default=90, ge=1, le=730)
    scheduler_interval_seconds: float = Field(default=30.0, gt=0)
    # Links in emails and inbox entries.
    public_url: str = "http://127.0.0.1:8000"

    # Delivery logs (deliveries and their attempts, sent or failed) are purged after this many days.
    delivery_retention_days: float = Field(default=90.0, gt=0)

    @model_validator(mode="after")
    def _sends_end_before_their_lease(self):
        # A send still running when its lease ends could be claimed and sent a second time at once.
        longest = max(self.webhook_timeout_seconds, self.smtp_timeout_seconds if self.smtp_host else 0.0)
        if longest * 1.5 > self.dispatch_lease_seconds:
            raise ValueError(
                f"dispatch_lease_seconds ({self.dispatch_lease_seconds:g}) must be at least 1.5 times the longest "
                f"send deadline ({longest:g}s: webhook_timeout_seconds, smtp_timeout_seconds)"
            )
        return self

    @property
    def service_name(self) -> str:
        return "notifications"
