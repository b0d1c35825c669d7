"""Web sessions: the cookie, no fixation, CSRF, logout that really ends the session, idle timeout."""

from datetime import timedelta

from sqlmodel import Session, select

from gateway.models import RevokedToken, WebSession
from gateway.tests.conftest import PASSWORD
from gateway.tests.web.conftest import OFFICER, hidden, log_in
from gateway.tokens import digest
from gateway.web.context import SESSION_COOKIE


def session_cookie(response) -> str:
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "=")]
    assert len(cookies) == 1, response.headers.get_list("set-cookie")
    return cookies[0]


def plant(client, session_id: str) -> None:
    """The browser now holds this session cookie, whatever it held before."""
    for cookie in [c for c in client.cookies.jar if c.name == SESSION_COOKIE]:
        client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    client.cookies.set(SESSION_COOKIE, session_id, domain="testserver.local")


def test_a_login_sets_an_http_only_same_site_cookie_and_stores_only_its_hash(web_client, gateway_engine):
    response = log_in(web_client)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP here; over TLS it is Secure (next test)
    session_id = web_client.cookies[SESSION_COOKIE]
    with Session(gateway_engine) as db:
        rows = db.exec(select(WebSession)).all()
    assert [(row.id_hash, row.username) for row in rows] == [(digest(session_id), OFFICER)]
    assert web_client.get("/", follow_redirects=False).status_code == 200


def test_over_tls_the_cookie_is_secure(make_gateway, gateway_engine):
    from gateway.tests.conftest import add_user

    add_user(gateway_engine, OFFICER, ["officer"])
    client = make_gateway({})
    client.base_url = "https://testserver"
    assert "Secure" in session_cookie(log_in(client))


def test_a_wrong_password_opens_no_session_and_says_so_beside_the_form(web_client):
    response = log_in(web_client, password="not the password")
    assert response.status_code == 401
    assert "Nom d’utilisateur inconnu, mot de passe erroné" in response.text
    assert SESSION_COOKIE not in web_client.cookies
    assert web_client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"


def test_the_login_form_without_its_token_is_refused(web_client):
    web_client.get("/login")
    response = web_client.post("/login", data={"username": OFFICER, "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 403
    assert SESSION_COOKIE not in web_client.cookies


def test_logging_in_never_keeps_the_session_id_the_browser_came_with(web_client, gateway_engine):
    log_in(web_client)
    planted = web_client.cookies[SESSION_COOKIE]
    # Someone who knew this id (planted it, or read it before) gains nothing from the next login.
    plant(web_client, "none")
    form = web_client.get("/login").text
    plant(web_client, planted)
    response = web_client.post(
        "/login",
        data={"username": OFFICER, "password": PASSWORD, "csrf_token": hidden(form, "csrf_token")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    fresh = web_client.cookies[SESSION_COOKIE]
    assert fresh != planted
    with Session(gateway_engine) as db:
        assert db.get(WebSession, digest(planted)) is None
    plant(web_client, planted)
    assert web_client.get("/", follow_redirects=False).status_code == 303


def test_a_made_up_session_id_is_not_adopted(web_client):
    plant(web_client, "chosen-by-an-attacker")
    log_in(web_client)
    assert web_client.cookies[SESSION_COOKIE] != "chosen-by-an-attacker"


def test_logout_needs_the_session_csrf_token(web_client):
    log_in(web_client)
    refused = web_client.post("/logout", data={"csrf_token": "wrong"}, follow_redirects=False)
    assert refused.status_code == 403
    assert "Vous ne pouvez pas faire cela" in refused.text  # an error page, not JSON
    assert web_client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert web_client.get("/", follow_redirects=False).status_code == 200  # still logged in


def test_logout_ends_the_session_for_whoever_holds_the_cookie(web_client, gateway_engine):
    log_in(web_client)
    session_id = web_client.cookies[SESSION_COOKIE]
    with Session(gateway_engine) as db:
        family = db.get(WebSession, digest(session_id)).family_id
    token = hidden(web_client.get("/").text, "csrf_token")
    response = web_client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"]
    with Session(gateway_engine) as db:
        assert db.get(WebSession, digest(session_id)) is None
        assert db.get(RevokedToken, family.hex) is not None  # the API tokens minted for it are dead too
    # A copy of the cookie kept from before is worth nothing.
    plant(web_client, session_id)
    assert web_client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"


def test_an_idle_session_ends(web_client, gateway_engine):
    log_in(web_client)
    session_id = web_client.cookies[SESSION_COOKIE]
    with Session(gateway_engine) as db:
        row = db.get(WebSession, digest(session_id))
        row.last_seen_at -= timedelta(hours=3)  # the default idle timeout is 2 hours
        db.add(row)
        db.commit()
    response = web_client.get("/?view=mine", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/%3Fview%3Dmine"
    with Session(gateway_engine) as db:
        assert db.get(WebSession, digest(session_id)) is None


def test_activity_keeps_a_session_alive(make_gateway, gateway_engine):
    from gateway.tests.conftest import add_user

    add_user(gateway_engine, OFFICER, ["officer"])
    client = make_gateway({}, web_session_idle_seconds=3600)
    log_in(client)
    session_id = client.cookies[SESSION_COOKIE]
    with Session(gateway_engine) as db:
        row = db.get(WebSession, digest(session_id))
        row.last_seen_at -= timedelta(minutes=50)
        db.add(row)
        db.commit()
    assert client.get("/", follow_redirects=False).status_code == 200  # 50 min idle < 60: touched again
    with Session(gateway_engine) as db:
        seen = db.get(WebSession, digest(session_id)).last_seen_at
        created = db.get(WebSession, digest(session_id)).created_at
    assert seen >= created


def test_a_disabled_user_loses_the_session(web_client, gateway_engine):
    from gateway.models import User

    log_in(web_client)
    with Session(gateway_engine) as db:
        user = db.exec(select(User).where(User.username == OFFICER)).one()
        user.disabled = True
        db.add(user)
        db.commit()
    assert web_client.get("/", follow_redirects=False).status_code == 303


def test_next_never_leads_off_site(web_client):
    response = log_in(web_client, next_url="//evil.example/")
    assert response.headers["location"] == "/"
    login = web_client.get("/login?next=https://evil.example/", follow_redirects=False)
    assert login.headers["location"] == "/"  # logged in already: straight to the safe default


def test_abandoned_sessions_are_swept_at_the_next_login(web_client, gateway_engine):
    log_in(web_client)
    abandoned = web_client.cookies[SESSION_COOKIE]
    with Session(gateway_engine) as db:
        row = db.get(WebSession, digest(abandoned))
        row.last_seen_at -= timedelta(hours=3)
        db.add(row)
        db.commit()
    web_client.cookies.clear()  # never comes back, never logs out
    log_in(web_client)
    with Session(gateway_engine) as db:
        assert db.get(WebSession, digest(abandoned)) is None
        assert len(db.exec(select(WebSession)).all()) == 1
