"""GET /api/v1/partners/{id}: a bare FastAPI route answering the same JSON from memory (the yardstick,
tests/bench/bare_route.py), straight to the partners service, through nginx (Debian's, a plain reverse
proxy with keep-alive to the service) and through the gateway, in one run, with wrk at the same
concurrency. Prints requests/s and p50/p99 latency for each, and the gateway's ratio to nginx.

Everything is on loopback, on free ports, on this machine's 2 cores (wrk included). The direct and
nginx runs carry an identity signed by the test (the service refuses unsigned requests); the
gateway runs carry an access token and the gateway signs for the caller, as in production.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from services.kit.identity import Caller, sign
from tests.bench import table
from tests.support.gateway import bearer, login, start_gateway
from tests.support.identity import TEST_IDENTITY_SECRET
from tests.support.kafka import KafkaBroker
from tests.support.ports import free_port
from tests.support.processes import REPO_ROOT, ServiceProcess

CONNECTIONS = 32
THREADS = 2
DURATION = "5s"
WARM_UP = "2s"
ROUNDS = 3
# What production runs; the gateway's access log line per request is part of the cost measured.
LOG_LEVEL = "INFO"
GATEWAYS = (("aiohttp", 1), ("aiohttp", 2), ("httpx", 1))
READER = Caller(user="bench@example.test", roles=frozenset({"viewer"}))
BARE = "bare FastAPI route (same JSON, memory)"
DIRECT = "direct to partners"
SERVICE_GOAL = 0.4  # of the bare route's requests/s (issue 12)
GATEWAY_GOAL = 0.8  # of nginx's

NGINX_CONF = """
worker_processes {workers};
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {root}/access.log;
    client_body_temp_path {root}/body; proxy_temp_path {root}/proxy; fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi; scgi_temp_path {root}/scgi;
    upstream partners {{ server 127.0.0.1:{service_port}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://partners;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}
}}
"""


def wrk(url: str, headers: dict[str, str], duration: str = DURATION) -> dict:
    args = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", duration, "--latency", url]
    for name, value in headers.items():
        args[1:1] = ["-H", f"{name}: {value}"]
    output = subprocess.run(args, capture_output=True, text=True, timeout=120, check=True).stdout

    def latency(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency("50%"),
        "p99": latency("99%"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def signed_for(path: str) -> dict[str, str]:
    # Signed just before each run: the service accepts an identity for 60 s.
    return sign(READER, secret=TEST_IDENTITY_SECRET, method="GET", path=path)


def summary(label: str, runs: list[dict]) -> dict:
    """The median run (by requests/s) of the rounds: one noisy round does not decide."""
    median = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
    failed = sum(r["non_2xx"] for r in runs)
    print(
        f"  {label:<34} {median['rps']:>8.0f} req/s   p50 {median['p50']:>7.2f} ms   p99 {median['p99']:>7.2f} ms"
        f"   (rounds: {', '.join(str(round(r['rps'])) for r in runs)})" + (f"   {failed} non-2xx!" if failed else ""),
        flush=True,
    )
    return median


class Nginx:
    def __init__(self, service_port: int, root: Path) -> None:
        self.port = free_port()
        self.root = root
        for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        (root / "nginx.conf").write_text(
            NGINX_CONF.format(workers=os.cpu_count() or 1, root=root, port=self.port, service_port=service_port)
        )
        self.process = subprocess.Popen(
            [
                shutil.which("nginx") or "/usr/sbin/nginx",
                "-c",
                str(root / "nginx.conf"),
                "-p",
                str(root),
                "-g",
                "daemon off;",
            ],
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"nginx did not start: {self.process.stderr.read().decode()}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGQUIT)
            self.process.wait(15)


class BareRoute:
    """tests/bench/bare_route.py in its own process, on a free port."""

    def __init__(self, body: bytes, root: Path) -> None:
        self.port = free_port()
        (root / "bare.json").write_bytes(body)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.bare_route", str(self.port), str(root / "bare.json")],
            cwd=REPO_ROOT,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the bare route did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(15)


def run(broker: KafkaBroker) -> None:
    if not (shutil.which("wrk") and (shutil.which("nginx") or Path("/usr/sbin/nginx").exists())):
        raise RuntimeError("wrk and nginx are needed: infra/system-packages.sh installs them")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        env = {
            "LIAISON_PARTNERS_DATABASE_URL": f"sqlite:///{root}/partners.db",
            "LIAISON_PARTNERS_ENVIRONMENT": "test",
            "LIAISON_PARTNERS_IDENTITY_SECRET": TEST_IDENTITY_SECRET,
            **broker.service_env("partners"),
        }
        partners = ServiceProcess("partners", env=env, log_dir=root).start().wait_ready()
        nginx = None
        bare = None
        gateways: dict[str, ServiceProcess] = {}
        try:
            officer = Caller(user="bench", roles=frozenset({"officer"}))
            created = httpx.post(
                partners.url + "/api/v1/partners",
                json={"kind": "state", "name_fr": "Banc d'essai"},
                headers=sign(officer, secret=TEST_IDENTITY_SECRET, method="POST", path="/api/v1/partners"),
            )
            path = f"/api/v1/partners/{created.json()['id']}"
            body = httpx.get(partners.url + path, headers=signed_for(path)).content
            bare = BareRoute(body, root)
            nginx = Nginx(partners.port, root / "nginx")
            for transport, workers in GATEWAYS:
                label = f"gateway ({transport}, {workers} worker{'s' if workers > 1 else ''})"
                logs = root / f"gateway-{transport}-{workers}"
                logs.mkdir()
                gateways[label] = start_gateway(
                    {"partners": partners.url},
                    f"sqlite:///{logs}/gateway.db",
                    logs,
                    wait="/healthz",
                    TRANSPORT=transport,
                    WORKERS=str(workers),
                    LOG_LEVEL=LOG_LEVEL,
                    RATE_LIMIT_PER_SECOND="1000000",
                    RATE_LIMIT_BURST="1000000",
                )
            targets = {
                BARE: (f"http://127.0.0.1:{bare.port}{path}", signed_for),
                DIRECT: (partners.url + path, signed_for),
                f"nginx ({os.cpu_count()} workers, keep-alive)": (f"http://127.0.0.1:{nginx.port}{path}", signed_for),
            }
            for label, gateway in gateways.items():
                token = bearer(login(gateway.url))
                targets[label] = (gateway.url + path, lambda _path, token=token: token)
            print(
                f"GET {path}: wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}, {ROUNDS} rounds taking turns (median "
                f"shown), {os.cpu_count()} cores shared by all, partners on SQLite with 1 uvicorn worker",
                flush=True,
            )
            runs: dict[str, list[dict]] = {label: [] for label in targets}
            for url, headers_for in targets.values():
                wrk(url, headers_for(httpx.URL(url).path), WARM_UP)
            for _ in range(ROUNDS):
                for label, (url, headers_for) in targets.items():
                    runs[label].append(wrk(url, headers_for(httpx.URL(url).path)))
            results = {label: summary(label, label_runs) for label, label_runs in runs.items()}
            nginx_rps = results[next(label for label in results if label.startswith("nginx"))]["rps"]
            bare_rps, direct = results[BARE]["rps"], results[DIRECT]
            print(f"  {DIRECT} / bare route = {direct['rps'] / bare_rps:.2f} (goal >= {SERVICE_GOAL})", flush=True)
            table.record(
                "partners GET /partners/{id}, 1 worker, wrk 32 conn.",
                f"≥ {SERVICE_GOAL} × bare route ({bare_rps:.0f} req/s)",
                direct["rps"],
                "req/s",
                target=SERVICE_GOAL * bare_rps,
                lower_is_better=False,
                database="SQLite",
            )
            table.record("partners GET /partners/{id}, p50", "(information)", direct["p50"], "ms", database="SQLite")
            for label, result in results.items():
                if label.startswith("gateway"):
                    print(f"  {label} / nginx = {result['rps'] / nginx_rps:.2f} (goal >= {GATEWAY_GOAL})", flush=True)
                    table.record(
                        f"{label} / nginx",
                        f"≥ {GATEWAY_GOAL}" if "aiohttp" in label else "(information: the fallback transport)",
                        result["rps"] / nginx_rps,
                        "×",
                        target=GATEWAY_GOAL if "aiohttp" in label else None,
                        lower_is_better=False,
                    )
        finally:
            for gateway in gateways.values():
                gateway.stop()
            if nginx is not None:
                nginx.stop()
            if bare is not None:
                bare.stop()
            partners.stop()
