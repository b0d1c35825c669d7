"""No secret is a constant (issue 10, defect 1): `make up` makes its own on first run, keeps them under
var/ (0600) and reuses them; the strings once published in the repository open nothing; a process
started without its secrets refuses to, and says which variable is missing."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from services.kit.identity import Caller, sign
from tests.support.databases import migrate

REPO_ROOT = Path(__file__).resolve().parents[2]
# What the repository published before issue 10 (gateway/settings.py, services/kit/settings.py).
PUBLISHED_TOKEN_SECRET = "liaison-development-only-token-signing-secret"
PUBLISHED_IDENTITY_SECRET = "liaison-development-only-identity-secret"
SERVICES = ("partners", "engagements", "notifications")


@pytest.fixture
def runner_env(tmp_path, monkeypatch):
    """The environment `make up` hands its children, with the secrets file in a folder of the test's own."""
    from infra.run import Component, child_environment

    for name in list(os.environ):
        if "SECRET" in name or "PASSWORD" in name or name == "LIAISON_ENVIRONMENT":
            monkeypatch.delenv(name)
    monkeypatch.setenv("LIAISON_SECRETS_FILE", str(tmp_path / "var" / "secrets.env"))
    services = [Component(name, f"services.{name}", 8001 + i) for i, name in enumerate(SERVICES)]
    return child_environment(services)


def forged_admin_token(secret: str) -> str:
    now = int(time.time())
    claims = {
        "iss": "liaison-gateway",
        "sub": "ghost",  # no such user
        "roles": ["admin"],
        "jti": str(uuid.uuid4()),
        "fam": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 600,
        "typ": "access",
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def test_the_gateway_make_up_starts_refuses_an_admin_token_signed_with_the_published_string(
    runner_env, monkeypatch, gateway_engine_url
):
    from gateway.app import create_app
    from gateway.settings import GatewaySettings

    for name, value in runner_env.items():
        if name.startswith("LIAISON_"):
            monkeypatch.setenv(name, value)
    settings = GatewaySettings(database_url=gateway_engine_url, metrics_port=None)
    with TestClient(create_app(settings), raise_server_exceptions=False) as gateway:
        response = gateway.get(
            "/api/v1/users", headers={"Authorization": f"Bearer {forged_admin_token(PUBLISHED_TOKEN_SECRET)}"}
        )
    assert response.status_code == 401, response.text


def test_a_service_make_up_starts_refuses_an_identity_signed_with_the_published_string(
    runner_env, monkeypatch, tmp_path
):
    from services.engagements.app import create_app
    from services.engagements.settings import EngagementsSettings

    for name, value in runner_env.items():
        if name.startswith("LIAISON_"):
            monkeypatch.setenv(name, value)
    url = migrate("engagements", f"sqlite:///{tmp_path}/engagements.db")
    settings = EngagementsSettings(database_url=url, kafka_enabled=False, metrics_port=None)
    admin = Caller(user="ghost", roles=frozenset({"admin"}))
    with TestClient(create_app(settings), raise_server_exceptions=False) as service:
        headers = sign(admin, secret=PUBLISHED_IDENTITY_SECRET, method="GET", path="/api/v1/engagements")
        response = service.get("/api/v1/engagements", headers=headers)
    assert response.status_code == 401, response.text


def test_the_runner_makes_random_secrets_once_keeps_them_0600_and_hands_them_to_every_process(runner_env, tmp_path):
    from infra.run import Component, child_environment

    secrets_file = tmp_path / "var" / "secrets.env"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    identity = runner_env["LIAISON_GATEWAY_IDENTITY_SECRET"]
    assert len(identity) >= 32 and identity != PUBLISHED_IDENTITY_SECRET
    assert {runner_env[f"LIAISON_{name.upper()}_IDENTITY_SECRET"] for name in SERVICES} == {identity}
    assert len(runner_env["LIAISON_GATEWAY_TOKEN_SECRET"]) >= 32
    assert runner_env["LIAISON_GATEWAY_TOKEN_SECRET"] not in (identity, PUBLISHED_TOKEN_SECRET)
    kafka_passwords = {runner_env[f"LIAISON_{name.upper()}_KAFKA_SASL_PASSWORD"] for name in SERVICES}
    assert len(kafka_passwords) == len(SERVICES), "each service has a Kafka password of its own"
    assert runner_env["LIAISON_KAFKA_ADMIN_PASSWORD"] not in kafka_passwords

    again = child_environment([Component(name, f"services.{name}", 8001) for name in SERVICES])
    secret_names = [name for name in runner_env if "SECRET" in name or "PASSWORD" in name]
    assert len(secret_names) >= 9
    assert {k: again[k] for k in secret_names} == {k: runner_env[k] for k in secret_names}, "reused"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600


def test_a_secrets_file_others_can_read_is_tightened_and_one_missing_a_secret_is_completed(tmp_path):
    from infra.local_secrets import load_or_create

    path = tmp_path / "secrets.env"
    path.write_text("LIAISON_IDENTITY_SECRET=kept-from-an-older-run-0123456789abcdef\n")
    path.chmod(0o644)
    secrets = load_or_create(path)
    assert secrets["LIAISON_IDENTITY_SECRET"] == "kept-from-an-older-run-0123456789abcdef"
    assert len(secrets["LIAISON_TOKEN_SECRET"]) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create(path) == secrets


@pytest.fixture
def gateway_engine_url(tmp_path):
    return migrate("gateway", f"sqlite:///{tmp_path}/gateway.db")


def bare_environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "KAFKA_")) or k == "LIAISON_LOG_DIR"}
    env["LIAISON_SECRETS_FILE"] = str(tmp_path / "no-secrets-here.env")
    for name in (*SERVICES, "gateway"):
        env[f"LIAISON_{name.upper()}_DATABASE_URL"] = f"sqlite:///{tmp_path}/{name}.db"
    return env


@pytest.mark.processes
@pytest.mark.parametrize(
    ("module", "missing"),
    [
        ("services.partners", "LIAISON_PARTNERS_IDENTITY_SECRET"),
        ("services.notifications", "LIAISON_NOTIFICATIONS_IDENTITY_SECRET"),
        ("gateway", "LIAISON_GATEWAY_TOKEN_SECRET"),
    ],
)
def test_a_process_without_its_secrets_exits_at_once_naming_what_is_missing(tmp_path, module, missing):
    result = subprocess.run(
        [sys.executable, "-m", module, "serve"],
        cwd=REPO_ROOT,
        env=bare_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert missing in result.stderr
    assert "Traceback" not in result.stderr, "a clear message, not a stack trace"
    assert not list(tmp_path.glob("*.db")), "nothing was created before the refusal"
