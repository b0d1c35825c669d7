"""Typed settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = REPO_ROOT / "var"


def sqlite_url(name: str) -> str:
    return f"sqlite:///{VAR_DIR / f'{name}.db'}"


# Good for one laptop only: every other environment must be given its own secret.
DEVELOPMENT_IDENTITY_SECRET = "liaison-development-only-identity-secret"  # noqa: S105 (the defect issue 10 removes)


class LiaisonSettings(BaseSettings):
    """What every process has, the gateway included."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 0
    log_level: str = "INFO"
    # Shared by the gateway (signs the caller's identity) and the services (verify it).
    identity_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _secret_outside_development(self):
        if self.identity_secret is None and self.environment != "development":
            raise ValueError(f"identity_secret must be set when environment is {self.environment!r}")
        if self.identity_secret is not None and len(self.identity_secret.get_secret_value()) < 16:
            raise ValueError("identity_secret must be at least 16 characters")
        return self

    def identity_key(self) -> str:
        if self.identity_secret is None:
            return DEVELOPMENT_IDENTITY_SECRET
        return self.identity_secret.get_secret_value()


class ServiceSettings(LiaisonSettings):
    """Read from `LIAISON_<SERVICE>_*` variables (see each service's settings.py)."""

    database_url: str = ""
    kafka_bootstrap: str = "127.0.0.1:9092"
    # Off only for unit tests that drive the relay and consumers by hand.
    kafka_enabled: bool = True
    relay_batch_size: int = Field(default=200, ge=1)
    relay_idle_seconds: float = Field(default=0.5, gt=0)
    relay_lease_seconds: float = Field(default=30.0, gt=0)
    consumer_max_attempts: int = Field(default=3, ge=1)

    @property
    def service_name(self) -> str:
        raise NotImplementedError
