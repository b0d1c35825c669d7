"""web.api: the public API through the front door, as the logged-in person, with its answers made easy to read."""

import httpx
from fastapi.responses import JSONResponse

from gateway.tests.conftest import add_user
from gateway.tests.web.conftest import log_in
from gateway.web.client import ApiResponse
from gateway.web.context import Web


def add_probe(client):
    """A page that reports what web.api got for a path."""

    @client.app.inner.get("/probe-for-test")
    async def probe(web: Web, path: str):
        r = await web.api.get(path)
        return JSONResponse({"status": r.status, "ok": r.ok, "json": r.json, "problem": r.problem})


def test_the_api_sees_the_person_and_applies_their_roles(web_client):
    add_probe(web_client)
    log_in(web_client)
    me = web_client.get("/probe-for-test", params={"path": "/auth/me"}).json()
    assert me["ok"] and me["json"]["user"] == "officer.web" and me["json"]["roles"] == ["officer"]
    assert me["problem"] is None
    # Users are for admins: the policy table refuses an officer, through the web app as anywhere else.
    users = web_client.get("/probe-for-test", params={"path": "/users"}).json()
    assert users["status"] == 403 and not users["ok"]
    # In the page's language (French until the person chooses), as the API answers it to that language.
    assert users["problem"]["title"] == "Accès refusé" and users["problem"]["type"] == "about:blank"


def test_an_admin_gets_what_admins_get(make_gateway, gateway_engine):
    add_user(gateway_engine, "admin.web", ["admin"])
    client = make_gateway({})
    add_probe(client)
    log_in(client, "admin.web")
    users = client.get("/probe-for-test", params={"path": "/users"}).json()
    assert users["status"] == 200 and [u["username"] for u in users["json"]["items"]] == ["admin.web"]


def test_field_errors_come_from_a_422_problem():
    body = {
        "status": 422,
        "title": "Invalid request",
        "errors": [
            {"location": ["body", "partners", 0, "id"], "message": "unknown partner"},
            {"location": ["body", "title"], "message": "Field required"},
            {"location": ["query", "limit"], "message": "too large"},
        ],
    }
    response = ApiResponse.of(httpx.Response(422, json=body, headers={"content-type": "application/problem+json"}))
    assert not response.ok and response.problem == body
    assert response.field_errors == {
        "partners.0.id": "unknown partner",
        "title": "Field required",
        "limit": "too large",
    }
    ok = ApiResponse.of(httpx.Response(201, json={"id": "p1"}))
    assert ok.ok and ok.json == {"id": "p1"} and ok.problem is None and ok.field_errors == {}
    empty = ApiResponse.of(httpx.Response(204))
    assert empty.ok and empty.json is None


def test_a_change_of_roles_applies_at_the_next_page(web_client, gateway_engine):
    from sqlmodel import Session, select

    from gateway.models import User

    add_probe(web_client)
    log_in(web_client)
    assert web_client.get("/probe-for-test", params={"path": "/users"}).json()["status"] == 403
    with Session(gateway_engine) as db:
        user = db.exec(select(User).where(User.username == "officer.web")).one()
        user.roles = ["admin"]
        db.add(user)
        db.commit()
    assert web_client.get("/probe-for-test", params={"path": "/users"}).json()["status"] == 200


def test_a_pages_api_calls_are_in_the_pages_trace():
    import asyncio

    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from gateway.web.client import ApiClient
    from tests.support.traces import provider_for

    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("traceparent"))
        return httpx.Response(200, json={})

    async def page():
        tracer = provider_for("gateway", InMemorySpanExporter()).get_tracer("test")
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://front") as http:
            with tracer.start_as_current_span("GET") as span:
                await ApiClient(http, "token").get("/partners")
        return span.get_span_context()

    context = asyncio.run(page())
    assert seen[0].split("-")[1:3] == [f"{context.trace_id:032x}", f"{context.span_id:016x}"]
