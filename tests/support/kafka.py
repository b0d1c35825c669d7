"""A Kafka broker of the test session's own, on free ports, through the project's infra scripts."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from infra.kafka.admin import create_topics
from tests.support.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = REPO_ROOT / "infra" / "kafka"


class KafkaBroker:
    def __init__(self) -> None:
        self.port = free_port()
        self.controller_port = free_port()
        self.datadir = Path(tempfile.mkdtemp(prefix="liaison-kafka-"))
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "KAFKA_DATA_DIR": str(self.datadir),
        }

    def start(self) -> KafkaBroker:
        result = subprocess.run([str(SCRIPTS / "start.sh")], env=self.env, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"Kafka did not start:\n{result.stdout}\n{result.stderr}")
        create_topics(self.bootstrap)
        return self

    def stop(self) -> None:
        try:
            subprocess.run([str(SCRIPTS / "stop.sh")], env=self.env, capture_output=True, timeout=60)
        finally:
            shutil.rmtree(self.datadir, ignore_errors=True)
