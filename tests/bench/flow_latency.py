"""How long from `POST /api/v1/partners` at the gateway until engagements' read copy has the partner.

Real processes, a real broker, and each database backend in turn. Prints the median and p95
over N partners created one after another (the next POST waits until the previous one arrived).
"""
from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from tests.support.gateway import bearer, login, start_gateway
from tests.support.identity import TEST_IDENTITY_SECRET
from tests.support.processes import ServiceProcess

SERVICES = ("partners", "engagements", "notifications")


def start_stack(bootstrap: str, database_urls: dict[str, str], logs: Path) -> list[ServiceProcess]:
    env = {}
    for name in SERVICES:
        env[f"LIAISON_{name.upper()}_DATABASE_URL"] = database_urls[name]
        env[f"LIAISON_{name.upper()}_KAFKA_BOOTSTRAP"] = bootstrap
        env[f"LIAISON_{name.upper()}_LOG_LEVEL"] = "WARNING"
        env[f"LIAISON_{name.upper()}_ENVIRONMENT"] = "test"
        env[f"LIAISON_{name.upper()}_IDENTITY_SECRET"] = TEST_IDENTITY_SECRET
    services = {name: ServiceProcess(name, env=env, log_dir=logs).start() for name in SERVICES}
    for service in services.values():
        service.wait_ready()
    gateway = start_gateway({n: services[n].url for n in SERVICES}, f"sqlite:///{logs}/gateway.db", logs,
                            LOG_LEVEL="WARNING", RATE_LIMIT_PER_SECOND="100000", RATE_LIMIT_BURST="100000")
    return [gateway, *services.values()]


def measure(gateway_url: str, count: int) -> list[float]:
    delays = []
    with httpx.Client(timeout=10, headers=bearer(login(gateway_url))) as client:
        for n in range(count + 2):  # the first two warm the connections and the consumer up
            started = time.perf_counter()
            created = client.post(f"{gateway_url}/api/v1/partners",
                                  json={"kind": "ngo", "name_en": f"Bench partner {uuid.uuid4().hex[:8]}"})
            created.raise_for_status()
            history = f"{gateway_url}/api/v1/partners/{created.json()['id']}/history"
            while client.get(history).status_code != 200:
                if time.perf_counter() - started > 30:
                    raise TimeoutError("the partner never reached the read copy")
                time.sleep(0.002)
            if n >= 2:
                delays.append((time.perf_counter() - started) * 1000)
    return delays


def run(bootstrap: str, database_urls: dict[str, str], label: str, count: int = 20) -> None:
    with tempfile.TemporaryDirectory() as logs:
        processes = start_stack(bootstrap, database_urls, Path(logs))
        try:
            delays = measure(processes[0].url, count)
        finally:
            for process in processes:
                process.stop()
    quantiles = statistics.quantiles(delays, n=20)
    print(f"POST → engagements read copy [{label}], {count} partners: median {statistics.median(delays):.1f} ms, "
          f"p95 {quantiles[18]:.1f} ms, min {min(delays):.1f} ms, max {max(delays):.1f} ms")
