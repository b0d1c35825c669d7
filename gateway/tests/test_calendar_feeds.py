"""Secret calendar addresses (issue 13): made and revoked by their person, read with no
Authorization header, only that person's calendar, the secret kept hashed."""

import hashlib
import uuid
from urllib.parse import urlsplit

from sqlmodel import Session, select

from gateway.models import CalendarFeed
from gateway.tests.conftest import add_user, bearer, token_for

FR = {"Accept-Language": "fr"}


async def calendar_service(scope, receive, send):
    """A stand-in engagements service: a calendar naming the path and the identity it was asked with."""
    if scope["type"] != "http":
        return
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    body = f"BEGIN:VCALENDAR\r\nX-PATH:{scope['path']}\r\nX-USER:{headers.get('x-liaison-user')}\r\n"
    body += f"X-ROLES:{headers.get('x-liaison-roles')}\r\nEND:VCALENDAR\r\n"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/calendar")]})
    await send({"type": "http.response.body", "body": body.encode()})


def make_feed(gateway, user="ana.officer"):
    made = gateway.post("/api/v1/calendar/feeds", headers=bearer(token_for(roles=["officer"], user=user)))
    assert made.status_code == 201, made.text
    return made.json()


def test_a_secret_address_reads_its_person_s_calendar_without_a_credential(make_gateway, gateway_engine):
    gateway = make_gateway({"engagements": calendar_service})
    feed = make_feed(gateway)
    path = urlsplit(feed["url"]).path
    assert path.startswith("/api/v1/calendar/feeds/") and path.endswith(".ics")
    secret = path.removeprefix("/api/v1/calendar/feeds/").removesuffix(".ics")

    read = gateway.get(path)  # no Authorization header, as Outlook or Google send it
    assert read.status_code == 200 and read.headers["content-type"].startswith("text/calendar")
    asked = read.text  # the stand-in engagements service tells what it was asked
    assert "X-PATH:/api/v1/calendar/ana.officer.ics" in asked, "that person's calendar and no other"
    assert "X-USER:ana.officer" in asked and "X-ROLES:viewer" in asked, "as that person, able to read only"
    with Session(gateway_engine) as session:
        [row] = session.exec(select(CalendarFeed)).all()
        assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in row.secret_hash


def test_a_revoked_or_unknown_address_is_a_404(make_gateway):
    gateway = make_gateway({"engagements": calendar_service})
    feed = make_feed(gateway)
    path = urlsplit(feed["url"]).path
    owner = bearer(token_for(roles=["officer"], user="ana.officer"))
    other = bearer(token_for(roles=["officer"], user="someone.else"))
    assert gateway.delete(f"/api/v1/calendar/feeds/{feed['id']}", headers=other).status_code == 404
    assert gateway.get(path).status_code == 200, "another person cannot revoke it"
    assert gateway.delete(f"/api/v1/calendar/feeds/{feed['id']}", headers=owner).status_code == 204
    gone = gateway.get(path, headers=FR)
    assert gone.status_code == 404 and gone.headers["content-type"] == "application/problem+json"
    assert gone.json()["title"] == "Introuvable"
    listed = gateway.get("/api/v1/calendar/feeds", headers=owner).json()["items"]
    assert [f["id"] for f in listed] == [feed["id"]] and listed[0]["revoked_at"] is not None
    assert "url" not in listed[0], "the secret is shown once, when made"
    for bad in ("nonsense.ics", f"{'x' * 300}.ics", "%00.ics", f"{uuid.uuid4()}.ics"):
        assert gateway.get(f"/api/v1/calendar/feeds/{bad}").status_code in (404, 422), bad
    assert gateway.delete(f"/api/v1/calendar/feeds/{uuid.uuid4()}", headers=owner).status_code == 404
    assert gateway.delete("/api/v1/calendar/feeds/not-a-uuid", headers=owner).status_code == 422


def test_a_disabled_account_s_address_stops_at_once(make_gateway, gateway_engine):
    from gateway.models import User

    add_user(gateway_engine, "bob.officer", ["officer"])
    gateway = make_gateway({"engagements": calendar_service})
    path = urlsplit(make_feed(gateway, user="bob.officer")["url"]).path
    assert gateway.get(path).status_code == 200
    with Session(gateway_engine) as session:
        user = session.exec(select(User).where(User.username == "bob.officer")).one()
        user.disabled = True
        session.add(user)
        session.commit()
    assert gateway.get(path).status_code == 404


def test_making_addresses_needs_a_person(make_gateway):
    gateway = make_gateway({"engagements": calendar_service})
    assert gateway.post("/api/v1/calendar/feeds").status_code == 401
    assert gateway.get("/api/v1/calendar/feeds").status_code == 401
