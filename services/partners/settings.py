from pydantic_settings import SettingsConfigDict

from services.kit.settings import ServiceSettings, sqlite_url


class PartnersSettings(ServiceSettings):
    """Environment: LIAISON_PARTNERS_DATABASE_URL, LIAISON_PARTNERS_KAFKA_BOOTSTRAP, ..."""

    model_config = SettingsConfigDict(env_prefix="LIAISON_PARTNERS_", extra="ignore")

    port: int = 8001
    database_url: str = sqlite_url("partners")

    @property
    def service_name(self) -> str:
        return "partners"
