from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.kit.settings import LiaisonSettings


class GatewaySettings(LiaisonSettings):
    """Environment: LIAISON_GATEWAY_PARTNERS_URL, LIAISON_GATEWAY_PORT, ..."""

    model_config = SettingsConfigDict(env_prefix="LIAISON_GATEWAY_", extra="ignore")

    port: int = 8000
    partners_url: str = "http://127.0.0.1:8001"
    engagements_url: str = "http://127.0.0.1:8002"
    notifications_url: str = "http://127.0.0.1:8003"
    connect_timeout: float = Field(default=2.0, gt=0)
    read_timeout: float = Field(default=15.0, gt=0)
    max_connections_per_service: int = Field(default=100, ge=1)

    def service_urls(self) -> dict[str, str]:
        return {"partners": self.partners_url, "engagements": self.engagements_url,
                "notifications": self.notifications_url}
