from gateway.ratelimit import RateLimiter, retry_after_header
from gateway.tests.conftest import bearer, echo_service, token_for


def test_a_bucket_allows_its_burst_then_refills_at_its_rate():
    limiter = RateLimiter(per_second=2, burst=3)
    assert [limiter.take("u", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("u", now=0.0) == 0.5
    assert limiter.take("u", now=0.5) == 0.0
    assert limiter.take("other", now=0.5) == 0.0, "one bucket per caller"
    assert retry_after_header(0.2) == "1" and retry_after_header(2.1) == "3"


def test_a_caller_over_their_rate_gets_429_with_retry_after_and_others_do_not(make_gateway):
    gateway = make_gateway({"engagements": echo_service}, rate_limit_per_second=0.5, rate_limit_burst=3)
    greedy, other = bearer(token_for("viewer", user="greedy")), bearer(token_for("viewer", user="calm"))
    statuses = [gateway.get("/api/v1/engagements", headers=greedy).status_code for _ in range(4)]
    assert statuses == [207, 207, 207, 429]
    limited = gateway.get("/api/v1/engagements", headers=greedy)
    assert limited.status_code == 429 and limited.headers["content-type"] == "application/problem+json"
    assert int(limited.headers["retry-after"]) >= 1
    assert gateway.get("/api/v1/engagements", headers=other).status_code == 207


def test_logins_are_limited_per_client_address(make_gateway):
    gateway = make_gateway({}, rate_limit_per_second=0.1, rate_limit_burst=2)
    body = {"grant_type": "password", "username": "x", "password": "y" * 12}
    statuses = [gateway.post("/api/v1/auth/token", json=body).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
