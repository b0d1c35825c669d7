"""The web app asks the services in the page's language and decides on a problem's `type` and status,
never on its title: a French page gets the services' French words and still knows what went wrong."""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request

from gateway.tests.conftest import add_user
from gateway.tests.web.conftest import OFFICER, hidden, log_in
from services.kit.http_problems import install_problem_handlers
from services.kit.idempotency import KeyReused
from services.kit.middleware import RequestContextMiddleware
from services.kit.problems import Problem, ProblemType

PARTNER = str(uuid.uuid4())


def engagements_refusing(problem: Problem, languages: list[str]) -> FastAPI:
    """An engagements service that refuses every engagement with `problem`, written by the kit's own
    handlers in the language asked (as the real service does), and notes the language each call asked."""
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware)

    @app.post("/api/v1/engagements")
    def log(request: Request) -> None:
        languages.append(request.headers.get("accept-language", ""))
        raise problem

    return app


def services(engagements: FastAPI) -> dict[str, FastAPI]:
    # The form's other reads (thrusts, partners, people) find nothing: not what is tested here.
    return {"engagements": engagements, "partners": FastAPI(), "notifications": FastAPI()}


def post_form(client) -> str:
    form = client.get("/engagements/new")
    assert form.status_code == 200
    body = {
        "csrf_token": hidden(form.text, "csrf_token"),
        "idempotency_key": hidden(form.text, "idempotency_key"),
        "type": "meeting",
        "title": "Rencontre",
        "starts_at": "2026-07-01T09:30",
        "partner_ids": PARTNER,
        "thrusts": "trade",
        "confidentiality": "internal",
    }
    answer = client.post("/engagements", data=body, follow_redirects=False)
    assert answer.status_code == 422, answer.text[:500]
    return answer.text


def test_a_reused_key_is_known_by_its_type_on_a_french_page(make_gateway, gateway_engine):
    add_user(gateway_engine, OFFICER, ["officer"])
    languages: list[str] = []
    client = make_gateway(services(engagements_refusing(KeyReused("Another body."), languages)))
    log_in(client)
    page = post_form(client)
    assert languages and set(languages) == {"fr"}, "the service was asked in the page's language"
    assert "Ce formulaire a déjà été envoyé avec un autre contenu." in page
    assert "This form was already sent" not in page


def test_an_archived_partner_is_known_by_its_type_in_french_and_in_english(make_gateway, gateway_engine):
    add_user(gateway_engine, OFFICER, ["officer"])
    languages: list[str] = []
    archived = Problem(  # as the engagements service raises it (partner_copies.UnknownPartner)
        "Archived partner(s) cannot be named on an engagement.",
        status=422,
        title="Archived partner",
        type=ProblemType.ARCHIVED_PARTNER,
        partner_ids=[PARTNER],
    )
    client = make_gateway(services(engagements_refusing(archived, languages)))
    log_in(client)
    assert "Un partenaire archivé ne peut pas être associé à une activité." in post_form(client)
    client.get("/language/en?next=/")
    assert "An archived partner cannot be named on an engagement." in post_form(client)
    assert languages == ["fr", "en"]
