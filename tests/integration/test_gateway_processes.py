"""The gateway as it runs in production: real processes (two gateway workers), the real broker,
PostgreSQL for every database. Who may do what, nothing reachable around the gateway, a service
that is down, rate limits, and the access log."""

import json
import time
import uuid

import httpx
import pytest

from services.kit.identity import Caller, sign
from tests.support.gateway import bearer, login, start_gateway
from tests.support.identity import TEST_IDENTITY_SECRET
from tests.support.ports import free_port
from tests.support.system import SERVICES, start_system, stop_system

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def stack(kafka_broker, pg_cluster, tmp_path_factory):
    logs = tmp_path_factory.mktemp("gateway-logs")
    databases = {
        name: pg_cluster.create_database(f"gw_{name}_{uuid.uuid4().hex[:6]}") for name in (*SERVICES, "gateway")
    }
    system = start_system(
        kafka=kafka_broker,
        database_urls=databases,
        logs=logs,
        gateway_settings={"WORKERS": "2", "REVOCATION_POLL_SECONDS": "0.2", "LOGIN_BACKOFF_BASE_SECONDS": "60"},
    )
    processes = system["processes"]
    yield {**processes, "urls": {name: processes[name].url for name in SERVICES}, "logs": logs}
    stop_system(system)


@pytest.fixture(scope="module")
def people(stack):
    """An officer and a viewer, created by the admin through the API."""
    gateway = stack["gateway"].url
    admin = bearer(login(gateway))
    tokens = {"admin": admin}
    for username, role in (("olivia", "officer"), ("victor", "viewer")):
        created = httpx.post(
            f"{gateway}/api/v1/users",
            headers=admin,
            timeout=30,
            json={"username": username, "password": PASSWORD, "roles": [role]},
        )
        assert created.status_code == 201, created.text
        tokens[role] = bearer(login(gateway, username, PASSWORD))
    return tokens


def test_roles_decide_at_the_gateway_and_the_caller_reaches_the_service(stack, people):
    gateway = stack["gateway"].url
    partner = {"kind": "federated_state", "name_fr": "Bavière", "name_en": "Bavaria", "country": "DE"}
    assert httpx.post(f"{gateway}/api/v1/partners", json=partner).status_code == 401
    assert httpx.post(f"{gateway}/api/v1/partners", json=partner, headers=people["viewer"]).status_code == 403
    created = httpx.post(f"{gateway}/api/v1/partners", json=partner, headers=people["officer"])
    assert created.status_code == 201, created.text
    read = httpx.get(f"{gateway}/api/v1/partners/{created.json()['id']}", headers=people["viewer"])
    assert read.status_code == 200 and read.json()["name_en"] == "Bavaria"
    assert (
        httpx.post(
            f"{gateway}/api/v1/partners/{created.json()['id']}/merge", json={}, headers=people["officer"]
        ).status_code
        == 403
    )
    assert httpx.get(f"{gateway}/api/v1/users", headers=people["officer"]).status_code == 403
    assert httpx.get(f"{gateway}/api/v1/nowhere", headers=people["admin"]).status_code == 404


def test_nothing_reaches_a_service_around_the_gateway(stack):
    partners = stack["urls"]["partners"]
    path = "/api/v1/partners"
    body = {"kind": "state", "name_fr": "Contournement"}
    admin = Caller(user="mallory", roles=frozenset({"admin"}))
    attempts = {
        "no identity": {},
        "made-up signature": {
            "x-liaison-user": "mallory",
            "x-liaison-roles": "admin",
            "x-liaison-identity-time": str(int(time.time())),
            "x-liaison-signature": "0" * 64,
        },
        "signed with another secret": sign(admin, secret="not-the-gateways-secret-123", method="POST", path=path),
        "signed for another path": sign(admin, secret=TEST_IDENTITY_SECRET, method="POST", path="/api/v1/other"),
        "signed for another method": sign(admin, secret=TEST_IDENTITY_SECRET, method="GET", path=path),
        "signed an hour ago": sign(
            admin, secret=TEST_IDENTITY_SECRET, method="POST", path=path, now=time.time() - 3600
        ),
    }
    for attempt, headers in attempts.items():
        response = httpx.post(partners + path, json=body, headers=headers)
        assert response.status_code == 401, attempt
    listed = httpx.get(
        partners + path + "?q=Contournement",
        headers=sign(admin, secret=TEST_IDENTITY_SECRET, method="GET", path=path, query="q=Contournement"),
    )
    assert "Contournement" not in listed.text, "no attempt wrote anything"


def test_a_logout_reaches_every_worker(stack):
    gateway = stack["gateway"].url
    token = bearer(login(gateway))
    assert httpx.post(f"{gateway}/api/v1/auth/logout", headers=token).status_code == 204
    time.sleep(0.6)  # > the poll interval: the other worker has read the revocation
    statuses = {httpx.get(f"{gateway}/api/v1/auth/me", headers=token).status_code for _ in range(10)}
    assert statuses == {401}


def test_one_scrape_of_the_gateway_sees_what_both_workers_counted(stack, people):
    """Two workers (the client library's multiprocess mode): the supervisor's metrics port adds them up."""
    metrics = f"http://127.0.0.1:{stack['gateway'].metrics_port}/metrics"
    route = '{method="GET",route="/api/v1/partners/{id}",status="404"}'

    def counted() -> float:
        for line in httpx.get(metrics, timeout=10).text.splitlines():
            if line.startswith("liaison_http_requests_total" + route):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = counted()
    for _ in range(20):  # a new connection each: the kernel hands them to either worker
        httpx.get(f"{stack['gateway'].url}/api/v1/partners/{uuid.uuid4()}", headers=people["viewer"], timeout=30)
    assert counted() - before == 20
    assert "process_cpu_seconds_total" in httpx.get(metrics, timeout=10).text


def test_the_access_log_has_one_structured_line_per_request(stack, people):
    gateway = stack["gateway"]
    request_id = f"log-{uuid.uuid4().hex[:8]}"
    httpx.get(f"{gateway.url}/api/v1/partners/{uuid.uuid4()}", headers={"x-request-id": request_id, **people["viewer"]})
    time.sleep(0.2)
    lines = [json.loads(line) for line in gateway.log_lines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == request_id and line["logger"] == "liaison.access"]
    assert len(mine) == 1
    assert mine[0]["status"] == 404 and mine[0]["user"] == "victor" and mine[0]["service"] == "partners"
    assert len(mine[0]["trace_id"]) == 32 and mine[0]["duration_ms"] > 0


@pytest.fixture(scope="module")
def degraded(stack, tmp_path_factory):
    """A second gateway on the same services, with engagements down (nothing listens at its URL)
    and a tight rate limit."""
    logs = tmp_path_factory.mktemp("degraded-logs")
    urls = stack["urls"] | {"engagements": f"http://127.0.0.1:{free_port()}"}
    gateway = start_gateway(
        urls, f"sqlite:///{logs}/gateway.db", logs, wait="/healthz", RATE_LIMIT_PER_SECOND="0.2", RATE_LIMIT_BURST="6"
    )
    yield gateway
    gateway.stop()


def test_with_engagements_down_the_overview_is_partial_and_names_what_is_missing(stack, people, degraded):
    created = httpx.post(
        f"{stack['gateway'].url}/api/v1/partners",
        headers=people["officer"],
        json={"kind": "ngo", "name_fr": "Partenaire partiel"},
    ).json()
    token = bearer(login(degraded.url))
    response = httpx.get(f"{degraded.url}/api/v1/partners/{created['id']}/overview", headers=token, timeout=10)
    assert response.status_code == 200, response.text
    overview = response.json()
    assert overview["partner"]["name_fr"] == "Partenaire partiel"
    assert overview["complete"] is False
    missing = {m["part"]: m for m in overview["missing"]}
    assert missing["history"]["service"] == "engagements" and "unavailable" in missing["history"]["detail"]
    assert missing["open_follow_ups"]["service"] == "engagements"
    down = httpx.get(f"{degraded.url}/api/v1/engagements", headers=token)
    assert down.status_code == 503 and down.json()["service"] == "engagements"


def test_over_the_rate_limit_a_caller_gets_429_with_retry_after(degraded):
    token = bearer(login(degraded.url))
    statuses = [httpx.get(f"{degraded.url}/api/v1/auth/me", headers=token).status_code for _ in range(8)]
    assert statuses[0] == 200 and statuses[-1] == 429
    limited = httpx.get(f"{degraded.url}/api/v1/auth/me", headers=token)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


def test_eighty_login_guesses_with_rotating_forwarded_for_get_429s_and_the_owner_still_gets_in(stack, people):
    """Issue 10, defect 7, against the real server: uvicorn believed X-Forwarded-For from loopback."""
    gateway = stack["gateway"].url
    owner = {"username": f"target-{uuid.uuid4().hex[:6]}", "password": PASSWORD, "roles": ["viewer"]}
    assert httpx.post(f"{gateway}/api/v1/users", headers=people["admin"], json=owner, timeout=30).status_code == 201
    statuses = [
        httpx.post(
            f"{gateway}/api/v1/auth/token",
            data={"grant_type": "password", "username": owner["username"], "password": f"guess {n}"},
            headers={"x-forwarded-for": f"10.{n}.{n % 7}.{n % 5}"},
            timeout=30,
        ).status_code
        for n in range(80)
    ]
    # Each of the two workers checks 5 free guesses, then one more that starts a 60 s wait.
    assert set(statuses) == {401, 429} and statuses.count(401) <= 2 * 7, statuses
    # The owner, from another address (the attacker is 127.0.0.1), logs in at once.
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=30) as own_machine:
        response = own_machine.post(
            f"{gateway}/api/v1/auth/token",
            data={"grant_type": "password", "username": owner["username"], "password": PASSWORD},
        )
    assert response.status_code == 200, response.text
