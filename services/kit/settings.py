"""Typed settings every service shares; each service subclasses with its own env prefix."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = REPO_ROOT / "var"


def sqlite_url(name: str) -> str:
    return f"sqlite:///{VAR_DIR / f'{name}.db'}"


class ServiceSettings(BaseSettings):
    """Read from `LIAISON_<SERVICE>_*` variables (see each service's settings.py)."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 0
    database_url: str = ""
    kafka_bootstrap: str = "127.0.0.1:9092"
    # Off only for unit tests that drive the relay and consumers by hand.
    kafka_enabled: bool = True
    relay_batch_size: int = Field(default=200, ge=1)
    relay_idle_seconds: float = Field(default=0.5, gt=0)
    relay_lease_seconds: float = Field(default=30.0, gt=0)
    consumer_max_attempts: int = Field(default=3, ge=1)
    log_level: str = "INFO"

    @property
    def service_name(self) -> str:
        raise NotImplementedError

    @property
    def topic(self) -> str:
        return f"liaison.{self.service_name}.v1"

    @property
    def event_source(self) -> str:
        return f"/liaison/{self.service_name}"
