"""Follow-ups: what we or the partner owe, "my follow-ups", overdue flags, and their events."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.engagements.tests.support import COLLEAGUE, OFFICER, VIEWER, add_partner, as_, log, outbox_events
from services.engagements.views import local_today

TORONTO = ZoneInfo("America/Toronto")  # the default LIAISON_ENGAGEMENTS_TIMEZONE


@pytest.fixture
def engagement(client, sessions):
    return log(client, [add_partner(sessions)])


def add(client, engagement, **fields):
    body = {"description": "Envoyer la proposition", "assignee": OFFICER.user} | fields
    response = client.post(f"/api/v1/engagements/{engagement['id']}/follow-ups", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_follow_up_is_created_open_and_published_keyed_by_its_engagement(client, engagement, engagements_engine):
    follow_up = add(client, engagement, due_on="2030-01-15", owed_by="partner")
    assert follow_up["status"] == "open" and follow_up["owed_by"] == "partner" and follow_up["overdue"] is False
    assert follow_up["engagement_id"] == engagement["id"] and follow_up["version"] == 1
    [event] = [e for e in outbox_events(engagements_engine) if e["type"] == "liaison.followup.created"]
    assert event["_key"] == engagement["id"] and event["subject"] == engagement["id"]
    assert event["data"]["description"] == "Envoyer la proposition"


def test_my_open_follow_ups_due_before_a_date_soonest_first_with_overdue_flagged(client, engagement):
    yesterday = (local_today(TORONTO) - timedelta(days=1)).isoformat()
    late = add(client, engagement, due_on=yesterday)
    soon = add(client, engagement, due_on=(local_today(TORONTO) + timedelta(days=3)).isoformat())
    add(client, engagement, due_on="2031-01-01")
    add(client, engagement, assignee=COLLEAGUE.user, due_on=yesterday)
    undated = add(client, engagement)
    done = add(client, engagement, due_on=yesterday)
    client.patch(f"/api/v1/follow-ups/{done['id']}", json={"status": "done"}, headers={"If-Match": 'W/"1"'})

    mine = client.get(
        "/api/v1/follow-ups", params={"assignee": "me", "status": "open", "due_before": "2030-01-01"}
    ).json()
    assert [f["id"] for f in mine["items"]] == [late["id"], soon["id"]] and mine["total"] == 2
    assert [f["overdue"] for f in mine["items"]] == [True, False]
    everything = client.get("/api/v1/follow-ups", params={"assignee": "me", "limit": 2}).json()
    assert everything["total"] == 5 and everything["next_cursor"]
    rest = client.get(
        "/api/v1/follow-ups", params={"assignee": "me", "limit": 2, "cursor": everything["next_cursor"]}
    ).json()
    last = client.get("/api/v1/follow-ups", params={"assignee": "me", "limit": 2, "cursor": rest["next_cursor"]}).json()
    assert last["items"][-1]["id"] == undated["id"] and last["next_cursor"] is None, "undated ones come last"


def test_follow_ups_of_a_partner_for_the_partner_360(client, sessions, engagement):
    open_one = add(client, engagement)
    other = log(client, [add_partner(sessions)])
    add(client, other)
    partner_id = engagement["partner_ids"][0]
    body = client.get("/api/v1/follow-ups", params={"partner_id": partner_id, "status": "open"}).json()
    assert [f["id"] for f in body["items"]] == [open_one["id"]]
    listed = client.get(f"/api/v1/engagements/{engagement['id']}/follow-ups").json()
    assert [f["id"] for f in listed["items"]] == [open_one["id"]]


def test_follow_ups_owed_by_us_or_owed_to_us(client, engagement):
    ours = add(client, engagement)
    theirs = add(client, engagement, owed_by="partner")
    by_us = client.get("/api/v1/follow-ups", params={"assignee": "me", "owed_by": "quebec"}).json()
    to_us = client.get("/api/v1/follow-ups", params={"assignee": "me", "owed_by": "partner"}).json()
    assert [f["id"] for f in by_us["items"]] == [ours["id"]] and by_us["total"] == 1
    assert [f["id"] for f in to_us["items"]] == [theirs["id"]] and to_us["total"] == 1
    assert client.get("/api/v1/follow-ups", params={"owed_by": "nobody"}).status_code == 422


def test_completing_reassigning_and_reopening_publish_their_events(client, engagement, engagements_engine):
    follow_up = add(client, engagement, due_on="2030-01-15")
    url = f"/api/v1/follow-ups/{follow_up['id']}"
    moved = client.patch(url, json={"assignee": COLLEAGUE.user, "due_on": "2030-02-01"}, headers={"If-Match": 'W/"1"'})
    assert moved.status_code == 200 and moved.headers["etag"] == 'W/"2"'
    done = client.patch(url, json={"status": "done"}, headers={"If-Match": 'W/"2"'}).json()
    assert done["status"] == "done" and done["completed_at"] is not None
    reopened = client.patch(url, json={"status": "open"}, headers={"If-Match": 'W/"3"'}).json()
    assert reopened["completed_at"] is None
    events = [e for e in outbox_events(engagements_engine) if e["type"].startswith("liaison.followup")]
    assert [e["type"] for e in events] == [
        "liaison.followup.created",
        "liaison.followup.reassigned",
        "liaison.followup.completed",
        "liaison.followup.created",
    ]
    assert events[1]["data"]["changed_fields"] == ["assignee", "due_on"]
    assert events[1]["data"]["previous_assignee"] == OFFICER.user and events[1]["data"]["assignee"] == COLLEAGUE.user


@pytest.mark.parametrize(
    ("body", "location"),
    [
        ({"assignee": "x"}, ["body", "description"]),
        ({"description": "", "assignee": "x"}, ["body", "description"]),
        ({"description": "  ", "assignee": "x"}, ["body", "description"]),
        ({"description": "x"}, ["body", "assignee"]),
        ({"description": "x", "assignee": "x", "due_on": "next week"}, ["body", "due_on"]),
        ({"description": "x", "assignee": "x", "owed_by": "ottawa"}, ["body", "owed_by"]),
        ({"description": "x", "assignee": "x", "status": "later"}, ["body", "status"]),
        ({"description": "x", "assignee": "x", "priority": 1}, ["body", "priority"]),
    ],
)
def test_bad_follow_ups_are_refused(client, engagement, engagements_engine, body, location):
    response = client.post(f"/api/v1/engagements/{engagement['id']}/follow-ups", json=body)
    assert response.status_code == 422
    assert location in [e["location"] for e in response.json()["errors"]]
    assert client.get(f"/api/v1/engagements/{engagement['id']}/follow-ups").json()["total"] == 0


def test_follow_up_patch_rules(client, engagement):
    follow_up = add(client, engagement)
    url = f"/api/v1/follow-ups/{follow_up['id']}"
    assert client.patch(url, json={"status": "done"}).status_code == 428
    assert client.patch(url, json={"status": "done"}, headers={"If-Match": 'W/"9"'}).status_code == 412
    assert client.patch(url, json={"status": None}, headers={"If-Match": 'W/"1"'}).status_code == 422
    assert (
        client.patch(url, json={"status": "done"}, headers={"If-Match": 'W/"1"'}, auth=as_(VIEWER)).status_code == 403
    )
    assert client.get(url).json() == follow_up


def test_follow_up_idempotency_and_bad_filters(client, engagement):
    url = f"/api/v1/engagements/{engagement['id']}/follow-ups"
    body = {"description": "Envoyer", "assignee": OFFICER.user}
    first = client.post(url, json=body, headers={"Idempotency-Key": "f-1"})
    again = client.post(url, json=body, headers={"Idempotency-Key": "f-1"})
    assert first.json() == again.json()
    assert client.get(url).json()["total"] == 1
    for params in ({"status": "later"}, {"due_before": "soon"}, {"partner_id": "x"}, {"cursor": "%%%"}):
        response = client.get("/api/v1/follow-ups", params=params)
        assert response.status_code in (400, 422), params


def test_the_overdue_flag_uses_quebecs_date():
    from services.engagements.models import FollowUp
    from services.engagements.views import follow_up_read

    follow_up = FollowUp(
        engagement_id=__import__("uuid").uuid4(), description="d", assignee="a", created_by="a", due_on=date(2026, 3, 1)
    )
    assert follow_up_read(follow_up, today=date(2026, 3, 2)).overdue is True
    assert follow_up_read(follow_up, today=date(2026, 3, 1)).overdue is False


def test_overdue_counts_by_who_owes_in_one_answer_only_what_the_caller_sees(client, sessions, engagement):
    today = local_today(TORONTO)

    def late(days: int, **fields):
        return add(client, engagement, due_on=(today - timedelta(days=days)).isoformat(), **fields)

    late(1), late(10), late(40, owed_by="partner"), late(100, owed_by="partner")
    add(client, engagement, due_on=(today + timedelta(days=2)).isoformat())
    done = late(200)
    client.patch(f"/api/v1/follow-ups/{done['id']}", json={"status": "done"}, headers={"If-Match": 'W/"1"'})
    secret = log(client, [add_partner(sessions)], caller=COLLEAGUE, confidentiality="restricted", officers=[])
    response = client.post(
        f"/api/v1/engagements/{secret['id']}/follow-ups",
        json={"description": "Secret", "assignee": COLLEAGUE.user, "due_on": (today - timedelta(days=50)).isoformat()},
        auth=as_(COLLEAGUE),
    )
    assert response.status_code == 201, response.text

    body = client.get("/api/v1/follow-ups/overdue", params={"ages": [0, 7, 30, 90]}).json()
    assert body["as_of"] == today.isoformat()
    assert body["owed_by"] == {
        "quebec": {"0": 2, "7": 1, "30": 0, "90": 0},
        "partner": {"0": 2, "7": 2, "30": 2, "90": 1},
    }, "the restricted engagement's follow-up is not the officer's to count"
    colleague = client.get("/api/v1/follow-ups/overdue", params={"ages": [30]}, auth=as_(COLLEAGUE)).json()
    assert colleague["owed_by"]["quebec"] == {"30": 1}
    mine = client.get("/api/v1/follow-ups/overdue", params={"ages": [0], "assignee": "me"}, auth=as_(COLLEAGUE)).json()
    assert mine["owed_by"] == {"quebec": {"0": 1}, "partner": {"0": 0}}
    for bad in ({"ages": [-1]}, {"ages": [5000]}, {"ages": list(range(9))}, {"ages": ["soon"]}):
        refused = client.get("/api/v1/follow-ups/overdue", params=bad)
        assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json", bad


def test_listed_follow_ups_name_their_engagement(client, engagement):
    add(client, engagement)
    listed = client.get("/api/v1/follow-ups", params={"assignee": "me"}).json()["items"]
    assert [f["engagement_title"] for f in listed] == [engagement["title"]]
    one = client.get(f"/api/v1/follow-ups/{listed[0]['id']}").json()
    assert one["engagement_title"] is None  # a list's convenience: one follow-up is read with its engagement


def test_listed_follow_ups_name_their_engagement_s_partners_in_order(client, sessions):
    bavaria = add_partner(sessions, name_fr="Bavière", name_en="Bavaria")
    wallonia = add_partner(sessions, name_fr="Wallonie", name_en="Wallonia")
    both = log(client, [wallonia, bavaria])
    add(client, both)
    [listed] = client.get("/api/v1/follow-ups", params={"assignee": "me"}).json()["items"]
    assert listed["engagement_partners"] == [
        {"id": str(wallonia), "name_fr": "Wallonie", "name_en": "Wallonia"},
        {"id": str(bavaria), "name_fr": "Bavière", "name_en": "Bavaria"},
    ]
    per_engagement = client.get(f"/api/v1/engagements/{both['id']}/follow-ups").json()["items"]
    assert [p["name_fr"] for p in per_engagement[0]["engagement_partners"]] == ["Wallonie", "Bavière"]
