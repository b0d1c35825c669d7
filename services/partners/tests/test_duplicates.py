"""The duplicate review queue: likely pairs with a score and reasons, dismissals remembered, and a
merge where the administrator picks, field by field, whose value survives."""

import uuid

from services.partners.tests.conftest import ADMIN, BAVARIA, GERMANY, OIF, create, events, signed

QUEUE = "/api/v1/partners/duplicates"
TWIN = BAVARIA | {
    "name_fr": "Baviere",
    "name_en": "Bavarian State",
    "aliases": [],
    "acronyms": ["BAY"],
    "website": "https://www.bayern.de",
    "description_fr": "Le Land de Bavière.",
}


def queue(client, **params):
    response = client.get(QUEUE, params=params, auth=signed(ADMIN))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_queue_lists_likely_pairs_with_a_score_and_reasons(client):
    bavaria, germany = create(client, BAVARIA), create(client, GERMANY)
    twin = create(client, TWIN, allow_duplicate="true")
    create(client, OIF)
    alsace = create(client, {"kind": "federated_state", "name_fr": "Bavière", "country": "FR", "region": "europe"})

    page = queue(client)
    assert page["total"] == 1, "same country only: the French namesake and Germany are not proposed"
    [pair] = page["items"]
    assert {pair["first"]["id"], pair["second"]["id"]} == {bavaria["id"], twin["id"]}
    assert alsace["id"] not in (pair["first"]["id"], pair["second"]["id"]) and germany["id"] != pair["first"]["id"]
    assert 90 <= pair["score"] <= 100
    assert (
        "same name: 'Bavière' / 'Baviere'" in pair["reasons"] or "same name: 'Baviere' / 'Bavière'" in pair["reasons"]
    )
    assert {"same country: DE", "same kind: federated_state", "same subdivision: DE-BY"} <= set(pair["reasons"])
    assert pair["merge"] == f"/api/v1/partners/{pair['first']['id']}/merge"


def test_pairs_are_paged_best_first_with_a_cursor(client):
    create(client, BAVARIA)
    create(client, TWIN, allow_duplicate="true")
    create(client, GERMANY)
    create(
        client,
        GERMANY | {"name_en": "Federal Republic", "aliases": [], "kind": "other"},
        allow_duplicate="true",
    )
    first = queue(client, limit=1)
    assert first["total"] == 2 and first["next_cursor"]
    second = queue(client, limit=1, cursor=first["next_cursor"])
    assert second["next_cursor"] is None
    assert first["items"][0]["score"] >= second["items"][0]["score"]
    assert first["items"][0] != second["items"][0]
    bad = client.get(QUEUE, params={"cursor": "nonsense"}, auth=signed(ADMIN))
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


def test_only_admins_see_the_queue_and_dismiss(client):
    bavaria, twin = create(client, BAVARIA), create(client, TWIN, allow_duplicate="true")
    assert client.get(QUEUE).status_code == 403, "an officer does not review duplicates"
    body = {"partner_ids": [bavaria["id"], twin["id"]]}
    assert client.post(f"{QUEUE}/dismissals", json=body).status_code == 403


def test_a_dismissed_pair_is_remembered(client):
    bavaria, twin = create(client, BAVARIA), create(client, TWIN, allow_duplicate="true")
    url = f"{QUEUE}/dismissals"
    response = client.post(url, json={"partner_ids": [twin["id"], bavaria["id"]]}, auth=signed(ADMIN))
    assert response.status_code == 201, response.text
    dismissal = response.json()
    assert {dismissal["first_id"], dismissal["second_id"]} == {bavaria["id"], twin["id"]}
    assert dismissal["dismissed_by"] == ADMIN.user
    assert queue(client)["items"] == []
    again = client.post(url, json={"partner_ids": [bavaria["id"], twin["id"]]}, auth=signed(ADMIN))
    assert again.status_code == 201 and again.json()["dismissed_at"] == dismissal["dismissed_at"], "one dismissal"


def test_bad_dismissals_are_refused(client):
    bavaria = create(client, BAVARIA)
    url = f"{QUEUE}/dismissals"
    for body, status in (
        ({"partner_ids": [bavaria["id"], bavaria["id"]]}, 422),
        ({"partner_ids": [bavaria["id"], str(uuid.uuid4())]}, 404),
        ({"partner_ids": [bavaria["id"]]}, 422),
        ({"partner_ids": [bavaria["id"], "x", "y"]}, 422),
        ({}, 422),
    ):
        response = client.post(url, json=body, auth=signed(ADMIN))
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"


def test_a_merge_keeps_the_values_the_admin_picks_field_by_field(client, partners_engine):
    bavaria, twin = create(client, BAVARIA), create(client, TWIN, allow_duplicate="true")
    body = {
        "duplicate_id": twin["id"],
        "keep": {"name_en": "duplicate", "website": "duplicate", "name_fr": "survivor", "description_fr": "duplicate"},
    }
    response = client.post(f"/api/v1/partners/{bavaria['id']}/merge", json=body, auth=signed(ADMIN))
    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["name_en"] == "Bavarian State" and merged["name_fr"] == "Bavière"
    assert merged["website"] == "https://www.bayern.de" and merged["description_fr"] == "Le Land de Bavière."
    assert "Bavaria" in merged["aliases"], "the name given up stays an alias: still found by it"
    assert merged["acronyms"] == ["BY", "BAY"], "acronyms united"
    assert queue(client)["items"] == [], "a merged pair leaves the queue"
    [event] = events(partners_engine, "liaison.partner.merged")
    assert event["data"]["survivor"]["name_en"] == "Bavarian State"
    found = client.get("/api/v1/partners", params={"q": "Bavaria"}).json()["items"]
    assert [p["id"] for p in found] == [bavaria["id"]]


def test_bad_merge_choices_are_refused_and_change_nothing(client, partners_engine):
    bavaria = create(client, BAVARIA)
    elsewhere = create(client, {"kind": "federated_state", "name_fr": "Bavière", "country": "FR"})
    twin = create(client, TWIN, allow_duplicate="true")
    url = f"/api/v1/partners/{bavaria['id']}/merge"
    for keep in ({"name_fr": "both"}, {"colour": "duplicate"}, {"name_fr": None, "kind": 3}):
        response = client.post(url, json={"duplicate_id": twin["id"], "keep": keep}, auth=signed(ADMIN))
        assert response.status_code == 422, keep
    place = client.post(
        url, json={"duplicate_id": elsewhere["id"], "keep": {"country": "duplicate"}}, auth=signed(ADMIN)
    )
    assert place.status_code == 422 and "DE-BY" in place.json()["detail"], "a subdivision of another country"
    assert place.headers["content-type"] == "application/problem+json"
    assert client.get(f"/api/v1/partners/{bavaria['id']}").json()["version"] == 1, "nothing half-written"
    assert events(partners_engine, "liaison.partner.merged") == []
