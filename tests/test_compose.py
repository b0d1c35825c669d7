"""docker-compose.yml is a valid Compose file with no default secrets and a healthcheck on every
long-running container. Validated by Debian's docker-compose (v1.29), which needs no Docker engine."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SECRETS = {
    "POSTGRES_PASSWORD": "test-password",
    "LIAISON_IDENTITY_SECRET": "test-identity-secret",
    "LIAISON_TOKEN_SECRET": "test-token-secret-0123456789abcdef",
}
LONG_RUNNING = {"kafka", "postgres", "partners", "engagements", "notifications", "gateway"}
ONE_SHOT = {"kafka-topics"}


def run_compose(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is not on PATH: .ci/run installs it (apt-get install -y docker-compose)")
    # An empty env file keeps a stray .env out of the test; the caller's secrets are dropped too.
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    base_env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run(
        [binary, "--env-file", str(empty_env_file), "-f", str(COMPOSE_FILE), "config", *args],
        cwd=ROOT,
        env={**base_env, **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_compose_file_is_valid(tmp_path: Path) -> None:
    result = run_compose(tmp_path, "-q", env=SECRETS)
    assert result.returncode == 0, result.stderr


def test_postgres_password_has_no_default(tmp_path: Path) -> None:
    result = run_compose(tmp_path, "-q", env={"LIAISON_IDENTITY_SECRET": SECRETS["LIAISON_IDENTITY_SECRET"]})
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_every_long_running_service_has_a_healthcheck(tmp_path: Path) -> None:
    result = run_compose(tmp_path, env=SECRETS)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) == LONG_RUNNING | ONE_SHOT
    missing = sorted(name for name in LONG_RUNNING if "healthcheck" not in services[name])
    assert missing == [], f"services without a healthcheck: {missing}"
    for name in ("partners", "engagements", "notifications"):
        assert services[name]["depends_on"]["kafka-topics"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["gateway"]["ports"] == ["127.0.0.1:8000:8000/tcp"]


def test_the_gateways_token_secret_has_no_default(tmp_path: Path) -> None:
    result = run_compose(tmp_path, "-q", env={k: v for k, v in SECRETS.items() if k != "LIAISON_TOKEN_SECRET"})
    assert result.returncode != 0
    assert "LIAISON_TOKEN_SECRET" in result.stderr
