"""The partner form offers the directory's teams as the partner's owning team (issue 13, Teams), and
sends the one chosen to the partners service."""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlmodel import Session

from gateway.models import Team
from gateway.tests.conftest import add_user
from gateway.tests.web.conftest import OFFICER, hidden, log_in


def partners_service(received: list[dict]) -> FastAPI:
    """A partners service that keeps what a new partner is created with."""
    app = FastAPI()

    @app.post("/api/v1/partners")
    async def create(request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        received.append(body)
        return JSONResponse({"id": "3f1e2d3c-0000-4000-8000-000000000001", **body}, status_code=201)

    return app


def test_the_form_offers_the_teams_and_sends_the_one_chosen(make_gateway, gateway_engine):
    add_user(gateway_engine, OFFICER, ["officer"])
    with Session(gateway_engine) as session:
        team = Team(name="Francophonie et multilatéral")
        session.add(team)
        session.commit()
        team_id = str(team.id)
    received: list[dict] = []
    web_client = make_gateway({"partners": partners_service(received), "engagements": FastAPI()})
    assert log_in(web_client).status_code in (302, 303)

    form = web_client.get("/partners/new")
    assert form.status_code == 200, form.text
    assert "Équipe responsable" in form.text
    assert f'<option value="{team_id}">Francophonie et multilatéral</option>' in form.text

    made = web_client.post(
        "/partners/new",
        data={
            "kind": "international_organization",
            "name_fr": "Organisation internationale de la Francophonie",
            "owner_team_id": team_id,
            "csrf_token": hidden(form.text, "csrf_token"),
        },
        follow_redirects=False,
    )
    assert made.status_code in (302, 303), made.text
    assert received == [
        {"kind": "international_organization", "name_fr": "Organisation internationale de la Francophonie"}
        | {"owner_team_id": team_id}
    ]

    web_client.get("/language/en?next=/")
    assert "Owning team" in web_client.get("/partners/new").text


def test_the_partner_page_names_its_owning_team(make_gateway, gateway_engine):
    add_user(gateway_engine, OFFICER, ["officer"])
    with Session(gateway_engine) as session:
        team = Team(name="Direction Europe")
        session.add(team)
        session.commit()
        team_id = str(team.id)
    partner_id = "3f1e2d3c-0000-4000-8000-000000000002"
    partners = FastAPI()

    @partners.get("/api/v1/partners/{wanted}")
    async def read(wanted: str) -> JSONResponse:
        body = {"id": wanted, "kind": "federated_state", "name_fr": "Bavière", "name_en": "Bavaria"}
        when = {"created_at": "2026-11-02T14:00:00Z", "updated_at": "2026-11-30T09:00:00Z"}
        lists = {"acronyms": ["BY"], "aliases": [], "thrusts": []}
        return JSONResponse(body | when | lists | {"status": "active", "version": 1, "owner_team_id": team_id})

    web_client = make_gateway({"partners": partners, "engagements": FastAPI(), "notifications": FastAPI()})
    log_in(web_client)
    page = web_client.get(f"/partners/{partner_id}")
    assert page.status_code == 200, page.text
    assert "<dt>Équipe responsable</dt><dd>Direction Europe</dd>" in page.text
