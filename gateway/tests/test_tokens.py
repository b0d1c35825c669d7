"""Local users' tokens: login, refresh rotation, reuse detection, logout, on SQLite and PostgreSQL."""

import time

import pytest
from pydantic import ValidationError

from gateway.settings import GatewaySettings
from gateway.tests.conftest import PASSWORD, add_user, bearer, echo_service


@pytest.fixture
def gateway(make_gateway, engine):
    add_user(engine, "olivia", ["officer"])
    return make_gateway({"engagements": echo_service}, engine=engine)


def login(gateway, username="olivia", password=PASSWORD, as_json=False):
    body = {"grant_type": "password", "username": username, "password": password}
    return gateway.post("/api/v1/auth/token", **({"json": body} if as_json else {"data": body}))


def refresh(gateway, token):
    return gateway.post("/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": token})


def wait_until_refused(gateway, headers, timeout=3.0) -> int:
    """Another worker's revocation arrives with the poll; this one's at once (both are checked)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = gateway.get("/api/v1/engagements", headers=headers).status_code
        if status == 401:
            return status
        time.sleep(0.05)
    return status


@pytest.mark.parametrize("as_json", [False, True])
def test_a_user_logs_in_and_calls_with_the_access_token(gateway, as_json):
    response = login(gateway, as_json=as_json)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 900
    seen = gateway.get("/api/v1/engagements", headers=bearer(tokens["access_token"])).json()["headers"]
    assert (seen["x-liaison-user"], seen["x-liaison-roles"]) == ("olivia", "officer")


@pytest.mark.parametrize(("username", "password"), [("olivia", "wrong password!!"), ("nobody", PASSWORD)])
def test_a_wrong_password_or_an_unknown_user_is_refused_alike(gateway, username, password):
    response = login(gateway, username, password)
    assert response.status_code == 401
    assert response.json()["detail"] == "Unknown user, wrong password or disabled account."


@pytest.mark.parametrize(
    "body",
    [{}, {"grant_type": "magic"}, {"grant_type": "password", "username": "olivia"}, {"grant_type": "refresh_token"}],
)
def test_malformed_token_requests_are_4xx_problems(gateway, body):
    response = gateway.post("/api/v1/auth/token", json=body)
    assert response.status_code in (400, 422)
    assert response.headers["content-type"] == "application/problem+json"


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_whole_family(gateway):
    first = login(gateway).json()
    second = refresh(gateway, first["refresh_token"])
    assert second.status_code == 200
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert gateway.get("/api/v1/engagements", headers=bearer(second["access_token"])).status_code == 207

    reused = refresh(gateway, first["refresh_token"])  # a copy of the old one, replayed
    assert reused.status_code == 401 and "already used" in reused.json()["detail"]
    assert refresh(gateway, second["refresh_token"]).status_code == 401, "the family is revoked"
    assert wait_until_refused(gateway, bearer(second["access_token"])) == 401
    assert wait_until_refused(gateway, bearer(first["access_token"])) == 401
    assert login(gateway).status_code == 200, "a new login starts a new family"


def test_logout_revokes_the_access_token_and_its_refresh_token(gateway):
    tokens = login(gateway).json()
    other_session = login(gateway).json()
    assert gateway.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"])).status_code == 204
    assert gateway.get("/api/v1/engagements", headers=bearer(tokens["access_token"])).status_code == 401
    assert refresh(gateway, tokens["refresh_token"]).status_code == 401
    assert gateway.get("/api/v1/engagements", headers=bearer(other_session["access_token"])).status_code == 207


def test_a_logout_reaches_another_worker_through_the_database(make_gateway, engine, gateway):
    other_worker = make_gateway({"engagements": echo_service}, engine=engine)
    tokens = login(gateway).json()
    assert other_worker.get("/api/v1/engagements", headers=bearer(tokens["access_token"])).status_code == 207
    gateway.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"]))
    assert wait_until_refused(other_worker, bearer(tokens["access_token"])) == 401


def test_an_unknown_or_tampered_refresh_token_is_refused(gateway):
    tokens = login(gateway).json()
    token_id, secret = tokens["refresh_token"].split(".")
    for presented in ("nonsense", f"{token_id}.{secret[:-2]}xx", "0" * 32 + ".x"):
        assert refresh(gateway, presented).status_code == 401


def test_an_access_token_expires(make_gateway, engine):
    add_user(engine, "shortlived", ["viewer"])
    gateway = make_gateway({"engagements": echo_service}, engine=engine, access_token_seconds=10)
    tokens = login(gateway, "shortlived").json()
    assert tokens["expires_in"] == 10
    import jwt

    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 10


@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_no_default_token_secret_in_any_environment(environment, monkeypatch):
    monkeypatch.delenv("LIAISON_GATEWAY_TOKEN_SECRET", raising=False)
    with pytest.raises(ValidationError, match="LIAISON_GATEWAY_TOKEN_SECRET is not set"):
        GatewaySettings(environment=environment, identity_secret="x" * 32)
    with pytest.raises(ValidationError, match="at least 32"):
        GatewaySettings(environment=environment, identity_secret="x" * 32, token_secret="short")
