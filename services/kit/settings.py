"""Typed settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

import sys
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Self, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.kit.kafka import KafkaConnection

REPO_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = REPO_ROOT / "var"


S = TypeVar("S", bound=BaseSettings)


def sqlite_url(name: str) -> str:
    return f"sqlite:///{VAR_DIR / f'{name}.db'}"


MIN_SECRET_LENGTH = 32


def secret_problem(value: SecretStr | None, *, env: str) -> str | None:
    if value is None or not value.get_secret_value():
        return f"{env} is not set"
    if len(value.get_secret_value()) < MIN_SECRET_LENGTH:
        return f"{env} must be at least {MIN_SECRET_LENGTH} characters"
    return None


class LiaisonSettings(BaseSettings):
    """What every process has, the gateway included."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 0
    log_level: str = "INFO"
    # On SIGTERM the server stops accepting at once and lets requests in flight finish for at most this
    # long, then the lifespan stops the workers (relay, consumer: their batch committed). With the
    # workers' own stop (10 s each at most) it stays inside Kubernetes' 30 s grace period.
    shutdown_drain_seconds: int = Field(default=10, gt=0)
    # Shared by the gateway (signs the caller's identity) and the services (verify it).
    identity_secret: SecretStr | None = None
    # Prometheus' /metrics, on a port of its own (docs/metrics.md: each process has its default);
    # 0 takes a free port, None serves none (in-process tests read the app's registry directly).
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)

    def env_name(self, field: str) -> str:
        return f"{self.model_config.get('env_prefix', '')}{field}".upper()

    def required_secrets(self) -> list[str]:
        """The fields that must hold a secret. None has a default, in any environment: `make up` makes
        its own (infra/local_secrets.py), tests make theirs, production reads its secret store."""
        return ["identity_secret"]

    @model_validator(mode="after")
    def _secrets_are_given(self) -> Self:
        problems = [
            problem
            for name in self.required_secrets()
            if (problem := secret_problem(getattr(self, name), env=self.env_name(name)))
        ]
        if problems:
            raise ValueError(
                "; ".join(problems) + " (`make up` keeps this machine's secrets in var/secrets.env; "
                "production sets them from its secret store)"
            )
        return self

    def identity_key(self) -> str:
        return revealed(self.identity_secret)


def load_settings(settings_class: type[S], **overrides: Any) -> S:
    """The settings from the environment, or exit 2 with one line per problem, naming the variables
    (`LIAISON_PARTNERS_IDENTITY_SECRET is not set ...`): what a process started without its
    configuration should say, rather than a stack trace."""
    try:
        return settings_class(**overrides)
    except ValidationError as exc:
        prefix = settings_class.model_config.get("env_prefix", "")
        for error in exc.errors():
            where = "_".join(str(part) for part in error.get("loc", ()))
            message = error.get("msg", "").removeprefix("Value error, ")
            sys.stderr.write(f"error: {f'{prefix}{where}'.upper() + ': ' if where else ''}{message}\n")
        raise SystemExit(2) from None


class PublisherSettings(LiaisonSettings):
    """What a process publishing through its outbox has: its principal on the broker and its relay
    (the three services, and the gateway for the people directory)."""

    database_url: str = ""
    kafka_bootstrap: str = "127.0.0.1:9092"
    # Off only for unit tests that drive the relay and consumers by hand.
    kafka_enabled: bool = True
    # This process's principal on the broker (default: its name) and its password; ACLs
    # let it write its own topic and read what it consumes (infra/kafka/acls.py). SASL_PLAINTEXT is
    # for the loopback broker of `make up` and the tests; production uses SASL_SSL.
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_security_protocol: Literal["SASL_PLAINTEXT", "SASL_SSL"] = "SASL_PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256"] = "SCRAM-SHA-512"
    kafka_ssl_cafile: str | None = None
    relay_batch_size: int = Field(default=200, ge=1)
    relay_idle_seconds: float = Field(default=0.5, gt=0)
    relay_lease_seconds: float = Field(default=30.0, gt=0)
    # A row that fails this many times (or can never fit the broker's limit) is `failed`: it blocks
    # its key until `liaison outbox retry|skip`.
    relay_max_attempts: int = Field(default=10, ge=1)
    relay_max_message_bytes: int = Field(default=1_000_000, ge=1024)
    # Housekeeping: sent outbox rows (and a service's inbox rows) are deleted after their retention, in batches.
    outbox_retention_days: float = Field(default=7.0, gt=0)
    housekeeping_interval_seconds: float = Field(default=300.0, gt=0)
    housekeeping_batch_size: int = Field(default=500, ge=1)

    def required_secrets(self) -> list[str]:
        return [*super().required_secrets(), *(["kafka_sasl_password"] if self.kafka_enabled else [])]

    @property
    def service_name(self) -> str:
        raise NotImplementedError

    def kafka_connection(self) -> KafkaConnection:
        return KafkaConnection(
            bootstrap=self.kafka_bootstrap,
            username=self.kafka_sasl_username or self.service_name,
            password=self.kafka_sasl_password.get_secret_value() if self.kafka_sasl_password else "",
            security_protocol=self.kafka_security_protocol,
            mechanism=self.kafka_sasl_mechanism,
            ssl_cafile=self.kafka_ssl_cafile,
        )


class ServiceSettings(PublisherSettings):
    """Read from `LIAISON_<SERVICE>_*` variables (see each service's settings.py)."""

    consumer_max_attempts: int = Field(default=3, ge=1)
    # Keep the inbox longer than the topics' retention (7 days), so a redelivery is still recognised.
    inbox_retention_days: float = Field(default=14.0, gt=0)
    # Times are stored in UTC and shown (and grouped by day or quarter) in this IANA time zone.
    timezone: str = "America/Toronto"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name like America/Toronto") from None
        return value

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def revealed(secret: SecretStr | None) -> str:
    """A required secret's value: settings without it were refused when they were read."""
    if secret is None:
        raise RuntimeError("a required secret is missing (required_secrets() names it)")
    return secret.get_secret_value()
