"""The circuit breaker opens for a service that is down, never because of what one request does
(issue 10, defect 3): a request that makes the service drop its connection, or answer 500, is that
request's failure and costs the others nothing."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.responses import Response

from gateway.tests.conftest import bearer, token_for
from tests.support.ports import free_port
from tests.support.servers import ThreadedServer

VIEWER = bearer(token_for("viewer"))
BAD = "/api/v1/calendar/a%0Db.ics"  # the path from the issue
GOOD = "/api/v1/calendar/olivia.ics"


async def fragile_service(scope, receive, send):
    """Puts the last path segment into a header, as engagements' calendar did before issue 10: a CR in
    it makes uvicorn drop the connection without an answer. `/status/<code>` answers that status."""
    if scope["type"] != "http":
        return
    name = scope["path"].rsplit("/", 1)[-1]
    if scope["path"].startswith("/api/v1/engagements/status-"):
        status = int(name.removeprefix("status-"))
        await Response(b"{}", status_code=status, media_type="application/json")(scope, receive, send)
        return
    response = Response(b"BEGIN:VCALENDAR", headers={"content-disposition": f'inline; filename="{name}"'})
    await response(scope, receive, send)


@pytest.fixture(scope="module")
def fragile():
    server = ThreadedServer(fragile_service).start()
    yield server.url
    server.stop()


@pytest.fixture(params=["aiohttp", "httpx"])
def gateway_to(request, make_gateway):
    """gateway_to(url, **settings): a gateway whose engagements service is at `url`, over each transport."""

    def make(url: str, **overrides) -> TestClient:
        services = {"engagements": httpx.AsyncClient(base_url=url, timeout=2)} if request.param == "httpx" else None
        return make_gateway(services, engagements_url=url, breaker_failures=3, breaker_reset_seconds=30, **overrides)

    return make


def test_a_burst_of_requests_that_make_the_service_drop_the_connection_leaves_the_route_up(gateway_to, fragile):
    gateway = gateway_to(fragile)
    burst = [gateway.get(BAD, headers=VIEWER) for _ in range(10)]
    good = gateway.get(GOOD, headers=VIEWER)
    assert good.status_code == 200, good.text
    assert good.text == "BEGIN:VCALENDAR"
    for bad in burst:
        assert bad.status_code == 502, bad.text
        assert bad.headers["content-type"] == "application/problem+json"
        assert bad.json()["service"] == "engagements" and bad.json()["title"] == "Bad gateway"


def test_answers_500_are_the_requests_own_and_leave_the_route_up(gateway_to, fragile):
    gateway = gateway_to(fragile)
    statuses = [gateway.get("/api/v1/engagements/status-500", headers=VIEWER).status_code for _ in range(10)]
    assert statuses == [500] * 10
    assert gateway.get(GOOD, headers=VIEWER).status_code == 200


def test_a_service_that_says_it_is_unavailable_opens_the_circuit(gateway_to, fragile):
    gateway = gateway_to(fragile)
    statuses = [gateway.get("/api/v1/engagements/status-503", headers=VIEWER).status_code for _ in range(3)]
    assert statuses == [503, 503, 503]
    opened = gateway.get(GOOD, headers=VIEWER)
    assert opened.status_code == 503 and "stopped calling" in opened.json()["detail"]


def test_a_service_nobody_can_connect_to_opens_the_circuit(gateway_to):
    gateway = gateway_to(f"http://127.0.0.1:{free_port()}", retries=0)
    statuses = [gateway.get(GOOD, headers=VIEWER).status_code for _ in range(4)]
    assert statuses == [503] * 4
    assert "stopped calling" in gateway.get(GOOD, headers=VIEWER).json()["detail"]
