from ipaddress import IPv4Network, IPv6Network
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from services.kit.settings import PublisherSettings, revealed, sqlite_url

LOCAL_ISSUER = "liaison-gateway"


class GatewaySettings(PublisherSettings):
    """Environment: LIAISON_GATEWAY_PARTNERS_URL, LIAISON_GATEWAY_PORT, LIAISON_GATEWAY_TOKEN_SECRET, ...

    The gateway publishes the people directory (its users, liaison.directory.v1) through its own
    outbox and relay, as principal `gateway` (LIAISON_GATEWAY_KAFKA_SASL_PASSWORD)."""

    model_config = SettingsConfigDict(env_prefix="LIAISON_GATEWAY_", extra="ignore")

    port: int = 8000
    metrics_port: int | None = Field(default=9180, ge=0, le=65535)
    # Besides loopback, who may read the metrics port (comma-separated CIDRs); anyone else gets a 403.
    metrics_allowed_networks: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(default_factory=list)
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
    # Bodies over these are refused (413) before they are read; the larger one is for routes that take
    # files (the partners CSV import, whose service refuses more than 20 MB itself; engagement
    # attachments, 25 MB by default, LIAISON_ENGAGEMENTS_ATTACHMENT_MAX_BYTES, plus the multipart framing).
    body_limit_bytes: int = Field(default=1024 * 1024, ge=1024)
    import_body_limit_bytes: int = Field(default=26 * 1024 * 1024, ge=1024)

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
    # The web app's "Sign in with <issuer>" (authorization code + PKCE): shown when these are set too.
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None  # None: a public client (PKCE alone)
    oidc_authorize_url: str | None = None
    oidc_token_url: str | None = None
    oidc_scopes: str = "openid profile email"
    oidc_display_name: str | None = Field(default=None, description="the button's name; default: the issuer's host")

    # Token bucket per user or API key (per worker); per client address for logins.
    rate_limit_per_second: float = Field(default=20.0, gt=0)
    rate_limit_burst: int = Field(default=60, ge=1)
    # Failed logins: per account and client address, free ones, then a doubling wait up to the cap.
    login_backoff_free_failures: int = Field(default=5, ge=0)
    login_backoff_base_seconds: float = Field(default=1.0, gt=0)
    login_backoff_max_seconds: float = Field(default=900.0, gt=0)
    # Addresses or networks (CIDR) of the proxies in front of the gateway: X-Forwarded-For and
    # X-Forwarded-Proto are believed from them only. None by default, loopback included: anything
    # else lets a client choose the address its rate limits and login backoff are counted against.
    trusted_proxies: list[str] = Field(default_factory=list)
    openapi_refresh_seconds: float = Field(default=60.0, gt=0)

    # The web app's sessions: closed after this long without a request, and at the latest after the maximum.
    web_session_idle_seconds: int = Field(default=2 * 3600, ge=1)
    web_session_max_seconds: int = Field(default=12 * 3600, ge=60)

    @field_validator("metrics_allowed_networks", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def required_secrets(self) -> list[str]:
        return [*super().required_secrets(), "token_secret"]

    @property
    def service_name(self) -> str:
        return "gateway"

    def token_key(self) -> str:
        return revealed(self.token_secret)

    def service_urls(self) -> dict[str, str]:
        return {
            "partners": self.partners_url,
            "engagements": self.engagements_url,
            "notifications": self.notifications_url,
        }

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_jwks_url)

    @property
    def oidc_web_login(self) -> bool:
        return bool(self.oidc_enabled and self.oidc_client_id and self.oidc_authorize_url and self.oidc_token_url)
