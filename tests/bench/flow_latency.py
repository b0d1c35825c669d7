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

from tests.support.kafka import KafkaBroker
from tests.support.system import SERVICES, start_system, stop_system


def measure(gateway_url: str, admin: dict[str, str], count: int) -> list[float]:
    delays = []
    with httpx.Client(timeout=10, headers=admin) as client:
        for n in range(count + 2):  # the first two warm the connections and the consumer up
            started = time.perf_counter()
            created = client.post(
                f"{gateway_url}/api/v1/partners",
                json={"kind": "ngo", "name_en": f"Bench partner {uuid.uuid4().hex[:8]}"},
            )
            created.raise_for_status()
            history = f"{gateway_url}/api/v1/partners/{created.json()['id']}/history"
            while client.get(history).status_code != 200:
                if time.perf_counter() - started > 30:
                    raise TimeoutError("the partner never reached the read copy")
                time.sleep(0.002)
            if n >= 2:
                delays.append((time.perf_counter() - started) * 1000)
    return delays


def run(broker: KafkaBroker, database_urls: dict[str, str], label: str, count: int = 20) -> None:
    with tempfile.TemporaryDirectory() as logs:
        quiet = {f"LIAISON_{name.upper()}_LOG_LEVEL": "WARNING" for name in SERVICES}
        system = start_system(
            kafka=broker,
            database_urls={"gateway": f"sqlite:///{logs}/gateway.db", **database_urls},
            logs=Path(logs),
            gateway_settings={"LOG_LEVEL": "WARNING", "RATE_LIMIT_PER_SECOND": "100000", "RATE_LIMIT_BURST": "100000"},
            **quiet,
        )
        try:
            delays = measure(system["gateway"], system["admin"], count)
        finally:
            stop_system(system)
    quantiles = statistics.quantiles(delays, n=20)
    print(
        f"POST → engagements read copy [{label}], {count} partners: median {statistics.median(delays):.1f} ms, "
        f"p95 {quantiles[18]:.1f} ms, min {min(delays):.1f} ms, max {max(delays):.1f} ms"
    )
