"""A Kafka broker of the test session's own, on free ports, through the project's infra scripts: SASL
and ACLs as `make up` runs it, with passwords this session makes (none is a constant)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from infra.kafka.acls import ADMIN, SERVICES
from infra.kafka.admin import admin_connection, set_up
from services.kit.kafka import KafkaConnection
from tests.support.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = REPO_ROOT / "infra" / "kafka"


class KafkaBroker:
    def __init__(self) -> None:
        self.port = free_port()
        self.controller_port = free_port()
        self.datadir = Path(tempfile.mkdtemp(prefix="liaison-kafka-"))
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.passwords = {name: secrets.token_urlsafe(32) for name in (ADMIN, *(s.name for s in SERVICES))}
        self.env = {
            **os.environ,
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "KAFKA_DATA_DIR": str(self.datadir),
            **self.admin_env(),
        }

    def start(self) -> KafkaBroker:
        result = subprocess.run([str(SCRIPTS / "start.sh")], env=self.env, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"Kafka did not start:\n{result.stdout}\n{result.stderr}")
        set_up(self.connection(), {s.name: self.passwords[s.name] for s in SERVICES})
        return self

    def kill(self) -> None:
        """SIGKILL, as a crash would: no flush, no clean shutdown (the fault suite)."""
        pidfile = self.datadir / "kafka.pid"
        if pidfile.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pidfile.read_text().strip()), signal.SIGKILL)

    def restart(self) -> KafkaBroker:
        """Start again on the same ports and data, after a kill."""
        result = subprocess.run([str(SCRIPTS / "start.sh")], env=self.env, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"Kafka did not restart:\n{result.stdout}\n{result.stderr}")
        return self

    def stop(self) -> None:
        try:
            subprocess.run([str(SCRIPTS / "stop.sh")], env=self.env, capture_output=True, timeout=60)
        finally:
            shutil.rmtree(self.datadir, ignore_errors=True)

    def connection(self, user: str = ADMIN) -> KafkaConnection:
        """Who a client is on this broker: `admin` (everything; what tests use to read and write
        their own topics) or a service (only what its ACLs grant)."""
        if user == ADMIN:
            return admin_connection(self.bootstrap, self.admin_env())
        return KafkaConnection(bootstrap=self.bootstrap, username=user, password=self.passwords[user])

    def admin_env(self) -> dict[str, str]:
        return {"LIAISON_KAFKA_ADMIN_PASSWORD": self.passwords[ADMIN], "LIAISON_KAFKA_BOOTSTRAP": self.bootstrap}

    def service_env(self, *names: str) -> dict[str, str]:
        """The variables that put each named service (all of them by default) on this broker."""
        env = {}
        for name in names or tuple(s.name for s in SERVICES):
            prefix = f"LIAISON_{name.upper()}_"
            env |= {prefix + "KAFKA_BOOTSTRAP": self.bootstrap, prefix + "KAFKA_SASL_PASSWORD": self.passwords[name]}
        return env

    def service_settings(self, name: str) -> dict[str, str]:
        """The same, as keyword arguments for a service's settings class."""
        return {"kafka_bootstrap": self.bootstrap, "kafka_sasl_password": self.passwords[name]}
