"""The gateway forwarding to the real partners app in-process, and to services that misbehave."""
import json
import socket

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import GatewaySettings
from services.kit.db import make_engine
from services.partners.app import create_app as create_partners_app
from services.partners.settings import PartnersSettings
from tests.support.identity import TEST_IDENTITY_SECRET
from tests.support.ports import free_port


async def echo_service(scope, receive, send):
    """A downstream that answers with what it received, and some headers a proxy must not pass back."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    payload = {"method": scope["method"], "path": scope["path"], "query": scope["query_string"].decode(),
               "headers": {k.decode(): v.decode() for k, v in scope["headers"]}, "body": body.decode()}
    await send({"type": "http.response.start", "status": 207, "headers": [
        (b"content-type", b"application/json"), (b"x-custom", b"kept"), (b"connection", b"close"),
        (b"x-request-id", b"downstream-made-this")]})
    await send({"type": "http.response.body", "body": json.dumps(payload).encode()})


@pytest.fixture
def silent_service():
    """A port that accepts connections and never answers (the kernel completes the handshake)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def gateway_with(clients: dict) -> TestClient:
    return TestClient(create_app(GatewaySettings(environment="test", identity_secret=TEST_IDENTITY_SECRET), clients=clients), raise_server_exceptions=False)


def asgi_client(app, **kwargs) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service", **kwargs)


@pytest.fixture
def partners_app(tmp_path):
    from tests.support.databases import migrate

    engine = make_engine(migrate("partners", f"sqlite:///{tmp_path}/partners.db"))
    app = create_partners_app(PartnersSettings(environment="test", kafka_enabled=False, identity_secret=TEST_IDENTITY_SECRET), engine=engine)
    with TestClient(app):  # runs the partners app's lifespan
        yield app
    engine.dispose()


def test_a_partner_created_through_the_gateway_is_read_back_through_it(partners_app):
    with gateway_with({"partners": asgi_client(partners_app)}) as gateway:
        created = gateway.post("/api/v1/partners", json={"kind": "state", "name_fr": "France", "country": "FR"})
        assert created.status_code == 201
        read = gateway.get(created.headers["location"])
    assert read.status_code == 200
    assert read.json() == created.json()
    assert read.headers["etag"] == 'W/"1"'


def test_service_problems_pass_through_unchanged(partners_app):
    with gateway_with({"partners": asgi_client(partners_app)}) as gateway:
        response = gateway.post("/api/v1/partners", json={"kind": "planet"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["location"] == ["body", "kind"]


def test_method_path_query_and_body_pass_through_untouched_and_hop_by_hop_headers_do_not():
    with gateway_with({"engagements": asgi_client(echo_service)}) as gateway:
        response = gateway.request(
            "PATCH", "/api/v1/engagements/42?q=caf%C3%A9&tag=a&tag=b", content=b'{"x": 1}',
            headers={"content-type": "application/json", "x-request-id": "req-1", "keep-alive": "timeout=5",
                     "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})
    assert response.status_code == 207
    seen = response.json()
    assert seen["method"] == "PATCH" and seen["path"] == "/api/v1/engagements/42"
    assert seen["query"] == "q=caf%C3%A9&tag=a&tag=b"
    assert seen["body"] == '{"x": 1}'
    assert seen["headers"]["x-request-id"] == "req-1"
    assert seen["headers"]["traceparent"].startswith("00-0af7651916cd43dd")
    assert "keep-alive" not in seen["headers"]
    assert response.headers["x-custom"] == "kept"
    assert response.headers["x-request-id"] == "req-1", "the gateway's id, not one the service made up"
    assert response.headers.get("connection") != "close"


def test_a_service_that_is_down_costs_a_quick_503_problem():
    down = httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}", timeout=2)
    with gateway_with({"partners": down}) as gateway:
        response = gateway.get("/api/v1/partners/1")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["service"] == "partners"


def test_a_service_that_does_not_answer_in_time_is_a_504_problem(silent_service):
    slow = httpx.AsyncClient(base_url=silent_service, timeout=0.3)
    with gateway_with({"partners": slow}) as gateway:
        response = gateway.get("/api/v1/partners/1")
    assert response.status_code == 504
    assert response.json()["title"] == "Service timed out"


def test_a_path_no_service_owns_is_a_404_problem():
    with gateway_with({}) as gateway:
        response = gateway.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_readyz_names_the_services_that_are_not_ready(partners_app):
    down = httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}")
    with gateway_with({"partners": asgi_client(partners_app), "engagements": down}) as gateway:
        response = gateway.get("/readyz")
    assert response.status_code == 503
    assert response.json()["services"] == {"partners": True, "engagements": False}


def test_identity_headers_sent_by_a_client_are_replaced_by_the_gateways_own():
    forged = {"x-liaison-user": "mallory", "x-liaison-roles": "admin", "x-liaison-signature": "0" * 64,
              "x-liaison-identity-time": "1"}
    with gateway_with({"engagements": asgi_client(echo_service)}) as gateway:
        seen = gateway.get("/api/v1/engagements", headers=forged).json()["headers"]
    assert seen["x-liaison-user"] == "anonymous"
    assert seen["x-liaison-roles"] == ""
    assert seen["x-liaison-signature"] != "0" * 64


def test_the_signature_survives_awkward_paths_and_query_strings(partners_app):
    with gateway_with({"partners": asgi_client(partners_app)}) as gateway:
        created = gateway.post("/api/v1/partners", json={"kind": "state", "name_fr": "Québec"}).json()
        response = gateway.get(f"/api/v1/partners/{created['id']}?q=a+b&x=%20caf%C3%A9&flag&empty=")
    assert response.status_code == 200, response.text
