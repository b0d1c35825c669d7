"""Every service answers its problems in the caller's language (issue 13): Accept-Language fr or
en, titles and details translated, each field error naming the field as the form labels it."""

import uuid

import pytest

from services.engagements.app import create_app as engagements_app
from services.engagements.settings import EngagementsSettings
from services.notifications.app import create_app as notifications_app
from services.notifications.settings import NotificationsSettings
from services.partners.app import create_app as partners_app
from services.partners.settings import PartnersSettings
from tests.support.apps import service_client, unit_settings

FR, EN = {"Accept-Language": "fr-CA,fr;q=0.9"}, {"Accept-Language": "en-GB"}
SERVICES = {
    "partners": (partners_app, PartnersSettings),
    "engagements": (engagements_app, EngagementsSettings),
    "notifications": (notifications_app, NotificationsSettings),
}


@pytest.fixture
def client_of(new_engine):
    def make(name):
        create, settings = SERVICES[name]
        return service_client(create, unit_settings(settings), engine=new_engine(name))

    return make


@pytest.mark.parametrize(
    ("service", "path", "french", "english"),
    [
        (
            "partners",
            "/api/v1/partners/{id}",
            "Aucun partenaire n’a l’identifiant {id}.",
            "No partner has the id {id}.",
        ),
        (
            "engagements",
            "/api/v1/engagements/{id}",
            "Aucune activité n’a l’identifiant {id}.",
            "No engagement has the id {id}.",
        ),
        (
            "notifications",
            "/api/v1/notifications/{id}/read",
            "Vous n’avez aucune notification {id}.",
            "You have no notification {id}.",
        ),
    ],
)
def test_a_404_in_french_and_in_english(client_of, service, path, french, english):
    missing = str(uuid.uuid4())
    method = "POST" if path.endswith("/read") else "GET"
    with client_of(service) as client:
        fr = client.request(method, path.format(id=missing), headers=FR)
        assert fr.status_code == 404 and fr.headers["content-type"] == "application/problem+json"
        assert (fr.json()["title"], fr.json()["detail"]) == ("Introuvable", french.format(id=missing))
        en = client.request(method, path.format(id=missing), headers=EN)
        assert (en.json()["title"], en.json()["detail"]) == ("Not found", english.format(id=missing))
        assert client.request(method, path.format(id=missing)).json()["title"] == "Not found", "English by default"


def test_field_errors_name_the_fields_as_the_form_shows_them(client_of):
    body = {"type": "meeting", "title": "x" * 600, "starts_at": "not a time", "partner_ids": []}
    with client_of("engagements") as client:
        fr = client.post("/api/v1/engagements", json=body, headers=FR).json()
        assert fr["title"] == "Requête invalide"
        by_field = {e["field"]: e for e in fr["errors"]}
        assert by_field["title"]["label"] == "Titre" and by_field["title"]["message"] == "Au plus 300 caractères"
        assert by_field["starts_at"]["label"] == "Début"
        assert fr["detail"].startswith("Vérifiez ces champs : ") and "Titre" in fr["detail"]
        en = client.post("/api/v1/engagements", json=body, headers=EN).json()
        labels = {e["field"]: e["label"] for e in en["errors"]}
        assert labels["title"] == "Title" and labels["starts_at"] == "Start"
        assert en["detail"].startswith("Check these fields: ")


def test_a_refusal_of_the_notifications_service_in_french(client_of):
    follow = {"kind": "partner", "target": str(uuid.uuid4()), "channels": ["email"]}
    with client_of("notifications") as client:
        refused = client.post("/api/v1/subscriptions", json=follow, headers=FR)
        assert refused.status_code == 422
        assert refused.json()["title"] in ("Aucune adresse courriel", "Courriel indisponible")
        assert (refused.json()["field"], refused.json()["label"]) == ("channels", "Moyens")
        bad = client.put("/api/v1/notifications/preferences", json={"email": "nope"}, headers=FR).json()
        assert bad["errors"][0]["label"] == "Courriel"
        assert bad["errors"][0]["message"] == "n’est pas une adresse courriel"
