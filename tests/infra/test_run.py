"""`python -m infra.run --check` (the runner behind `make up`) comes up on free ports and leaves nothing behind."""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.ports import free_ports

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("partners", "engagements", "notifications")


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def runner_environment(tmp_path: Path, ports: dict[str, int]) -> dict[str, str]:
    env = {
        **os.environ,
        "KAFKA_PORT": str(ports["kafka"]),
        "KAFKA_CONTROLLER_PORT": str(ports["controller"]),
        "KAFKA_DATA_DIR": str(tmp_path / "kafka"),
        "LIAISON_LOG_DIR": str(tmp_path / "log"),
        "LIAISON_GATEWAY_PORT": str(ports["gateway"]),
        "LIAISON_GATEWAY_METRICS_PORT": str(ports["gateway-metrics"]),
        "LIAISON_GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
        "LIAISON_ENGAGEMENTS_MAIL_PORT": str(ports["mail"]),
    }
    for name in [name for name in env if "SECRET" in name or "PASSWORD" in name]:
        env.pop(name)  # the runner makes its own, in a file of this test's
    env["LIAISON_SECRETS_FILE"] = str(tmp_path / "var" / "secrets.env")
    for name in SERVICES:
        prefix = f"LIAISON_{name.upper()}_"
        env[prefix + "PORT"] = str(ports[name])
        env[prefix + "METRICS_PORT"] = str(ports[f"{name}-metrics"])
        env[prefix + "KAFKA_BOOTSTRAP"] = f"127.0.0.1:{ports['kafka']}"
        env[prefix + "DATABASE_URL"] = f"sqlite:///{tmp_path / f'{name}.db'}"
        env[f"LIAISON_GATEWAY_{name.upper()}_URL"] = f"http://127.0.0.1:{ports[name]}"
    return env


@pytest.mark.processes
@pytest.mark.kafka
def test_check_comes_up_prints_the_urls_and_stops_everything(tmp_path: Path) -> None:
    names = (
        "gateway",
        *SERVICES,
        "kafka",
        "controller",
        "mail",
        *(f"{name}-metrics" for name in ("gateway", *SERVICES)),
    )
    ports = dict(zip(names, free_ports(len(names)), strict=False))

    result = subprocess.run(
        [sys.executable, "-m", "infra.run", "--check"],
        cwd=REPO_ROOT,
        env=runner_environment(tmp_path, ports),
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"http://127.0.0.1:{ports['gateway']}/api/v1" in result.stdout
    assert result.stdout.rstrip().endswith("stopped")
    assert f"on SMTP 127.0.0.1:{ports['mail']}" in result.stdout  # log by e-mail, on the port asked for
    assert "created user 'admin'; its password, shown this once: " in result.stdout
    # The demo directory went in through partners, reached engagements as events, and got its engagements.
    assert re.search(r"demo: (\d+) of \1 demo partners known from the partners service", result.stdout), result.stdout
    assert re.search(r"demo: [1-9]\d* engagements added", result.stdout), result.stdout
    assert [name for name, port in ports.items() if listening(port)] == []
    assert not (tmp_path / "kafka" / "kafka.pid").exists()
    secrets = tmp_path / "var" / "secrets.env"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600, "made on the first run, for its owner only"
    assert stat.S_IMODE((tmp_path / "kafka" / "server.properties").stat().st_mode) == 0o600


def test_two_replicas_of_each_service_share_the_gateway_and_the_databases(monkeypatch) -> None:
    from infra import run

    monkeypatch.setenv("LIAISON_REPLICAS", "2")
    for name in (*SERVICES, "gateway"):
        monkeypatch.delenv(f"LIAISON_{name.upper()}_PORT", raising=False)
        monkeypatch.delenv(f"LIAISON_{name.upper()}_METRICS_PORT", raising=False)
        monkeypatch.delenv(f"LIAISON_GATEWAY_{name.upper()}_URL", raising=False)
    monkeypatch.delenv("LIAISON_GATEWAY_WORKERS", raising=False)
    services = [
        run.Component.configured(name, f"services.{name}", port, replica)
        for name, port in run.SERVICE_PORTS.items()
        for replica in (1, 2)
    ]
    env = run.child_environment(services)
    assert [(s.name, s.port) for s in services][:2] == [("partners", 8001), ("partners-2", 8011)]
    assert env["LIAISON_GATEWAY_PARTNERS_URL"] == "http://127.0.0.1:8001,http://127.0.0.1:8011"
    assert env["LIAISON_GATEWAY_WORKERS"] == "2"
    assert services[1].env == {"LIAISON_PARTNERS_PORT": "8011", "LIAISON_PARTNERS_METRICS_PORT": "9191"}, (
        "each replica listens on its own ports"
    )
    engagements = [s for s in services if s.service == "engagements"]
    assert [s.env.get("LIAISON_ENGAGEMENTS_MAIL_PORT") for s in engagements] == [str(run.MAIL_PORT), None], (
        "one SMTP listener: the first instance's"
    )
