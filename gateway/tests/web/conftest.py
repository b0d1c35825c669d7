"""The web app in-process: a gateway on its own SQLite database, with an officer who can log in."""

from __future__ import annotations

import re

import pytest

from gateway.tests.conftest import PASSWORD, add_user

OFFICER = "officer.web"


@pytest.fixture
def web_client(make_gateway, gateway_engine):
    """A TestClient on a gateway with no downstream services (the pages tested here need none)."""
    add_user(gateway_engine, OFFICER, ["officer"])
    return make_gateway({})


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name!r} in the page"
    return found.group(1)


def log_in(client, username: str = OFFICER, password: str = PASSWORD, next_url: str = "/"):
    page = client.get("/login")
    form = {"username": username, "password": password, "next": next_url, "csrf_token": hidden(page.text, "csrf_token")}
    return client.post("/login", data=form, follow_redirects=False)
