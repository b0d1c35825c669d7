import uuid

from services.engagements.tests.test_events import apply, partner_event


def test_history_of_a_known_partner_shows_it_from_the_read_copy(client, sessions):
    partner_id = uuid.uuid4()
    apply(sessions, partner_event(partner_id))

    response = client.get(f"/api/v1/partners/{partner_id}/history")

    assert response.status_code == 200
    body = response.json()
    assert body["partner"]["id"] == str(partner_id)
    assert body["partner"]["acronyms"] == ["OIF"]
    assert body["items"] == [] and body["next_cursor"] is None


def test_history_of_an_unheard_of_partner_is_a_404_problem_that_says_why(client):
    response = client.get(f"/api/v1/partners/{uuid.uuid4()}/history")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "has not heard of partner" in response.json()["detail"]


def test_history_with_a_malformed_id_is_a_422_problem(client):
    response = client.get("/api/v1/partners/oif/history")
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["path", "partner_id"]
