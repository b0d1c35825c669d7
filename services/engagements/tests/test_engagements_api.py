"""Logging, reading, changing and deleting engagements over HTTP, on SQLite and PostgreSQL."""

import uuid

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from services.engagements.models import Engagement, EngagementPartner
from services.engagements.tests.support import (
    ADMIN,
    COLLEAGUE,
    OFFICER,
    VIEWER,
    add_partner,
    as_,
    engagement_body,
    log,
    outbox_events,
)
from services.kit.outbox import OutboxMessage


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_log_returns_the_engagement_with_location_etag_and_utc_times(client, sessions):
    partner = add_partner(sessions)
    response = client.post("/api/v1/engagements", json=engagement_body([partner]))

    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/api/v1/engagements/{body['id']}"
    assert response.headers["etag"] == 'W/"1"'
    assert body["starts_at"] == "2026-03-02T14:30:00Z", "stored and shown in UTC"
    assert body["ends_at"] == "2026-03-02T16:00:00Z"
    assert body["partners"] == [{"id": str(partner), "name_fr": "Bavière", "name_en": "Bavaria", "acronyms": ["BY"]}]
    assert body["created_by"] == OFFICER.user and body["version"] == 1
    assert body["confidentiality"] == "internal" and body["agreement_status"] is None
    assert client.get(response.headers["location"]).json() == body


def test_defaults_ends_at_to_starts_at_and_confidentiality_to_internal(client, sessions):
    partner = add_partner(sessions)
    payload = engagement_body([partner])
    del payload["ends_at"], payload["confidentiality"]
    body = client.post("/api/v1/engagements", json=payload).json()
    assert body["ends_at"] == body["starts_at"] and body["confidentiality"] == "internal"


def test_log_writes_the_engagement_its_links_and_its_event_in_one_transaction(client, sessions, engagements_engine):
    partner = add_partner(sessions)
    engagement = log(client, [partner])

    [event] = [e for e in outbox_events(engagements_engine) if e["type"].startswith("liaison.engagement")]
    assert event["_topic"] == "liaison.engagements.v1" and event["_key"] == engagement["id"]
    assert event["data"]["title"] == engagement["title"] and event["data"]["partner_ids"] == [str(partner)]
    assert count(engagements_engine, EngagementPartner) == 1


def test_markdown_notes_are_kept_as_written_and_rendered_sanitised(client, sessions):
    partner = add_partner(sessions)
    notes = (
        "**Batteries**: <script>alert(1)</script> [site](javascript:alert(1)) [ok](https://example.org) "
        "<img src=x onerror=alert(1)>"
    )
    body = log(client, [partner], notes=notes)
    assert body["notes"] == notes
    html = body["notes_html"]
    assert "<strong>Batteries</strong>" in html
    assert "<script" not in html and "<img" not in html, "raw HTML is shown as text"
    assert 'href="javascript' not in html
    assert 'href="https://example.org"' in html and "noopener" in html


def test_an_agreement_carries_its_status_signatories_and_dates(client, sessions):
    partner = add_partner(sessions)
    body = log(
        client,
        [partner],
        type="agreement",
        signatories=["Premier ministre", "Ministerpräsident"],
        signed_on="2026-03-02",
        effective_on="2026-04-01",
        expires_on="2029-03-31",
    )
    assert body["agreement_status"] == "negotiating", "an agreement without status is being negotiated"
    assert body["signatories"] == ["Premier ministre", "Ministerpräsident"]
    assert body["expires_on"] == "2029-03-31"


def test_a_mission_holds_engagements(client, sessions):
    partner = add_partner(sessions)
    mission = log(
        client,
        [partner],
        type="mission",
        title="Mission à Paris",
        starts_at="2026-05-04T08:00:00+02:00",
        ends_at="2026-05-08T18:00:00+02:00",
    )
    meetings = [log(client, [partner], mission_id=mission["id"], title=f"Rencontre {n}") for n in range(3)]
    listed = client.get("/api/v1/engagements", params={"mission_id": mission["id"]}).json()
    assert {e["id"] for e in listed["items"]} == {m["id"] for m in meetings} and listed["total"] == 3
    assert client.delete(f"/api/v1/engagements/{mission['id']}").status_code == 409
    changed = client.patch(
        f"/api/v1/engagements/{mission['id']}", json={"type": "meeting"}, headers={"If-Match": 'W/"1"'}
    )
    assert changed.status_code == 422


BAD_INPUT = [
    ({"type": "lunch"}, ["body", "type"]),
    ({"title": ""}, ["body", "title"]),
    ({"title": "   "}, ["body", "title"]),
    ({"title": "x" * 301}, ["body", "title"]),
    ({"starts_at": "2026-03-02T09:30:00"}, ["body", "starts_at"]),
    ({"starts_at": "yesterday"}, ["body", "starts_at"]),
    ({"ends_at": "2026-03-02T09:30:00"}, ["body", "ends_at"]),
    ({"location": {"city": "Munich", "country": "Germany"}}, ["body", "location", "country"]),
    ({"location": {"town": "Munich"}}, ["body", "location", "town"]),
    ({"partner_ids": []}, ["body", "partner_ids"]),
    ({"partner_ids": ["bavaria"]}, ["body", "partner_ids", 0]),
    ({"contact_ids": ["someone"]}, ["body", "contact_ids", 0]),
    ({"officers": "me"}, ["body", "officers"]),
    ({"summary": 42}, ["body", "summary"]),
    ({"notes": "x" * 100_001}, ["body", "notes"]),
    ({"discussion_points": [""]}, ["body", "discussion_points", 0]),
    ({"thrusts": []}, ["body", "thrusts"]),
    ({"tags": ["x" * 201]}, ["body", "tags", 0]),
    ({"confidentiality": "secret"}, ["body", "confidentiality"]),
    ({"mission_id": "paris"}, ["body", "mission_id"]),
    ({"agreement_status": "maybe"}, ["body", "agreement_status"]),
    ({"signed_on": "soon"}, ["body", "signed_on"]),
    ({"colour": "blue"}, ["body", "colour"]),
]


@pytest.mark.parametrize(("change", "location"), BAD_INPUT, ids=[str(c) for c, _ in BAD_INPUT])
def test_bad_input_gets_a_problem_naming_the_field_and_writes_nothing(
    client, sessions, engagements_engine, change, location
):
    partner = add_partner(sessions)
    response = client.post("/api/v1/engagements", json=engagement_body([partner]) | change)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert location in [e["location"] for e in response.json()["errors"]]
    assert count(engagements_engine, Engagement) == 0 and count(engagements_engine, OutboxMessage) == 0


RULE_BREAKS = [
    ({"ends_at": "2026-03-02T08:00:00-05:00"}, "ends_at must not be before starts_at"),
    ({"thrusts": ["trade.smuggling"]}, "Unknown policy thrust"),
    ({"agreement_status": "signed"}, "only an engagement of type agreement"),
    ({"mission_id": str(uuid.uuid4())}, "No mission has the id"),
    ({"type": "agreement", "effective_on": "2026-04-01", "expires_on": "2026-03-01"}, "expires_on"),
]


@pytest.mark.parametrize(("change", "words"), RULE_BREAKS, ids=[w for _, w in RULE_BREAKS])
def test_rule_breaks_are_422_problems_and_write_nothing(client, sessions, engagements_engine, change, words):
    partner = add_partner(sessions)
    response = client.post("/api/v1/engagements", json=engagement_body([partner]) | change)
    assert response.status_code == 422, response.text
    assert words in response.text
    assert count(engagements_engine, Engagement) == 0 and count(engagements_engine, OutboxMessage) == 0


def test_an_unknown_partner_is_a_clear_422_not_a_500(client, engagements_engine):
    unknown = uuid.uuid4()
    response = client.post("/api/v1/engagements", json=engagement_body([unknown]))
    assert response.status_code == 422
    assert response.json()["title"] == "Unknown partner" and response.json()["partner_ids"] == [str(unknown)]
    assert response.json()["type"] == "urn:liaison:problem:unknown-partner"
    assert "has not heard of partner" in response.json()["detail"]
    assert count(engagements_engine, Engagement) == 0


def test_an_archived_partner_is_refused_for_a_new_engagement_but_may_stay_on_an_old_one(client, sessions):
    partner = add_partner(sessions)
    other = add_partner(sessions, name_en="Catalonia", name_fr="Catalogne")
    engagement = log(client, [partner])
    add_partner(sessions, partner_id=partner, version=2, status="archived", event="liaison.partner.archived")

    refused = client.post("/api/v1/engagements", json=engagement_body([partner]))
    assert refused.status_code == 422 and refused.json()["title"] == "Archived partner"
    assert refused.headers["content-type"] == "application/problem+json"
    assert "restore" in refused.json()["detail"]
    assert refused.json()["restore"] == [f"/api/v1/partners/{partner}/restore"]
    kept = client.patch(
        f"/api/v1/engagements/{engagement['id']}",
        headers={"If-Match": 'W/"1"'},
        json={"partner_ids": [str(partner), str(other)]},
    )
    assert kept.status_code == 200 and kept.json()["partner_ids"] == [str(partner), str(other)]

    in_french = client.post("/api/v1/engagements", json=engagement_body([partner]), headers={"Accept-Language": "fr"})
    # The words follow the caller's language; the type, what a client decides on, does not.
    assert in_french.json()["title"] == "Partenaire archivé"
    assert refused.json()["type"] == in_french.json()["type"] == "urn:liaison:problem:archived-partner"
    add_partner(sessions, partner_id=partner, version=3, status="active", event="liaison.partner.restored")
    assert client.post("/api/v1/engagements", json=engagement_body([partner])).status_code == 201, "restored"
    add_partner(sessions, partner_id=partner, version=2, status="archived", event="liaison.partner.archived")
    assert client.post("/api/v1/engagements", json=engagement_body([partner])).status_code == 201, "older: ignored"


def test_duplicate_partner_ids_are_named_once(client, sessions):
    partner = add_partner(sessions)
    assert log(client, [partner, partner])["partner_ids"] == [str(partner)]


def test_viewers_and_integrations_cannot_write(client, sessions, engagements_engine):
    partner = add_partner(sessions)
    response = client.post("/api/v1/engagements", json=engagement_body([partner]), auth=as_(VIEWER))
    assert response.status_code == 403 and response.headers["content-type"] == "application/problem+json"
    assert count(engagements_engine, Engagement) == 0


def test_the_same_idempotency_key_twice_logs_one_engagement_with_the_same_answer(client, sessions, engagements_engine):
    partner = add_partner(sessions)
    body = engagement_body([partner])
    first = client.post("/api/v1/engagements", json=body, headers={"Idempotency-Key": "k-1"})
    again = client.post("/api/v1/engagements", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert count(engagements_engine, Engagement) == 1

    reused = client.post("/api/v1/engagements", json=body | {"title": "Autre"}, headers={"Idempotency-Key": "k-1"})
    assert reused.status_code == 422 and reused.json()["title"] == "Idempotency-Key reused"
    assert reused.json()["type"] == "urn:liaison:problem:idempotency-key-reused"
    in_french = client.post(
        "/api/v1/engagements",
        json=body | {"title": "Autre"},
        headers={"Idempotency-Key": "k-1", "Accept-Language": "fr"},
    )
    assert in_french.json()["title"] == "Idempotency-Key déjà employée"
    assert in_french.json()["type"] == "urn:liaison:problem:idempotency-key-reused"
    other_caller = client.post(
        "/api/v1/engagements", json=body, headers={"Idempotency-Key": "k-1"}, auth=as_(COLLEAGUE)
    )
    assert other_caller.status_code == 201 and other_caller.json()["id"] != first.json()["id"], "keys are per caller"
    assert count(engagements_engine, Engagement) == 2


def test_a_failed_write_does_not_burn_its_idempotency_key(client, sessions):
    partner = add_partner(sessions)
    bad = client.post(
        "/api/v1/engagements", json=engagement_body([partner], thrusts=["nope"]), headers={"Idempotency-Key": "k-2"}
    )
    assert bad.status_code == 422
    good = client.post(
        "/api/v1/engagements",
        json=engagement_body([partner], thrusts=["nope"]) | {"thrusts": ["trade"]},
        headers={"Idempotency-Key": "k-2"},
    )
    assert good.status_code == 201


def test_patch_needs_if_match_and_refuses_a_stale_one(client, sessions, engagements_engine):
    partner = add_partner(sessions)
    engagement = log(client, [partner])
    url = f"/api/v1/engagements/{engagement['id']}"

    missing = client.patch(url, json={"title": "Nouveau"})
    assert missing.status_code == 428
    changed = client.patch(
        url, json={"title": "Nouveau", "outcome": "Accord de principe"}, headers={"If-Match": 'W/"1"'}
    )
    assert changed.status_code == 200 and changed.headers["etag"] == 'W/"2"'
    assert changed.json()["title"] == "Nouveau" and changed.json()["summary"] == engagement["summary"]
    stale = client.patch(url, json={"title": "Encore"}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412 and stale.json()["current_version"] == 2

    updates = [e for e in outbox_events(engagements_engine) if e["type"] == "liaison.engagement.updated"]
    assert [u["data"]["changed_fields"] for u in updates] == [["outcome", "title"]]


def test_patch_without_a_change_keeps_the_version_and_publishes_nothing(client, sessions, engagements_engine):
    partner = add_partner(sessions)
    engagement = log(client, [partner])
    same = client.patch(
        f"/api/v1/engagements/{engagement['id']}", json={"title": engagement["title"]}, headers={"If-Match": 'W/"1"'}
    )
    assert same.status_code == 200 and same.json()["version"] == 1
    assert not [e for e in outbox_events(engagements_engine) if e["type"] == "liaison.engagement.updated"]


@pytest.mark.parametrize(
    "change",
    [
        {"title": None},
        {"partner_ids": None},
        {"thrusts": []},
        {"ends_at": "2020-01-01T00:00:00Z"},
        {"type": "party"},
        {"mission_id": "x"},
    ],
)
def test_bad_patches_are_refused_and_change_nothing(client, sessions, change):
    partner = add_partner(sessions)
    engagement = log(client, [partner])
    url = f"/api/v1/engagements/{engagement['id']}"
    response = client.patch(url, json=change, headers={"If-Match": 'W/"1"'})
    assert response.status_code == 422, response.text
    assert client.get(url).json() == engagement


def test_delete_removes_it_and_publishes_the_deletion(client, sessions, engagements_engine):
    partner = add_partner(sessions)
    engagement = log(client, [partner])
    url = f"/api/v1/engagements/{engagement['id']}"
    client.post(f"{url}/follow-ups", json={"description": "Envoyer le compte rendu", "assignee": "me"})

    assert client.delete(url, headers={"If-Match": 'W/"7"'}).status_code == 412
    assert client.delete(url, auth=as_(COLLEAGUE)).status_code == 403, "not the author nor one of its officers"
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert count(engagements_engine, Engagement) == 0
    deleted = [e for e in outbox_events(engagements_engine) if e["type"] == "liaison.engagement.deleted"]
    assert deleted[0]["data"]["partner_ids"] == [str(partner)]
    assert client.delete(url, auth=as_(ADMIN)).status_code == 404


def test_unknown_and_malformed_ids_are_problems(client):
    assert client.get(f"/api/v1/engagements/{uuid.uuid4()}").status_code == 404
    assert client.get("/api/v1/engagements/nope").status_code == 422
    assert (
        client.patch(f"/api/v1/engagements/{uuid.uuid4()}", json={}, headers={"If-Match": 'W/"1"'}).status_code == 404
    )
    # If-Match is read at the edge, as everywhere: a malformed one is a bad request, whatever the id.
    assert client.patch(f"/api/v1/engagements/{uuid.uuid4()}", json={}, headers={"If-Match": "1"}).status_code == 400


def test_thrusts_lists_the_taxonomy(client):
    body = client.get("/api/v1/thrusts").json()
    codes = {item["code"] for item in body["items"]}
    assert {"trade", "trade.investment", "french-language.francophonie"} <= codes
    assert body["total"] == len(body["items"]) and body["next_cursor"] is None
