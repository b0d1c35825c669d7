"""What every page shares: security headers, error pages in the app's style, the language switch."""

import pytest

from gateway.tests.web.conftest import OFFICER, hidden, log_in
from gateway.web.headers import CSP


def test_pages_and_assets_carry_the_security_headers(web_client):
    for path in ("/login", "/static/app.css", "/no-such-page"):
        headers = web_client.get(path).headers
        assert headers["content-security-policy"] == CSP, path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    assert "frame-ancestors 'none'" in CSP and "default-src 'self'" in CSP


def test_the_api_keeps_its_problem_json(web_client):
    missing = web_client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "content-security-policy" not in missing.headers
    assert web_client.get("/healthz").json() == {"status": "ok"}


def test_an_unknown_page_gets_a_page_not_json(web_client):
    response = web_client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Cette page n’existe pas" in response.text
    assert '<link rel="stylesheet" href="/static/app.css">' in response.text


def test_a_crash_in_a_page_gets_the_apps_500_page(web_client, caplog):
    inner = web_client.app.inner

    @inner.get("/boom-for-test")
    async def boom():
        raise RuntimeError("secret detail of the failure")

    log_in(web_client)
    response = web_client.get("/boom-for-test")
    assert response.status_code == 500
    assert "Une erreur s’est produite de notre côté" in response.text
    assert "secret detail" not in response.text  # the cause is logged, not shown
    assert any(r.getMessage() == "unhandled error" for r in caplog.records)


def test_french_by_default_english_one_link_away_and_remembered(web_client):
    login_page = web_client.get("/login")
    assert '<html lang="fr">' in login_page.text
    assert 'href="/language/en?next=/login" hreflang="en" lang="en"' in login_page.text
    log_in(web_client)
    switched = web_client.get("/language/en?next=/", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/"
    home = web_client.get("/")
    assert '<html lang="en">' in home.text and "Welcome, officer.web" in home.text
    assert 'hreflang="fr" lang="fr">Français</a>' in home.text
    # Remembered for the person, not only in this browser: a new browser, after login, is in English.
    web_client.post("/logout", data={"csrf_token": hidden(home.text, "csrf_token")})
    web_client.cookies.clear()
    log_in(web_client)
    assert '<html lang="en">' in web_client.get("/").text


def test_a_language_chosen_before_login_becomes_the_persons(web_client):
    web_client.get("/language/en?next=/login")
    assert "Log in to Liaison" in web_client.get("/login").text
    log_in(web_client)
    web_client.cookies.clear()  # another browser
    log_in(web_client)
    assert "Welcome, officer.web" in web_client.get("/").text


@pytest.mark.parametrize("lang", ["de", "..", "fr%0d%0aSet-Cookie:x=y"])
def test_an_unknown_language_changes_nothing(web_client, lang):
    response = web_client.get(f"/language/{lang}?next=/login", follow_redirects=False)
    assert response.status_code == 303
    assert "set-cookie" not in response.headers


def test_the_login_page_shows_no_one_else_s_name(web_client):
    page = web_client.get("/login").text
    assert OFFICER not in page
    assert "Se déconnecter" not in page


def test_a_page_refuses_a_body_larger_than_the_api_would_take(make_gateway):
    client = make_gateway({}, import_body_limit_bytes=2048)
    response = client.post("/login", content=b"x" * 4096, headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
