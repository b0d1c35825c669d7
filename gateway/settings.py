from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.kit.settings import LiaisonSettings, sqlite_url

# Good for one laptop only, like the identity secret: every other environment configures its own.
DEVELOPMENT_TOKEN_SECRET = "liaison-development-only-token-signing-secret"  # noqa: S105 (the defect issue 10 removes)
LOCAL_ISSUER = "liaison-gateway"


class GatewaySettings(LiaisonSettings):
    """Environment: LIAISON_GATEWAY_PARTNERS_URL, LIAISON_GATEWAY_PORT, LIAISON_GATEWAY_TOKEN_SECRET, ..."""

    model_config = SettingsConfigDict(env_prefix="LIAISON_GATEWAY_", extra="ignore")

    port: int = 8000
    # Each uvicorn worker keeps its own rate-limit buckets and caches; revocations reach all of
    # them through the database within `revocation_poll_seconds`.
    workers: int = Field(default=1, ge=1)
    database_url: str = sqlite_url("gateway")
    partners_url: str = "http://127.0.0.1:8001"
    engagements_url: str = "http://127.0.0.1:8002"
    notifications_url: str = "http://127.0.0.1:8003"
    # aiohttp: measured several times faster than httpx's pool under load (tests/bench/gateway_throughput.py).
    transport: Literal["aiohttp", "httpx"] = "aiohttp"
    connect_timeout: float = Field(default=2.0, gt=0)
    read_timeout: float = Field(default=15.0, gt=0)
    max_connections_per_service: int = Field(default=100, ge=1)
    # Retries apply to idempotent methods only, and only when the request never reached the service.
    retries: int = Field(default=1, ge=0, le=5)
    breaker_failures: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = Field(default=5.0, gt=0)

    # Built-in issuer for local users (HS256).
    token_secret: SecretStr | None = None
    token_issuer: str = LOCAL_ISSUER
    access_token_seconds: int = Field(default=900, ge=10)
    refresh_token_seconds: int = Field(default=14 * 24 * 3600, ge=60)
    revocation_poll_seconds: float = Field(default=1.0, gt=0)

    # Single sign-on: tokens from this issuer are checked against its JWKS.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_user_claim: str = "sub"
    oidc_roles_claim: str = Field(default="roles", description="dotted path, e.g. realm_access.roles")
    # External role -> Liaison role; empty: external roles named like Liaison's pass as they are.
    oidc_role_map: dict[str, str] = Field(default_factory=dict)
    # An unknown `kid` refetches the JWKS, at most this often (a flood of forged kids costs nothing).
    oidc_jwks_min_refetch_seconds: float = Field(default=10.0, ge=0)
    oidc_leeway_seconds: int = Field(default=30, ge=0)

    # Token bucket per user or API key (per worker).
    rate_limit_per_second: float = Field(default=20.0, gt=0)
    rate_limit_burst: int = Field(default=60, ge=1)
    openapi_refresh_seconds: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _token_secret_outside_development(self):
        if self.token_secret is None and self.environment != "development":
            raise ValueError(f"token_secret must be set when environment is {self.environment!r}")
        if self.token_secret is not None and len(self.token_secret.get_secret_value()) < 32:
            raise ValueError("token_secret must be at least 32 characters")
        return self

    def token_key(self) -> str:
        if self.token_secret is None:
            return DEVELOPMENT_TOKEN_SECRET
        return self.token_secret.get_secret_value()

    def service_urls(self) -> dict[str, str]:
        return {
            "partners": self.partners_url,
            "engagements": self.engagements_url,
            "notifications": self.notifications_url,
        }

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_jwks_url)
