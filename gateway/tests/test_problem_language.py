"""The front door answers its own problems in the caller's language too (issue 13)."""

from gateway.tests.conftest import bearer, echo_service, token_for

FR = {"Accept-Language": "fr"}


def test_the_front_door_s_problems_follow_accept_language(make_gateway):
    gateway = make_gateway({"partners": echo_service})
    unknown = gateway.get("/api/v1/no-such-thing", headers=FR)
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["title"] == "Adresse inconnue"
    assert unknown.json()["detail"] == "Aucune ressource à l’adresse /api/v1/no-such-thing."
    assert gateway.get("/api/v1/no-such-thing").json()["title"] == "No such route", "English without the header"

    anonymous = gateway.get("/api/v1/partners", headers=FR)
    assert anonymous.status_code == 401 and anonymous.json()["title"] == "Non authentifié"
    assert anonymous.json()["detail"].startswith("aucun identifiant")
    assert gateway.get("/api/v1/partners", headers={"Accept-Language": "en"}).json()["title"] == "Unauthenticated"


def test_the_service_s_answer_is_asked_in_the_caller_s_language(make_gateway):
    gateway = make_gateway({"partners": echo_service})
    seen = gateway.get("/api/v1/partners", headers=FR | bearer(token_for("officer"))).json()
    assert seen["headers"]["accept-language"] == "fr", "the services hear the caller's language"
