"""docker-compose.yml is a valid Compose file with no default secrets and a healthcheck on every
long-running container. Validated by Debian's docker-compose (v1.29), which needs no Docker engine."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from infra.local_secrets import NAMES

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SECRETS = {name: secrets.token_urlsafe(32) for name in (*NAMES, "POSTGRES_PASSWORD")}
LONG_RUNNING = {"kafka", "postgres", "partners", "engagements", "notifications", "gateway"}
ONE_SHOT = {"kafka-setup"}


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


def test_every_long_running_service_has_a_healthcheck(tmp_path: Path) -> None:
    result = run_compose(tmp_path, env=SECRETS)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) == LONG_RUNNING | ONE_SHOT
    missing = sorted(name for name in LONG_RUNNING if "healthcheck" not in services[name])
    assert missing == [], f"services without a healthcheck: {missing}"
    for name in ("partners", "engagements", "notifications"):
        assert services[name]["depends_on"]["kafka-setup"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["gateway"]["ports"] == ["127.0.0.1:8000:8000/tcp"]


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_no_secret_has_a_default(tmp_path: Path, missing: str) -> None:
    result = run_compose(tmp_path, "-q", env={k: v for k, v in SECRETS.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


def test_the_broker_lets_nobody_in_without_credentials_and_every_service_has_its_own(tmp_path: Path) -> None:
    services = yaml.safe_load(run_compose(tmp_path, env=SECRETS).stdout)["services"]
    kafka = services["kafka"]["environment"]
    protocols = dict(pair.split(":") for pair in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert set(protocols.values()) <= {"SASL_PLAINTEXT", "SASL_SSL"}
    assert kafka["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false" and kafka["KAFKA_SUPER_USERS"] == "User:admin"
    assert SECRETS["LIAISON_KAFKA_ADMIN_PASSWORD"] in kafka["KAFKA_LISTENER_NAME_CLIENTS_PLAIN_SASL_JAAS_CONFIG"]
    for name in ("partners", "engagements", "notifications"):
        password = services[name]["environment"][f"LIAISON_{name.upper()}_KAFKA_SASL_PASSWORD"]
        assert password == SECRETS[f"LIAISON_KAFKA_{name.upper()}_PASSWORD"]
        assert services["kafka-setup"]["environment"][f"LIAISON_{name.upper()}_KAFKA_SASL_PASSWORD"] == password
