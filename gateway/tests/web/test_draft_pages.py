"""Drafts made from e-mails (issue 13) in the web app: listed on the home page with "Compléter" (the
edit form) and "Confirmer", which asks the engagements service to confirm and lands on the engagement."""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from gateway.tests.conftest import add_user
from gateway.tests.web.conftest import OFFICER, hidden, log_in

DRAFT_ID = str(uuid.uuid4())
DRAFT = {"id": DRAFT_ID, "title": "Rencontre avec la Bavière", "starts_at": "2026-03-02T14:30:00Z", "draft": True}


def fake_engagements(confirmed: list[str], *, answer: int = 200) -> FastAPI:
    """Just what the home page's drafts and the confirm button read and post."""
    app = FastAPI()

    @app.get("/api/v1/engagements")
    def engagements(request: Request) -> dict:
        items = [DRAFT] if request.query_params.get("drafts") == "true" else []
        return {"items": items, "next_cursor": None, "total": len(items), "facets": None}

    @app.post("/api/v1/engagements/{engagement_id}/confirm", status_code=200)
    def confirm(engagement_id: str) -> JSONResponse:
        confirmed.append(engagement_id)
        return JSONResponse(DRAFT | {"draft": False}, status_code=answer)

    return app


def test_the_home_page_lists_my_drafts_to_complete_and_confirm(make_gateway, gateway_engine):
    add_user(gateway_engine, OFFICER, ["officer"])
    confirmed: list[str] = []
    client = make_gateway({"engagements": fake_engagements(confirmed)})
    log_in(client)
    home = client.get("/")
    assert home.status_code == 200
    assert "Brouillons reçus par courriel" in home.text and "Rencontre avec la Bavière" in home.text
    assert f'href="/engagements/{DRAFT_ID}/edit">Compléter</a>' in home.text
    assert f'action="/engagements/{DRAFT_ID}/confirm"' in home.text
    done = client.post(
        f"/engagements/{DRAFT_ID}/confirm", data={"csrf_token": hidden(home.text, "csrf_token")}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == f"/engagements/{DRAFT_ID}?logged=1"
    assert confirmed == [DRAFT_ID]


def test_a_draft_still_incomplete_opens_its_form_and_no_csrf_no_confirm(make_gateway, gateway_engine):
    add_user(gateway_engine, OFFICER, ["officer"])
    confirmed: list[str] = []
    client = make_gateway({"engagements": fake_engagements(confirmed, answer=422)})
    log_in(client)
    home = client.get("/")
    assert client.post(f"/engagements/{DRAFT_ID}/confirm", data={}, follow_redirects=False).status_code == 403
    assert confirmed == []
    done = client.post(
        f"/engagements/{DRAFT_ID}/confirm", data={"csrf_token": hidden(home.text, "csrf_token")}, follow_redirects=False
    )
    assert done.headers["location"] == f"/engagements/{DRAFT_ID}/edit"
