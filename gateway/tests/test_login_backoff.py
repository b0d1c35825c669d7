"""Logins (issue 10, defect 7): X-Forwarded-For counts only from a configured proxy, and failed logins
slow down the one client that makes them, per account, without ever locking the account's owner out."""

from __future__ import annotations

import pytest

from gateway.ratelimit import LoginBackoff
from gateway.tests.conftest import PASSWORD, add_user

PEER_HEADER = b"x-test-peer"


def with_peer(app):
    """The TCP peer's address, as the server would set it, taken from a header only this test sends."""

    async def wrapped(scope, receive, send):
        if scope["type"] == "http":
            peer = dict(scope["headers"]).get(PEER_HEADER, b"192.0.2.1").decode()
            scope = {**scope, "client": (peer, 40000)}
        await app(scope, receive, send)

    return wrapped


@pytest.fixture
def gateway(make_gateway, gateway_engine):
    add_user(gateway_engine, "olivia", ["officer"])
    return lambda **settings: make_gateway({}, wrap=with_peer, **settings)


def login(gateway, *, password: str, peer: str = "192.0.2.1", forwarded_for: str | None = None):
    headers = {"x-test-peer": peer}
    if forwarded_for:
        headers["x-forwarded-for"] = forwarded_for
    body = {"grant_type": "password", "username": "olivia", "password": password}
    return gateway.post("/api/v1/auth/token", data=body, headers=headers)


def test_eighty_guesses_with_rotating_forwarded_for_are_slowed_and_the_owner_still_gets_in(gateway):
    client = gateway()
    statuses = [login(client, password=f"guess {n}", forwarded_for=f"10.{n}.{n}.{n}").status_code for n in range(80)]
    assert statuses.count(429) >= 70, statuses
    assert set(statuses) == {401, 429}
    limited = login(client, password="guess again", forwarded_for="10.99.99.99")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.headers["content-type"] == "application/problem+json"
    # The owner, from their own machine, is not locked out by someone else's guesses.
    assert login(client, password=PASSWORD, peer="198.51.100.20").status_code == 200


def test_a_right_password_is_not_even_checked_while_its_client_waits(gateway):
    client = gateway(login_backoff_free_failures=2, login_backoff_base_seconds=60)
    assert [login(client, password="wrong").status_code for _ in range(3)] == [401, 401, 401]
    refused = login(client, password=PASSWORD)
    assert refused.status_code == 429 and 59 <= int(refused.headers["retry-after"]) <= 60


def test_a_successful_login_resets_the_backoff():
    backoff = LoginBackoff(free_failures=2, base_seconds=1, max_seconds=60)
    for _ in range(2):
        assert backoff.wait("olivia", "192.0.2.1", now=0) == 0
        backoff.failed("olivia", "192.0.2.1", now=0)
    assert backoff.wait("olivia", "192.0.2.1", now=0) == 0, "the free failures are free"
    backoff.failed("olivia", "192.0.2.1", now=0)
    assert backoff.wait("olivia", "192.0.2.1", now=0) == 1
    backoff.failed("olivia", "192.0.2.1", now=1)
    assert backoff.wait("olivia", "192.0.2.1", now=1) == 2, "doubling"
    assert backoff.wait("olivia", "198.51.100.20", now=1) == 0, "per client"
    assert backoff.wait("oscar", "192.0.2.1", now=1) == 0, "per account"
    backoff.succeeded("olivia", "192.0.2.1")
    assert backoff.wait("olivia", "192.0.2.1", now=1) == 0


def test_the_delay_is_capped():
    backoff = LoginBackoff(free_failures=0, base_seconds=1, max_seconds=30)
    for second in range(0, 10_000, 100):
        backoff.failed("olivia", "192.0.2.1", now=second)
    assert backoff.wait("olivia", "192.0.2.1", now=9_900) == 30


def test_user_names_are_one_account_whatever_their_case():
    backoff = LoginBackoff(free_failures=0, base_seconds=5, max_seconds=30)
    backoff.failed("Olivia", "192.0.2.1", now=0)
    assert backoff.wait("olivia", "192.0.2.1", now=0) == 5


def test_forwarded_for_is_ignored_by_default_even_from_loopback(gateway):
    client = gateway(rate_limit_per_second=0.01, rate_limit_burst=2)
    statuses = [
        login(client, password=f"guess {n}", peer="127.0.0.1", forwarded_for=f"10.0.0.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429], "one client, whatever it says it forwards"


def test_forwarded_for_is_believed_from_a_configured_proxy_only(gateway):
    client = gateway(rate_limit_per_second=0.01, rate_limit_burst=2, trusted_proxies=["10.1.0.0/16"])
    proxied = [
        login(client, password="x" * 12, peer="10.1.2.3", forwarded_for=f"203.0.113.{n}").status_code for n in range(4)
    ]
    assert proxied == [401] * 4, "behind the proxy, each client has its own bucket"
    direct = [
        login(client, password="x" * 12, peer="198.51.100.9", forwarded_for=f"203.0.113.{n}").status_code
        for n in range(3)
    ]
    assert direct == [401, 401, 429], "a client that is not the proxy cannot pick its own address"
