"""A gateway in-process, on a migrated database of its own, in front of in-process stand-in services."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.models import User
from gateway.settings import GatewaySettings
from gateway.tokens import issue_access_token
from services.kit.db import make_engine, make_session_factory, unit_of_work
from tests.support.databases import migrate
from tests.support.gateway import TEST_TOKEN_SECRET
from tests.support.identity import TEST_IDENTITY_SECRET

PASSWORD = "a long enough password"


def gateway_settings(**overrides) -> GatewaySettings:
    values = {
        "environment": "test",
        "identity_secret": TEST_IDENTITY_SECRET,
        "token_secret": TEST_TOKEN_SECRET,
        "rate_limit_per_second": 1000,
        "rate_limit_burst": 1000,
        "revocation_poll_seconds": 0.2,
        "metrics_port": None,  # in-process: tests read app.state.metrics (the default port may be taken)
        "kafka_enabled": False,
    }
    return GatewaySettings(**(values | overrides))


def asgi_client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service")


def token_for(
    role: str | None = None,
    *,
    roles: list[str] | None = None,
    user: str | None = None,
    settings: GatewaySettings | None = None,
) -> str:
    """An access token from the gateway's own issuer, minted without a login (the user need not exist)."""
    roles = roles if roles is not None else [role]
    person = User(username=user or f"{'-'.join(roles) or 'nobody'}@example.test", roles=roles, password_hash="-")
    return issue_access_token(settings=settings or gateway_settings(), user=person, family_id=uuid.uuid4())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def add_user(engine, username: str, roles: list[str], password: str = PASSWORD) -> None:
    from gateway.accounts import create_user
    from gateway.schemas import UserCreate

    for session in unit_of_work(make_session_factory(engine)):
        create_user(session=session, data=UserCreate(username=username, password=password, roles=roles))


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """Still argon2id, with the smallest cost: the production parameters take ~0.2 s a hash here."""
    from argon2 import PasswordHasher

    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr("gateway.accounts.hasher", lambda: fast)


@pytest.fixture
def engine(new_engine):
    """The gateway's database on this test's backend (SQLite, then PostgreSQL): for tests about storage."""
    return new_engine("gateway")


@pytest.fixture
def gateway_engine(tmp_path):
    """SQLite: for tests about the gateway's behaviour, not its storage (those use new_database)."""
    engine = make_engine(migrate("gateway", f"sqlite:///{tmp_path}/gateway-{uuid.uuid4().hex[:8]}.db"))
    yield engine
    engine.dispose()


@pytest.fixture
def make_gateway(gateway_engine):
    """make_gateway({"partners": app_or_client, ...}, **settings) -> a started TestClient.
    `services=None`: the gateway's own transport to the settings' URLs (`partners_url`, ...);
    `wrap`: an ASGI wrapper around the whole gateway (what a server would put in front)."""
    started = []

    def make(services: dict | None, *, engine=None, wrap=lambda app: app, **overrides) -> TestClient:
        clients = None
        if services is not None:
            clients = {
                name: svc if isinstance(svc, httpx.AsyncClient) else asgi_client(svc) for name, svc in services.items()
            }
        app = create_app(gateway_settings(**overrides), clients=clients, engine=engine or gateway_engine)
        client = TestClient(wrap(app), raise_server_exceptions=False)
        client.__enter__()
        started.append(client)
        return client

    yield make
    for client in started:
        client.__exit__(None, None, None)


async def echo_service(scope, receive, send):
    """A downstream that answers with what it received, and some headers a proxy must not pass back."""
    import json

    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    payload = {
        "method": scope["method"],
        "path": scope["path"],
        "query": scope["query_string"].decode(),
        "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
        "body": body.decode(),
    }
    await send(
        {
            "type": "http.response.start",
            "status": 207,
            "headers": [
                (b"content-type", b"application/json"),
                (b"x-custom", b"kept"),
                (b"connection", b"close"),
                (b"x-request-id", b"downstream-made-this"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(payload).encode()})


ECHO_EVERYWHERE = {"partners": echo_service, "engagements": echo_service, "notifications": echo_service}
