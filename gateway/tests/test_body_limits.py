"""Bodies at the gateway (issue 10, defects 6 and 9): over its route's limit a body is refused with 413
before it is read (Content-Length) or as soon as it passes the limit (chunked), and never reaches the
service; a body the gateway parses itself cannot make it fail, however deep its JSON."""

from __future__ import annotations

import json

import pytest

from gateway.tests.conftest import PASSWORD, add_user, bearer, token_for

OFFICER = bearer(token_for("officer"))
ADMIN = bearer(token_for("admin"))
LIMIT = 2048
IMPORT_LIMIT = 8192


class CountingService:
    """Answers 201 with the size of what it received, and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        self.calls += 1
        size = 0
        while True:
            message = await receive()
            size += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": json.dumps({"received": size}).encode()})


@pytest.fixture
def partners():
    return CountingService()


@pytest.fixture
def gateway(make_gateway, partners):
    return make_gateway({"partners": partners}, body_limit_bytes=LIMIT, import_body_limit_bytes=IMPORT_LIMIT)


def partner_body(size: int) -> bytes:
    filler = "x" * (size - len(b'{"kind":"ngo","name_fr":""}'))
    body = json.dumps({"kind": "ngo", "name_fr": filler}, separators=(",", ":")).encode()
    assert len(body) == size
    return body


def assert_too_large(response, limit: int) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Content too large"
    assert problem["status"] == 413 and problem["limit_bytes"] == limit


def test_a_body_at_the_limit_reaches_the_service(gateway, partners):
    response = gateway.post("/api/v1/partners", content=partner_body(LIMIT), headers=OFFICER)
    assert response.status_code == 201 and response.json() == {"received": LIMIT}
    assert partners.calls == 1


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(gateway, partners):
    response = gateway.post("/api/v1/partners", content=partner_body(LIMIT + 1), headers=OFFICER)
    assert_too_large(response, LIMIT)
    assert partners.calls == 0


def test_a_chunked_body_is_refused_once_it_passes_the_limit(gateway, partners):
    def chunks():
        for _ in range(50):
            yield b"x" * 100

    response = gateway.post("/api/v1/partners", content=chunks(), headers=OFFICER)
    assert "content-length" not in response.request.headers, "sent chunked"
    assert_too_large(response, LIMIT)
    assert partners.calls == 0


def test_the_csv_import_route_has_its_own_larger_limit(gateway, partners):
    csv = {**OFFICER, "content-type": "text/csv"}
    accepted = gateway.post("/api/v1/partners/imports", content=b"n" * (IMPORT_LIMIT - 10), headers=csv)
    assert accepted.status_code == 201 and partners.calls == 1
    assert_too_large(
        gateway.post("/api/v1/partners/imports", content=b"n" * (IMPORT_LIMIT + 1), headers=csv), IMPORT_LIMIT
    )
    assert partners.calls == 1


def test_the_gateways_own_routes_have_the_limit_too(gateway):
    body = {"grant_type": "password", "username": "u" * LIMIT, "password": PASSWORD}
    assert_too_large(gateway.post("/api/v1/auth/token", json=body), LIMIT)


def test_the_default_limits_are_a_megabyte_of_json_and_more_for_the_csv_import():
    from gateway.settings import GatewaySettings

    defaults = GatewaySettings.model_fields
    assert defaults["body_limit_bytes"].default == 1024 * 1024
    assert defaults["import_body_limit_bytes"].default > defaults["body_limit_bytes"].default


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("body", [deep(10_000), '{"a":' * 10_000 + "1" + "}" * 10_000])
def test_a_10000_deep_json_login_is_a_422_problem(make_gateway, gateway_engine, body):
    add_user(gateway_engine, "olivia", ["officer"])
    gateway = make_gateway({})
    response = gateway.post("/api/v1/auth/token", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    # and the gateway is still fine
    login = {"grant_type": "password", "username": "olivia", "password": PASSWORD}
    assert gateway.post("/api/v1/auth/token", json=login).status_code == 200


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/v1/users"), ("PATCH", "/api/v1/users/olivia")])
def test_deep_json_on_the_gateways_other_routes_is_a_422_problem(make_gateway, gateway_engine, method, path):
    add_user(gateway_engine, "olivia", ["officer"])
    gateway = make_gateway({})
    response = gateway.request(
        method, path, content=deep(10_000), headers={**ADMIN, "content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_the_issues_10_mb_json_body_is_refused_by_a_gateway_with_its_default_limits(make_gateway, partners):
    gateway = make_gateway({"partners": partners})
    response = gateway.post("/api/v1/partners", content=partner_body(10 * 1024 * 1024), headers=OFFICER)
    assert_too_large(response, 1024 * 1024)
    assert partners.calls == 0
