"""Signing in with the issuer: authorization code + PKCE against a small issuer this test runs on loopback."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from gateway.web.context import SESSION_COOKIE
from tests.support.oidc_issuer import CLIENT_ID, OidcIssuer


@pytest.fixture
def issuer():
    running = OidcIssuer().start()
    yield running
    running.stop()


@pytest.fixture
def client(make_gateway, issuer):
    return make_gateway({}, **issuer.gateway_settings())


def go_to_issuer(client, next_url: str = "/"):
    """The browser's trip: our /login/oidc, then the issuer's /authorize, back with a code."""
    start = client.get(f"/login/oidc?next={next_url}", follow_redirects=False)
    assert start.status_code == 303
    approved = httpx.get(start.headers["location"], follow_redirects=False)  # the real issuer, over HTTP
    assert approved.status_code == 302, approved.text
    back = urlsplit(approved.headers["location"])
    return start, back.path + "?" + back.query


def test_the_login_page_offers_the_issuer(client):
    assert "Se connecter avec Ministère SSO" in client.get("/login").text


def test_signing_in_with_the_issuer_opens_a_session_with_the_mapped_roles(client, issuer):
    start, callback = go_to_issuer(client, "/%3Fview%3Dmine")
    sent = issuer.authorize_requests[-1]
    assert sent["client_id"] == CLIENT_ID and sent["code_challenge_method"] == "S256"
    assert sent["redirect_uri"].endswith("/login/oidc/callback") and sent["nonce"] and sent["state"]
    assert "code_verifier" not in start.headers["location"]
    flow_cookie = start.headers["set-cookie"]
    assert "HttpOnly" in flow_cookie and "Path=/login/oidc" in flow_cookie

    done = client.get(callback, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/?view=mine"
    assert issuer.token_requests[-1]["code_verifier"]  # PKCE: the verifier went to the token endpoint
    assert SESSION_COOKIE in client.cookies
    home = client.get("/")
    assert "Bienvenue, marie.tremblay" in home.text
    assert "marie.tremblay (officer)" in home.text  # the API, through the front door, sees the mapped role


def test_a_callback_with_another_state_is_refused(client):
    _start, callback = go_to_issuer(client)
    forged = callback.replace("state=", "state=x")
    refused = client.get(forged, follow_redirects=False)
    assert refused.status_code == 403
    assert "Se connecter avec votre compte de l’organisation n’a pas fonctionné" in refused.text
    assert SESSION_COOKIE not in client.cookies


def test_a_code_works_once(client):
    _start, callback = go_to_issuer(client)
    assert client.get(callback, follow_redirects=False).status_code == 303
    client.cookies.delete(SESSION_COOKIE)
    replay_start = client.get("/login/oidc", follow_redirects=False)  # a fresh flow, the old code
    state = parse_qs(urlsplit(replay_start.headers["location"]).query)["state"][0]
    code = parse_qs(urlsplit(callback).query)["code"][0]
    replayed = client.get(f"/login/oidc/callback?code={code}&state={state}", follow_redirects=False)
    assert replayed.status_code == 401
    assert SESSION_COOKIE not in client.cookies


def test_an_id_token_for_another_login_attempt_is_refused(client, issuer):
    issuer.tamper_nonce = True
    _start, callback = go_to_issuer(client)
    assert client.get(callback, follow_redirects=False).status_code == 401
    assert SESSION_COOKIE not in client.cookies


def test_an_account_without_a_liaison_role_is_told_so(client, issuer):
    issuer.next_user = {"sub": "visitor", "roles": ["something-else"]}
    _start, callback = go_to_issuer(client)
    refused = client.get(callback, follow_redirects=False)
    assert refused.status_code == 403
    assert "aucun rôle dans Liaison" in refused.text


def test_the_issuer_saying_no_gives_the_login_page(client):
    start = client.get("/login/oidc", follow_redirects=False)
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    refused = client.get(f"/login/oidc/callback?error=access_denied&state={state}", follow_redirects=False)
    assert refused.status_code == 401
    assert 'action="/login"' in refused.text


def test_without_oidc_settings_there_is_no_button_and_no_route(make_gateway):
    plain = make_gateway({})
    assert "Se connecter avec" not in plain.get("/login").text
    assert plain.get("/login/oidc", follow_redirects=False).status_code == 404
