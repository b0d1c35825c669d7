"""What every service does the same way, checked once here on partners: request ids, health, errors."""

from sqlalchemy import select

from tests.support.identity import SignedAs


def test_a_request_id_is_made_when_missing_and_echoed_when_given(client):
    made = client.get("/healthz").headers["x-request-id"]
    assert len(made) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"


def test_an_unsafe_request_id_is_replaced(client):
    echoed = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"}).headers["x-request-id"]
    assert echoed != "bad id\twith spaces" and len(echoed) == 32


def test_problems_carry_the_request_id(client):
    response = client.get("/api/v1/partners/nope", headers={"X-Request-ID": "trace-me"})
    assert response.json()["request_id"] == "trace-me"


def test_readyz_reports_the_database_and_the_outbox(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": {"ok": True}, "outbox": {"failed": 0, "blocked_keys": 0, "waiting": 0}},
    }


def test_readyz_shows_failed_outbox_rows_and_what_waits_behind_them(client, partners_engine):
    from sqlalchemy import update
    from sqlmodel import Session

    from services.kit.outbox import OutboxMessage

    first = client.post("/api/v1/partners", json={"kind": "state", "name_fr": "France", "country": "FR"}).json()
    client.patch(f"/api/v1/partners/{first['id']}", json={"owner": "x@example.test"}, headers={"If-Match": 'W/"1"'})
    with Session(partners_engine) as session:
        oldest = session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).first()
        session.execute(update(OutboxMessage).where(OutboxMessage.id == oldest).values(status="failed"))
        session.commit()
    response = client.get("/readyz")
    assert response.status_code == 200, "a failed row is a detail to see, not a reason to leave the balancer"
    assert response.json()["checks"]["outbox"] == {"failed": 1, "blocked_keys": 1, "waiting": 1}


def test_an_unknown_path_is_a_404_problem(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_a_wrong_method_is_a_405_problem(client):
    response = client.delete("/api/v1/partners")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


def test_a_request_the_gateway_did_not_sign_is_refused_with_401(client):
    client.auth = None
    response = client.get("/api/v1/partners/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "signed by the gateway" in response.json()["detail"]
    assert response.json()["request_id"] == response.headers["x-request-id"]


def test_a_request_signed_with_another_secret_is_refused(client):
    client.auth = SignedAs(secret="not-the-shared-secret-at-all")
    assert client.post("/api/v1/partners", json={"kind": "ngo", "name_en": "X"}).status_code == 401


def test_health_and_docs_need_no_identity(client):
    client.auth = None
    for path in ("/healthz", "/readyz", "/docs", "/openapi.json"):
        assert client.get(path).status_code == 200, path
