from pydantic_settings import SettingsConfigDict

from services.kit.settings import ServiceSettings, sqlite_url


class NotificationsSettings(ServiceSettings):
    """Environment: LIAISON_NOTIFICATIONS_DATABASE_URL, LIAISON_NOTIFICATIONS_KAFKA_BOOTSTRAP, ..."""

    model_config = SettingsConfigDict(env_prefix="LIAISON_NOTIFICATIONS_", extra="ignore")

    port: int = 8003
    database_url: str = sqlite_url("notifications")

    @property
    def service_name(self) -> str:
        return "notifications"
