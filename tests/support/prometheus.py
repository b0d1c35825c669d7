"""A real Prometheus (Debian's package) for a test: the repository's scrape configuration and rules,
pointed at the test's own processes, on a free loopback port, with its storage in a temporary folder."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import yaml

from tests.support.ports import free_port

CONFIG = Path(__file__).resolve().parents[2] / "infra" / "prometheus" / "prometheus.yml"


class PrometheusServer:
    def __init__(self, targets: dict[str, str], *, scrape_interval: str = "1s") -> None:
        """`targets`: service name -> host:port of its metrics, replacing the local defaults ("self": this
        Prometheus' own /metrics)."""
        binary = shutil.which("prometheus")
        if binary is None:
            raise RuntimeError("prometheus is not on PATH: infra/system-packages.sh installs Debian's package")
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="liaison-prometheus-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = yaml.safe_load(CONFIG.read_text())
        config["global"] = {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval}
        config["rule_files"] = [str(CONFIG.parent / pattern) for pattern in config["rule_files"]]
        (job,) = config["scrape_configs"]
        job["static_configs"] = [
            {"targets": [f"127.0.0.1:{self.port}" if address == "self" else address], "labels": {"service": name}}
            for name, address in targets.items()
        ]
        self.config_path = self.root / "prometheus.yml"
        self.config_path.write_text(yaml.safe_dump(config))
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> PrometheusServer:
        self.process = subprocess.Popen(
            [
                self.binary,
                f"--config.file={self.config_path}",
                f"--storage.tsdb.path={self.root / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "prometheus.log", "wb"),  # noqa: SIM115 (closed with the process)
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"prometheus exited: {(self.root / 'prometheus.log').read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/-/ready", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError("prometheus not ready")

    def targets(self) -> list[dict]:
        return httpx.get(self.url + "/api/v1/targets", timeout=5).json()["data"]["activeTargets"]

    def wait_scraped(self, timeout: float = 20.0) -> list[dict]:
        """The targets once each has been scraped at least once (up or down)."""
        deadline = time.monotonic() + timeout
        while True:
            targets = self.targets()
            scraped = targets and all(t["health"] != "unknown" for t in targets)
            if scraped or time.monotonic() > deadline:
                return targets
            time.sleep(0.2)

    def rules(self) -> list[dict]:
        groups = httpx.get(self.url + "/api/v1/rules", timeout=5).json()["data"]["groups"]
        return [rule for group in groups for rule in group["rules"]]

    def query(self, expression: str) -> list[dict]:
        answer = httpx.get(self.url + "/api/v1/query", params={"query": expression}, timeout=5).json()
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)
