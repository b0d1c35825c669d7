"""The gateway as a real process in tests: its settings, its first admin, a login."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.identity import TEST_IDENTITY_SECRET
from tests.support.processes import REPO_ROOT, ServiceProcess

TEST_TOKEN_SECRET = secrets.token_urlsafe(32)  # this session's own, like TEST_IDENTITY_SECRET
ADMIN_PASSWORD = "integration admin password"


def gateway_env(service_urls: dict[str, str], database_url: str, **settings: str) -> dict[str, str]:
    env = {
        "LIAISON_GATEWAY_ENVIRONMENT": "test",
        "LIAISON_GATEWAY_IDENTITY_SECRET": TEST_IDENTITY_SECRET,
        "LIAISON_GATEWAY_TOKEN_SECRET": TEST_TOKEN_SECRET,
        "LIAISON_GATEWAY_DATABASE_URL": database_url,
        "LIAISON_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    env |= {f"LIAISON_GATEWAY_{name.upper()}_URL": url for name, url in service_urls.items()}
    # Without a broker given, its directory events stay in its outbox.
    env |= {"LIAISON_GATEWAY_KAFKA_ENABLED": "false"} if "KAFKA_BOOTSTRAP" not in settings else {}
    env |= {f"LIAISON_GATEWAY_{name.upper()}": value for name, value in settings.items()}
    return env


def start_gateway(
    service_urls: dict[str, str], database_url: str, log_dir: Path, *, wait: str = "/readyz", **settings: str
) -> ServiceProcess:
    """Migrates, creates `admin` (ADMIN_PASSWORD) on a fresh database, starts, waits for `wait` to answer 200."""
    env = gateway_env(service_urls, database_url, **settings)
    subprocess.run(
        [sys.executable, "-m", "gateway", "bootstrap-admin"],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        timeout=120,
    )
    gateway = ServiceProcess("gateway", env=env, log_dir=log_dir).start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if gateway.process.poll() is not None:
            raise RuntimeError(f"gateway exited:\n{gateway.log_tail()}")
        try:
            if httpx.get(gateway.url + wait, timeout=2).status_code == 200:
                return gateway
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"gateway not ready:\n{gateway.log_tail()}")


def login(gateway_url: str, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    response = httpx.post(
        f"{gateway_url}/api/v1/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_headers(gateway_url: str, username: str, roles: set[str]) -> dict[str, str]:
    """Bearer headers for `username` with `roles`: the admin creates the user on first use, then it logs in."""
    password = f"{username} test password"
    admin = bearer(login(gateway_url))
    created = httpx.post(
        f"{gateway_url}/api/v1/users",
        headers=admin,
        timeout=30,
        json={"username": username, "password": password, "roles": sorted(roles)},
    )
    if created.status_code != 409:  # 409: made by an earlier call
        created.raise_for_status()
    return bearer(login(gateway_url, username, password))
