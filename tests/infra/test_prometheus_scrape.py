"""Debian's real Prometheus, run with the repository's scrape configuration and rules, against real
processes. The first test proves the harness (Prometheus scraping its own /metrics, our rules loaded);
the second is the hook for the instrumentation of issue 14: it expects every Liaison process to be
scraped and to expose the contract's families, and is marked as an expected failure until the
processes serve /metrics (strict: once they do, the mark must go)."""

from __future__ import annotations

import uuid

import pytest

from tests.support.metrics_contract import families
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
@pytest.mark.xfail(strict=True, raises=TargetsDown, reason="issue 14: the processes do not serve /metrics yet")
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
        exposed = {r["metric"]["__name__"] for r in server.query('{job="liaison"}')}
        for family in ("liaison_http_requests_total", "liaison_dependency_up", "process_cpu_seconds_total"):
            assert families()[family].sample_names() & exposed, family
    finally:
        server.stop()
        stop_system(system)
