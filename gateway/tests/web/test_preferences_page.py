"""The preferences page offers the time zone of one's notifications and keeps it (issue 13)."""

import json

from gateway.tests.conftest import add_user
from gateway.tests.web.conftest import OFFICER, hidden, log_in


def notifications_stub(received: list):
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["method"] == "PUT":
            received.append(json.loads(body))
        answer = {"user": OFFICER, "email": None, "language": "fr", "timezone": "Europe/Paris", "updated_at": None}
        if received:
            answer |= received[-1]
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": json.dumps(answer).encode()})

    return app


def test_the_time_zone_is_offered_kept_and_sent(make_gateway, gateway_engine):
    add_user(gateway_engine, OFFICER, ["officer"])
    received: list = []
    client = make_gateway({"notifications": notifications_stub(received)})
    log_in(client)
    page = client.get("/inbox/preferences")
    assert page.status_code == 200
    assert '<option value="Europe/Paris" selected>' in page.text, "the chosen zone is shown"
    assert 'name="timezone"' in page.text and "Fuseau horaire de vos notifications" in page.text
    form = {"csrf_token": hidden(page.text, "csrf_token"), "language": "fr", "email": "", "timezone": "Asia/Tokyo"}
    saved = client.post("/inbox/preferences", data=form, follow_redirects=False)
    assert saved.status_code in (302, 303), saved.text
    assert received[-1] == {"email": None, "language": "fr", "timezone": "Asia/Tokyo"}
    form["timezone"] = ""
    client.post("/inbox/preferences", data=form, follow_redirects=False)
    assert received[-1]["timezone"] is None, "none chosen: Liaison's own zone"
