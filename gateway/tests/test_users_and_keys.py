"""/api/v1/users and /api/v1/keys, for admins; API keys authenticate integrations, within their scopes."""

import time

import pytest

from gateway.tests.conftest import ECHO_EVERYWHERE, PASSWORD, bearer, token_for

ADMIN = bearer(token_for("admin", user="root"))


@pytest.fixture
def gateway(make_gateway, engine):
    return make_gateway(ECHO_EVERYWHERE, engine=engine)


def new_user(gateway, username="vera", roles=("viewer",), password=PASSWORD):
    return gateway.post(
        "/api/v1/users", json={"username": username, "password": password, "roles": list(roles)}, headers=ADMIN
    )


def test_an_admin_creates_a_user_who_can_then_log_in(gateway):
    created = new_user(gateway)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/v1/users/vera" and created.headers["etag"] == 'W/"1"'
    body = created.json()
    assert body["roles"] == ["viewer"] and body["disabled"] is False
    assert "password" not in body and "password_hash" not in body
    login = gateway.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": "vera", "password": PASSWORD}
    )
    assert login.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "Bad Name", "password": PASSWORD, "roles": ["viewer"]}, "username"),
        ({"username": "ok", "password": "short", "roles": ["viewer"]}, "password"),
        ({"username": "ok", "password": PASSWORD, "roles": ["emperor"]}, "roles"),
        ({"username": "ok", "password": PASSWORD, "roles": []}, "roles"),
    ],
)
def test_bad_users_are_refused_and_nothing_is_written(gateway, body, field):
    response = gateway.post("/api/v1/users", json=body, headers=ADMIN)
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["body", field]
    assert gateway.get("/api/v1/users", headers=ADMIN).json()["items"] == []


def test_a_username_is_taken_once(gateway):
    assert new_user(gateway).status_code == 201
    duplicate = new_user(gateway)
    assert duplicate.status_code == 409


def test_users_are_listed_in_pages_with_a_cursor(gateway, engine):
    from gateway.tests.conftest import add_user

    for name in ("c-user", "a-user", "b-user"):
        add_user(engine, name, ["viewer"])
    first = gateway.get("/api/v1/users?limit=2", headers=ADMIN).json()
    assert [u["username"] for u in first["items"]] == ["a-user", "b-user"]
    second = gateway.get(f"/api/v1/users?limit=2&cursor={first['next_cursor']}", headers=ADMIN).json()
    assert [u["username"] for u in second["items"]] == ["c-user"] and second["next_cursor"] is None
    assert gateway.get("/api/v1/users?cursor=%%%", headers=ADMIN).status_code == 400


def test_disabling_a_user_needs_if_match_and_ends_their_sessions(gateway):
    new_user(gateway, "dora", ["officer"])
    tokens = gateway.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": "dora", "password": PASSWORD}
    ).json()
    assert gateway.get("/api/v1/engagements", headers=bearer(tokens["access_token"])).status_code == 207

    assert gateway.patch("/api/v1/users/dora", json={"disabled": True}, headers=ADMIN).status_code == 428
    stale = gateway.patch("/api/v1/users/dora", json={"disabled": True}, headers={"If-Match": 'W/"7"', **ADMIN})
    assert stale.status_code == 412
    done = gateway.patch("/api/v1/users/dora", json={"disabled": True}, headers={"If-Match": 'W/"1"', **ADMIN})
    assert done.status_code == 200 and done.json()["disabled"] is True and done.headers["etag"] == 'W/"2"'

    assert gateway.get("/api/v1/engagements", headers=bearer(tokens["access_token"])).status_code == 401
    refreshed = gateway.post(
        "/api/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
    login = gateway.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": "dora", "password": PASSWORD}
    )
    assert login.status_code == 401


def test_a_missing_user_is_404(gateway):
    assert gateway.get("/api/v1/users/ghost", headers=ADMIN).status_code == 404
    assert gateway.patch("/api/v1/users/ghost", json={}, headers={"If-Match": 'W/"1"', **ADMIN}).status_code == 404


def create_key(gateway, scopes, name="warehouse"):
    return gateway.post("/api/v1/keys", json={"name": name, "scopes": scopes}, headers=ADMIN)


def test_a_key_is_shown_once_and_stored_hashed(gateway, engine):
    from sqlmodel import Session

    from gateway.models import ApiKey

    created = create_key(gateway, ["read"])
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    key = created.json()
    assert key["key"].startswith(f"lia_{key['id']}_") and key["created_by"] == "root"
    listed = gateway.get("/api/v1/keys", headers=ADMIN).json()["items"]
    assert [k["id"] for k in listed] == [key["id"]] and "key" not in listed[0]
    assert "key" not in gateway.get(f"/api/v1/keys/{key['id']}", headers=ADMIN).json()
    with Session(engine) as session:
        stored = session.get(ApiKey, key["id"])
        assert key["key"].split("_", 2)[2] not in stored.secret_hash
        assert len(stored.secret_hash) == 64


@pytest.mark.parametrize("header", ["x-api-key", "authorization"])
def test_a_read_key_reads_as_the_integration_and_may_not_write_or_manage_webhooks(gateway, header):
    key = create_key(gateway, ["read"]).json()
    headers = {"X-API-Key": key["key"]} if header == "x-api-key" else bearer(key["key"])
    seen = gateway.get("/api/v1/partners", headers=headers)
    assert seen.status_code == 207
    assert (seen.json()["headers"]["x-liaison-user"], seen.json()["headers"]["x-liaison-roles"]) == (
        f"key:{key['id']}",
        "integration",
    )
    assert gateway.post("/api/v1/partners", json={}, headers=headers).status_code == 403
    assert gateway.post("/api/v1/webhooks", json={}, headers=headers).status_code == 403


def test_a_webhooks_key_manages_webhooks_only(gateway):
    key = create_key(gateway, ["webhooks"]).json()
    assert gateway.post("/api/v1/webhooks", json={}, headers={"X-API-Key": key["key"]}).status_code == 207
    assert gateway.get("/api/v1/partners", headers={"X-API-Key": key["key"]}).status_code == 403


def test_a_revoked_key_is_refused_and_its_last_use_was_recorded(gateway):
    key = create_key(gateway, ["read"]).json()
    assert gateway.get("/api/v1/partners", headers={"X-API-Key": key["key"]}).status_code == 207
    deadline = time.monotonic() + 3
    while gateway.get(f"/api/v1/keys/{key['id']}", headers=ADMIN).json()["last_used_at"] is None:
        assert time.monotonic() < deadline, "last use never recorded"
        time.sleep(0.05)
    revoked = gateway.delete(f"/api/v1/keys/{key['id']}", headers=ADMIN)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = gateway.get("/api/v1/partners", headers={"X-API-Key": key["key"]})
    assert refused.status_code == 401


@pytest.mark.parametrize("presented", ["lia_", "lia_nokey", "lia_unknownid_secret", "plainly wrong"])
def test_malformed_and_unknown_keys_are_401(gateway, presented):
    assert gateway.get("/api/v1/partners", headers={"X-API-Key": presented}).status_code == 401


def test_a_key_with_a_wrong_secret_is_401(gateway):
    key = create_key(gateway, ["read"]).json()["key"]
    assert gateway.get("/api/v1/partners", headers={"X-API-Key": key[:-3] + "abc"}).status_code == 401


@pytest.mark.parametrize(
    "body", [{"name": "x", "scopes": ["admin"]}, {"name": "", "scopes": ["read"]}, {"name": "x", "scopes": []}]
)
def test_bad_keys_are_refused(gateway, body):
    assert gateway.post("/api/v1/keys", json=body, headers=ADMIN).status_code == 422
    assert gateway.get("/api/v1/keys", headers=ADMIN).json()["items"] == []


def test_revoking_a_missing_key_is_404(gateway):
    assert gateway.delete("/api/v1/keys/nothing", headers=ADMIN).status_code == 404


def test_passwords_are_stored_as_argon2id_hashes(gateway, engine):
    from sqlmodel import Session, select

    from gateway.accounts import hasher
    from gateway.models import User

    new_user(gateway)
    with Session(engine) as session:
        stored = session.exec(select(User).where(User.username == "vera")).one().password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert hasher().verify(stored, PASSWORD)


def test_nul_characters_are_refused_in_the_gateways_own_bodies(gateway):
    """Issue 10, defect 9: NUL was stored in names (and PostgreSQL fails on it)."""
    for path, body in (
        ("/api/v1/users", {"username": "vera", "password": PASSWORD, "roles": ["viewer"], "display_name": "V\x00"}),
        ("/api/v1/keys", {"name": "bi\x00", "scopes": ["read"]}),
    ):
        response = gateway.post(path, json=body, headers=ADMIN)
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
        assert "NUL" in str(response.json()["errors"])
    login = gateway.post("/api/v1/auth/token", json={"grant_type": "password", "username": "ve\x00ra", "password": "x"})
    assert login.status_code == 422
    assert gateway.get("/api/v1/users", headers=ADMIN).json()["items"] == []
    assert gateway.get("/api/v1/keys", headers=ADMIN).json()["items"] == []


def test_a_nul_in_the_address_of_the_gateways_own_routes_is_a_422(gateway):
    for path in ("/api/v1/users/ve%00ra", "/api/v1/keys?cursor=a%00b"):
        response = gateway.get(path, headers=ADMIN)
        assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
