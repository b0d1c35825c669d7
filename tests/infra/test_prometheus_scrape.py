"""Debian's real Prometheus, run with the repository's scrape configuration and rules, against real
processes. The first test proves the harness (Prometheus scraping its own /metrics, our rules loaded);
the second scrapes every Liaison process while a partner goes through the gateway, the relay and the
consumers, and holds what it finds to docs/metrics.md: nothing the contract does not list, the families
each process must have, route templates, and no id in any label."""

from __future__ import annotations

import re
import time
import uuid

import httpx
import pytest

from tests.support.metrics_contract import families, sample_names
from tests.support.ports import free_port
from tests.support.prometheus import PrometheusServer
from tests.support.system import SERVICES, start_system, stop_system


class TargetsDown(AssertionError):
    pass


def test_a_real_prometheus_loads_the_rules_and_scrapes_a_target():
    server = PrometheusServer({"prometheus": "self", "nobody": "127.0.0.1:1"}).start()
    try:
        assert {rule["name"] for rule in server.rules()} >= {"LiaisonServiceDown", "LiaisonDeadLetters"}
        health = {t["labels"]["service"]: t["health"] for t in server.wait_scraped()}
        assert health == {"prometheus": "up", "nobody": "down"}
        assert server.query('up{job="liaison",service="prometheus"}')[0]["value"][1] == "1"
    finally:
        server.stop()


@pytest.mark.kafka
@pytest.mark.postgres
@pytest.mark.processes
def test_prometheus_scrapes_every_process_and_finds_the_contract(kafka_broker, pg_cluster, tmp_path):
    ports = {name: free_port() for name in (*SERVICES, "gateway")}
    settings = {f"LIAISON_{name.upper()}_METRICS_PORT": str(port) for name, port in ports.items() if name != "gateway"}
    databases = {name: pg_cluster.create_database(f"scrape_{name}_{uuid.uuid4().hex[:6]}") for name in ports}
    system = start_system(
        kafka=kafka_broker,
        database_urls=databases,
        logs=tmp_path,
        gateway_settings={"METRICS_PORT": str(ports["gateway"])},
        **settings,
    )
    server = PrometheusServer({name: f"127.0.0.1:{port}" for name, port in ports.items()})
    try:
        server.start()
        down = [t["labels"]["service"] for t in server.wait_scraped() if t["health"] != "up"]
        if down:
            raise TargetsDown(f"not scraped: {down}")
        # One partner through the gateway: a request, its outbox row, the relay, both consumers.
        created = httpx.post(
            f"{system['gateway']}/api/v1/partners",
            headers=system["admin"],
            json={"kind": "academic", "name_fr": "Université Laval", "country": "CA"},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        partner_id = created.json()["id"]
        httpx.get(f"{system['gateway']}/api/v1/partners/{partner_id}", headers=system["admin"], timeout=30)
        expected = {
            "gateway": {"liaison_gateway_upstream_requests_total", "liaison_gateway_breaker_open"},
            "partners": {"liaison_relay_published_total", "liaison_outbox_rows", "liaison_dependency_up"},
            "engagements": {"liaison_consumer_events_total", "liaison_consumer_lag_messages", "liaison_outbox_rows"},
            "notifications": {"liaison_deliveries_pending", "liaison_scheduler_lag_seconds"},
        }

        def exposed() -> set[tuple[str, str]]:
            return {(r["metric"]["service"], r["metric"]["__name__"]) for r in server.query('{job="liaison"}')}

        handled = 'liaison_consumer_events_total{service="engagements",outcome="handled"}'

        by_template = 'liaison_http_requests_total{service="gateway",route="/api/v1/partners/{id}"}'

        def flowed() -> bool:
            shown = exposed()
            everywhere = all((s, n) in shown for s, names in expected.items() for n in names)
            # The read above counted by its template: it shows once the gateway's next scrape has it.
            return everywhere and bool(server.query(handled)) and bool(server.query(by_template))

        # Each target is scraped every second, each on its own beat: wait for the flow to show on all.
        wait_until(flowed, what=lambda: (expected, server.query("liaison_consumer_events_total")))
        found = exposed()
        # Prometheus adds its own per-target series (up, scrape_duration_seconds...); the rest is ours.
        ours = {name for _, name in found if not name.startswith("scrape_")}
        assert ours - sample_names() == set(), "every series is in docs/metrics.md"
        for service in ports:
            for family in EVERY_PROCESS:
                assert families()[family].sample_names() & {n for s, n in found if s == service}, (service, family)
        series = server.query('{job="liaison"}')
        assert server.query(by_template), "the gateway counts by the policy's templates"
        values = {v for r in series for k, v in r["metric"].items() if k not in ("instance", "job")}
        assert not [v for v in values if partner_id in v or UUID.search(v)], "no id in any label"
    finally:
        server.stop()
        stop_system(system)


EVERY_PROCESS = (
    "liaison_http_requests_total",
    "liaison_http_request_duration_seconds",
    "liaison_http_requests_in_flight",
    "liaison_db_pool_connections_max",
    "liaison_build_info",
    "process_cpu_seconds_total",
    "python_gc_collections_total",
)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def wait_until(check, *, what: object, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.5)
    raise AssertionError(f"Prometheus never saw {what() if callable(what) else what}")
