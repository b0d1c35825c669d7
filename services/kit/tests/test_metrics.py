"""The families every service has (docs/metrics.md), read from an in-process app's own registry:
requests by route template, dependencies as /readyz saw them, the pool, the outbox backlog, the build
and the process; and the metrics port itself."""

import re
import uuid

import httpx
import pytest

from services.kit.metrics_http import metrics_wsgi_app
from services.partners.app import create_app
from services.partners.settings import PartnersSettings
from tests.support.apps import service_client, unit_settings
from tests.support.metrics_contract import label_values, undeclared

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
PARTNER = {
    "kind": "ngo",
    "name_fr": "Amis du Rhin",
    "name_en": "Friends of the Rhine",
    "country": "FR",
    "region": "europe",
}


@pytest.fixture
def db_backend() -> str:
    """One backend: what is measured is the same on both (the outbox query is plain SQL)."""
    return "sqlite"


@pytest.fixture
def client(new_engine):
    with service_client(create_app, unit_settings(PartnersSettings), engine=new_engine("partners")) as client:
        yield client


def value(client, name: str, **labels) -> float | None:
    return client.app.state.metrics.registry.get_sample_value(name, labels)


def test_requests_are_counted_by_route_template_method_and_status(client):
    missing = uuid.uuid4()
    client.get(f"/api/v1/partners/{missing}")
    client.get(f"/api/v1/partners/{missing}")
    created = client.post("/api/v1/partners", json=PARTNER)
    assert created.status_code == 201, created.text

    template = "/api/v1/partners/{partner_id}"
    assert value(client, "liaison_http_requests_total", route=template, method="GET", status="404") == 2
    assert value(client, "liaison_http_requests_total", route="/api/v1/partners", method="POST", status="201") == 1
    assert value(client, "liaison_http_request_duration_seconds_count", route=template, method="GET") == 2
    assert value(client, "liaison_http_request_duration_seconds_bucket", route=template, method="GET", le="10.0") == 2
    assert value(client, "liaison_http_requests_in_flight") == 0


def test_an_unknown_path_is_unmatched_and_a_refused_request_keeps_its_route(client):
    client.get("/no/such/thing/42")
    client.auth = None
    client.get("/api/v1/partners")  # unsigned: refused before routing

    assert value(client, "liaison_http_requests_total", route="unmatched", method="GET", status="404") == 1
    assert value(client, "liaison_http_requests_total", route="/api/v1/partners", method="GET", status="401") == 1


def test_no_id_or_raw_path_reaches_a_label(client):
    partner = client.post("/api/v1/partners", json=PARTNER).json()
    client.get(f"/api/v1/partners/{partner['id']}")
    client.get(f"/api/v1/partners/{partner['id']}/contacts")
    client.get(f"/api/v1/partners/{uuid.uuid4()}/nothing-here")
    client.get("/api/v1/partners", params={"q": "Rhin"})

    values = label_values(client.app.state.metrics.registry)
    assert not [v for v in values if UUID.search(v) or "Rhin" in v], values
    assert "/api/v1/partners/{partner_id}/contacts" in values


def test_readyz_sets_dependency_up_and_the_pool_and_outbox_are_gauged(client):
    assert value(client, "liaison_dependency_up", dependency="database") is None, "nothing seen before /readyz"
    client.get("/readyz")
    assert value(client, "liaison_dependency_up", dependency="database") == 1
    assert value(client, "liaison_db_pool_connections_max") > 0
    assert value(client, "liaison_db_pool_connections_in_use") == 0, "every connection went back"

    assert value(client, "liaison_outbox_rows", state="pending") == 0
    assert value(client, "liaison_outbox_oldest_pending_age_seconds") == 0
    client.post("/api/v1/partners", json=PARTNER)  # Kafka is off here: its event waits in the outbox
    assert value(client, "liaison_outbox_rows", state="pending") == 1
    assert value(client, "liaison_outbox_rows", state="failed") == 0
    assert value(client, "liaison_outbox_oldest_pending_age_seconds") >= 0


def test_build_and_process_families_and_nothing_the_contract_does_not_list(client):
    client.get("/healthz")
    assert value(client, "liaison_build_info", version=client.app.version) == 1
    assert value(client, "process_cpu_seconds_total") > 0
    assert value(client, "python_gc_collections_total", generation="0") is not None
    assert undeclared(client.app.state.metrics.registry) == set()


def test_the_metrics_port_serves_the_apps_registry_and_only_metrics(new_engine):
    settings = unit_settings(PartnersSettings, metrics_port=0)  # a free port
    with service_client(create_app, settings, engine=new_engine("partners")) as client:
        client.get("/healthz")
        port = client.app.state.metrics_server.port
        answer = httpx.get(f"http://127.0.0.1:{port}/metrics")
        assert answer.status_code == 200
        assert 'liaison_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in answer.text
        assert httpx.get(f"http://127.0.0.1:{port}/other").status_code == 404
    assert client.get("/metrics").status_code == 404, "never on the API port"


@pytest.mark.parametrize(
    ("client_address", "status"),
    [("127.0.0.1", "200"), ("::1", "200"), ("10.2.3.4", "200"), ("192.0.2.7", "403"), ("", "403")],
)
def test_a_restricted_metrics_port_answers_loopback_and_its_networks_only(client_address, status):
    from ipaddress import ip_network

    from prometheus_client import CollectorRegistry

    app = metrics_wsgi_app(CollectorRegistry(), [ip_network("10.0.0.0/8")])
    seen = []
    app({"REMOTE_ADDR": client_address, "PATH_INFO": "/metrics", "REQUEST_METHOD": "GET"}, lambda s, h: seen.append(s))
    assert seen[0].startswith(status)
