"""The gateway's families: requests by the policy's route templates, what it forwarded to each service
and how, its circuit breakers; and its metrics port, which answers loopback and the monitoring networks
only."""

from __future__ import annotations

import re
import socket
import uuid
from ipaddress import ip_network

import httpx
import pytest

from gateway.tests.conftest import ECHO_EVERYWHERE, bearer, token_for
from tests.support.metrics_contract import label_values, undeclared
from tests.support.ports import free_port

VIEWER = bearer(token_for("viewer"))
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def registry_of(gateway):
    return gateway.app.metrics.registry


def value(gateway, name: str, **labels) -> float | None:
    return registry_of(gateway).get_sample_value(name, labels)


def test_requests_are_counted_by_the_policys_templates_and_forwarded_ones_by_upstream(make_gateway):
    gateway = make_gateway(ECHO_EVERYWHERE)
    partner = uuid.uuid4()
    assert gateway.get(f"/api/v1/partners/{partner}", headers=VIEWER).status_code == 207
    assert gateway.get(f"/api/v1/partners/{partner}/contacts", headers=VIEWER).status_code == 207
    gateway.get(f"/api/v1/nothing/{partner}", headers=VIEWER)
    gateway.get("/healthz")

    def requests(route, status, method="GET"):
        return value(gateway, "liaison_http_requests_total", route=route, method=method, status=status)

    assert requests("/api/v1/partners/{id}", "207") == 1
    assert requests("/api/v1/partners/{id}/contacts", "207") == 1
    assert requests("unmatched", "404") == 1
    assert requests("/healthz", "200") == 1
    assert value(gateway, "liaison_gateway_upstream_requests_total", upstream="partners", outcome="ok") == 2
    assert value(gateway, "liaison_gateway_upstream_duration_seconds_count", upstream="partners") == 2
    assert value(gateway, "liaison_gateway_breaker_open", upstream="partners") == 0
    assert value(gateway, "liaison_http_requests_in_flight") == 0

    values = label_values(registry_of(gateway))
    assert not [v for v in values if UUID.search(v)], values
    assert undeclared(registry_of(gateway)) == set()


def test_a_service_that_is_down_counts_connection_errors_then_opens_its_breaker(make_gateway):
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    gateway = make_gateway(None, partners_url=down, breaker_failures=2, breaker_reset_seconds=60, retries=0)
    for _ in range(3):
        assert gateway.get(f"/api/v1/partners/{uuid.uuid4()}", headers=VIEWER).status_code in (502, 503)

    assert value(gateway, "liaison_gateway_upstream_requests_total", upstream="partners", outcome="connect_error") == 2
    assert value(gateway, "liaison_gateway_upstream_requests_total", upstream="partners", outcome="breaker_open") == 1
    assert value(gateway, "liaison_gateway_breaker_open", upstream="partners") == 1


def outward_address() -> str | None:
    """This machine's address on its default route (no packet is sent), or None without a network."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


@pytest.mark.parametrize("allowed", [False, True])
def test_the_metrics_port_refuses_a_client_outside_the_monitoring_networks(make_gateway, allowed):
    address = outward_address()
    if address is None:
        pytest.skip("no address but loopback on this machine")
    networks = [str(ip_network(f"{address}/32"))] if allowed else []
    gateway = make_gateway(ECHO_EVERYWHERE, metrics_host=address, metrics_port=0, metrics_allowed_networks=networks)
    port = gateway.app.inner.state.metrics_server.port

    # Served on, and asked from, the machine's own outward address: not loopback, so a client like any other.
    answer = httpx.get(f"http://{address}:{port}/metrics")
    assert answer.status_code == (200 if allowed else 403), answer.text
    if not allowed:
        assert "liaison_" not in answer.text
