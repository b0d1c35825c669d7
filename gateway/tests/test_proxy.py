"""The gateway forwarding to the real partners app in-process, and to services that misbehave."""

import json
import logging
import socket
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from gateway.tests.conftest import bearer, echo_service, token_for
from services.kit.db import make_engine
from services.kit.logging import JsonFormatter
from services.kit.outbox import OutboxMessage
from services.partners.app import create_app as create_partners_app
from services.partners.settings import PartnersSettings
from tests.support.identity import TEST_IDENTITY_SECRET
from tests.support.ports import free_port

OFFICER = bearer(token_for("officer"))


@pytest.fixture
def silent_service():
    """A port that accepts connections and never answers (the kernel completes the handshake)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def partners_app(tmp_path):
    from tests.support.databases import migrate

    engine = make_engine(migrate("partners", f"sqlite:///{tmp_path}/partners.db"))
    app = create_partners_app(
        PartnersSettings(
            environment="test", kafka_enabled=False, identity_secret=TEST_IDENTITY_SECRET, metrics_port=None
        ),
        engine=engine,
    )
    with TestClient(app):  # runs the partners app's lifespan
        yield app
    engine.dispose()


def test_a_partner_created_through_the_gateway_is_read_back_through_it(make_gateway, partners_app):
    gateway = make_gateway({"partners": partners_app})
    created = gateway.post(
        "/api/v1/partners", json={"kind": "state", "name_fr": "France", "country": "FR"}, headers=OFFICER
    )
    assert created.status_code == 201, created.text
    read = gateway.get(created.headers["location"], headers=OFFICER)
    assert read.status_code == 200
    assert read.json() == created.json()
    assert read.headers["etag"] == 'W/"1"'


def test_service_problems_pass_through_unchanged(make_gateway, partners_app):
    response = make_gateway({"partners": partners_app}).post(
        "/api/v1/partners", json={"kind": "planet"}, headers=OFFICER
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["location"] == ["body", "kind"]


def test_method_path_query_and_body_pass_through_untouched_and_hop_by_hop_headers_do_not(make_gateway):
    gateway = make_gateway({"engagements": echo_service})
    response = gateway.request(
        "PATCH",
        "/api/v1/engagements/42?q=caf%C3%A9&tag=a&tag=b",
        content=b'{"x": 1}',
        headers={
            "content-type": "application/json",
            "x-request-id": "req-1",
            "keep-alive": "timeout=5",
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            **OFFICER,
        },
    )
    assert response.status_code == 207
    seen = response.json()
    assert seen["method"] == "PATCH" and seen["path"] == "/api/v1/engagements/42"
    assert seen["query"] == "q=caf%C3%A9&tag=a&tag=b"
    assert seen["body"] == '{"x": 1}'
    assert seen["headers"]["x-request-id"] == "req-1"
    assert "keep-alive" not in seen["headers"]
    assert "authorization" not in seen["headers"], "credentials stop at the gateway"
    assert response.headers["x-custom"] == "kept"
    assert response.headers["x-request-id"] == "req-1", "the gateway's id, not one the service made up"
    assert response.headers.get("connection") != "close"


def test_traceparent_keeps_the_callers_trace_with_the_gateway_as_a_new_span(make_gateway):
    gateway = make_gateway({"engagements": echo_service})
    incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    response = gateway.get("/api/v1/engagements", headers={"traceparent": incoming, **OFFICER})
    passed_on = response.json()["headers"]["traceparent"]
    returned = response.headers["traceparent"]
    assert passed_on == returned
    version, trace_id, span_id, flags = returned.split("-")
    assert (version, trace_id, flags) == ("00", "0af7651916cd43dd8448eb211c80319c", "01")
    assert span_id != "b7ad6b7169203331"


@pytest.mark.parametrize("incoming", [None, "garbage", "00-00000000000000000000000000000000-b7ad6b7169203331-01"])
def test_a_missing_or_invalid_traceparent_is_replaced_by_a_new_trace(make_gateway, incoming):
    gateway = make_gateway({"engagements": echo_service})
    headers = OFFICER | ({"traceparent": incoming} if incoming else {})
    response = gateway.get("/api/v1/engagements", headers=headers)
    version, trace_id, span_id, _flags = response.headers["traceparent"].split("-")
    assert version == "00" and len(trace_id) == 32 and trace_id != "0" * 32 and len(span_id) == 16
    assert response.json()["headers"]["traceparent"] == response.headers["traceparent"]


def test_a_service_that_is_down_costs_a_quick_503_problem(make_gateway):
    down = httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}", timeout=2)
    started = time.monotonic()
    response = make_gateway({"partners": down}).get("/api/v1/partners/1", headers=OFFICER)
    assert response.status_code == 503
    assert time.monotonic() - started < 2
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["service"] == "partners"


def test_a_service_that_does_not_answer_in_time_is_a_504_problem(make_gateway, silent_service):
    slow = httpx.AsyncClient(base_url=silent_service, timeout=0.3)
    response = make_gateway({"partners": slow}).get("/api/v1/partners/1", headers=OFFICER)
    assert response.status_code == 504
    assert response.json()["title"] == "Service timed out"


def test_the_circuit_opens_after_repeated_failures_and_then_answers_at_once(make_gateway, silent_service):
    slow = httpx.AsyncClient(base_url=silent_service, timeout=0.3)
    gateway = make_gateway({"partners": slow}, breaker_failures=2, breaker_reset_seconds=30)
    assert [gateway.get("/api/v1/partners/1", headers=OFFICER).status_code for _ in range(2)] == [504, 504]
    started = time.monotonic()
    response = gateway.get("/api/v1/partners/1", headers=OFFICER)
    assert response.status_code == 503 and "stopped calling" in response.json()["detail"]
    assert time.monotonic() - started < 0.2, "an open circuit does not wait for the service"
    assert response.headers["retry-after"]


class FlakyTransport(httpx.AsyncBaseTransport):
    """Refuses the first connection, then answers: what a service restarting looks like."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.method)
        if len(self.calls) == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"ok": True})


@pytest.mark.parametrize(("method", "calls", "status"), [("GET", 2, 200), ("DELETE", 2, 200), ("POST", 1, 503)])
def test_only_idempotent_requests_are_retried(make_gateway, method, calls, status):
    transport = FlakyTransport()
    gateway = make_gateway({"engagements": httpx.AsyncClient(transport=transport, base_url="http://e")})
    path = "/api/v1/engagements" if method == "POST" else "/api/v1/engagements/7"
    response = gateway.request(method, path, headers=OFFICER)
    assert response.status_code == status
    assert len(transport.calls) == calls


def test_a_path_no_rule_covers_is_a_404_problem_and_a_method_it_does_not_list_a_405(make_gateway):
    gateway = make_gateway({})
    missing = gateway.get("/api/v1/nowhere", headers=OFFICER)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    wrong_method = gateway.delete("/api/v1/partners/1", headers=OFFICER)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET, PATCH"


def test_readyz_names_the_services_that_are_not_ready(make_gateway, partners_app):
    down = httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}")
    response = make_gateway({"partners": partners_app, "engagements": down}).get("/readyz")
    assert response.status_code == 503
    assert response.json()["services"] == {"partners": True, "engagements": False}


def test_readyz_reports_the_gateways_own_database_and_its_failed_directory_events(
    make_gateway, gateway_engine, partners_app
):
    gateway = make_gateway({"partners": partners_app})
    with Session(gateway_engine) as session:
        session.add(OutboxMessage(event_id="e1", event_type="liaison.user.created", topic="t", key="k", payload="{}"))
        session.add(OutboxMessage(event_id="e2", event_type="liaison.user.updated", topic="t", key="k", payload="{}"))
        session.commit()
        session.execute(update(OutboxMessage).where(col(OutboxMessage.event_id) == "e1").values(status="failed"))
        session.commit()
    ready = gateway.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["database"] == {"ok": True, "outbox": {"failed": 1, "blocked_keys": 1, "waiting": 1}}

    # Its database file replaced by a folder: the gateway's next connection cannot open it.
    gateway_engine.dispose()
    Path(gateway_engine.url.database).unlink()
    Path(gateway_engine.url.database).mkdir()
    down = gateway.get("/readyz")
    assert down.status_code == 503
    assert down.json()["database"]["ok"] is False


def test_identity_headers_sent_by_a_client_are_replaced_by_the_gateways_own(make_gateway):
    forged = {
        "x-liaison-user": "mallory",
        "x-liaison-roles": "admin",
        "x-liaison-signature": "0" * 64,
        "x-liaison-identity-time": "1",
    }
    seen = (
        make_gateway({"engagements": echo_service})
        .get("/api/v1/engagements", headers=forged | bearer(token_for("viewer", user="val")))
        .json()["headers"]
    )
    assert seen["x-liaison-user"] == "val"
    assert seen["x-liaison-roles"] == "viewer"
    assert seen["x-liaison-signature"] != "0" * 64


def test_the_signature_survives_awkward_paths_and_query_strings(make_gateway, partners_app):
    gateway = make_gateway({"partners": partners_app})
    created = gateway.post("/api/v1/partners", json={"kind": "state", "name_fr": "Québec"}, headers=OFFICER).json()
    response = gateway.get(f"/api/v1/partners/{created['id']}?q=a+b&x=%20caf%C3%A9&flag&empty=", headers=OFFICER)
    assert response.status_code == 200, response.text


class JsonLines(logging.Handler):
    """The lines as the service writes them, formatted when written (the trace ids are the context's then)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter("gateway"))
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def test_one_structured_access_log_line_per_request(make_gateway):
    gateway = make_gateway({"engagements": echo_service})
    handler = JsonLines()
    access = logging.getLogger("liaison.access")
    access.addHandler(handler)
    level = access.level
    access.setLevel(logging.INFO)
    try:
        first = gateway.get(
            "/api/v1/engagements?x=1", headers={"x-request-id": "log-1", **bearer(token_for("viewer", user="vi"))}
        )
        gateway.get("/api/v1/engagements")
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    lines = handler.lines
    assert len(lines) == 2
    assert [lines[0][k] for k in ("method", "path", "status", "user", "service", "request_id")] == [
        "GET",
        "/api/v1/engagements",
        207,
        "vi",
        "engagements",
        "log-1",
    ]
    _version, trace_id, span_id, _flags = first.headers["traceparent"].split("-")
    assert lines[0]["duration_ms"] >= 0
    assert (lines[0]["trace_id"], lines[0]["span_id"]) == (trace_id, span_id), "the gateway's own span"
    assert (lines[1]["status"], lines[1]["user"]) == (401, None)
    assert lines[1]["trace_id"] != trace_id


def test_a_compressed_answer_passes_through_still_compressed(make_gateway):
    import gzip

    async def gzipping(scope, receive, send):
        await receive()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-encoding", b"gzip")],
            }
        )
        await send({"type": "http.response.body", "body": gzip.compress(json.dumps({"a": 1}).encode())})

    response = make_gateway({"engagements": gzipping}).get(
        "/api/v1/engagements", headers={"accept-encoding": "gzip", **OFFICER}
    )
    assert response.headers["content-encoding"] == "gzip"
    assert response.json() == {"a": 1}  # httpx decodes it: the bytes arrived as the service sent them
