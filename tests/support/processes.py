"""The services as real processes (uvicorn), the way `make up` and production run them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]


class ServiceProcess:
    def __init__(self, name: str, *, env: dict[str, str], log_dir: Path, port: int | None = None) -> None:
        self.name = name
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        prefix = f"LIAISON_{name.upper()}_"
        # Its metrics on a free port too, unless the test chose one: the defaults may be taken.
        self.metrics_port = int(env.get(prefix + "METRICS_PORT") or free_port())
        self.env = {
            **os.environ,
            **env,
            prefix + "PORT": str(self.port),
            prefix + "HOST": "127.0.0.1",
            prefix + "METRICS_PORT": str(self.metrics_port),
        }
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        module = "gateway" if self.name == "gateway" else f"services.{self.name}"
        return [sys.executable, "-m", module, "serve"]

    def start(self) -> ServiceProcess:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        return self

    def wait_ready(self, timeout: float = 60.0) -> ServiceProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """kill -9: no lifespan shutdown, no flush, nothing graceful."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()
