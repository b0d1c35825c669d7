"""Inputs at the edges (issue 10, defects 4 and 9): dates outside 1900-2200 and NUL characters are 422
problems, never 500s, and nothing half-written stays behind to break a later read."""

import uuid
from datetime import date
from urllib.parse import quote

import pytest
from sqlalchemy import update

from services.engagements.models import FollowUp
from services.engagements.tests.support import COLLEAGUE, add_partner, add_people, engagement_body, log

OUT_OF_RANGE_TIMES = ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00", "1899-12-31T23:59:59Z", "2201-01-01T00:00Z")
OUT_OF_RANGE_DATES = ("0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01")


def assert_problem(response, status: int = 422) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize("when", OUT_OF_RANGE_TIMES)
def test_an_engagement_starting_outside_the_range_is_a_422(client, sessions, when):
    partner = add_partner(sessions)
    problem = assert_problem(
        client.post("/api/v1/engagements", json=engagement_body([partner], starts_at=when, ends_at=None))
    )
    assert "1900" in str(problem["errors"])
    made = log(client, [partner])
    patched = client.patch(f"/api/v1/engagements/{made['id']}", json={"starts_at": when}, headers={"If-Match": '"1"'})
    assert_problem(patched)
    for field in ("signed_on", "effective_on", "expires_on"):
        day = when[:10]
        assert_problem(client.post("/api/v1/engagements", json=engagement_body([partner], **{field: day})))
    assert client.get("/api/v1/engagements").json()["total"] == 1


def test_the_ends_of_the_range_are_accepted(client, sessions):
    partner = add_partner(sessions)
    first = log(client, [partner], starts_at="1900-01-01T00:00:00-05:00", ends_at="1900-01-01T01:00:00-05:00")
    assert first["starts_at"].startswith("1900-01-01T05:00:00")
    log(client, [partner], starts_at="2200-12-31T18:59:59-05:00", ends_at="2200-12-31T23:59:59Z")
    # The range is on the instant: the first hours of 1900 east of Greenwich are still 1899 in UTC.
    too_early = engagement_body([partner], starts_at="1900-01-01T00:00:00+05:00", ends_at=None)
    assert_problem(client.post("/api/v1/engagements", json=too_early))
    response = client.get("/api/v1/engagements", params={"from": "1900-01-01T00:00:00", "to": "2200-12-31T23:59:59"})
    assert response.status_code == 200 and response.json()["total"] == 2


@pytest.mark.parametrize("when", [*OUT_OF_RANGE_TIMES, "0001-01-01T00:00:00", "9999-12-31T23:59:59"])
def test_list_and_report_filters_outside_the_range_are_422s(client, sessions, when):
    log(client, [add_partner(sessions)])
    for path in ("/api/v1/engagements", "/api/v1/reports/thrusts"):
        for name in ("from", "to"):
            problem = assert_problem(client.get(path, params={name: when}))
            assert problem["errors"][0]["location"] == ["query", name]


@pytest.mark.parametrize("day", OUT_OF_RANGE_DATES)
def test_a_follow_up_due_outside_the_range_is_refused_and_the_calendar_stays_up(client, sessions, day):
    made = log(client, [add_partner(sessions)], officers=[COLLEAGUE.user])
    path = f"/api/v1/engagements/{made['id']}/follow-ups"
    assert_problem(client.post(path, json={"description": "Suivi", "assignee": COLLEAGUE.user, "due_on": day}))
    follow_up = client.post(path, json={"description": "Suivi", "assignee": COLLEAGUE.user, "due_on": "2026-07-10"})
    assert follow_up.status_code == 201
    changed = client.patch(
        f"/api/v1/follow-ups/{follow_up.json()['id']}", json={"due_on": day}, headers={"If-Match": '"1"'}
    )
    assert_problem(changed)
    assert_problem(client.get("/api/v1/follow-ups", params={"due_before": day}))
    assert client.get(f"/api/v1/calendar/{quote(COLLEAGUE.user)}.ics").status_code == 200


def test_nul_characters_are_refused_in_every_text_field(client, sessions):
    partner = add_partner(sessions)
    for changes in (
        {"title": "Rencontre\x00"},
        {"officers": ["a\x00b"]},
        {"notes": "x\x00"},
        {"location": {"city": "Mu\x00nich"}},
        {"tags": ["\x00"]},
    ):
        problem = assert_problem(client.post("/api/v1/engagements", json=engagement_body([partner], **changes)))
        assert "NUL" in str(problem["errors"])
    made = log(client, [partner])
    assert_problem(
        client.post(f"/api/v1/engagements/{made['id']}/follow-ups", json={"description": "a\x00", "assignee": "x"})
    )
    assert_problem(client.get("/api/v1/engagements", params={"q": "a\x00b"}))
    assert_problem(client.get(f"/api/v1/calendar/{quote('a' + chr(0) + 'b')}.ics"))
    assert client.get("/api/v1/engagements").json()["total"] == 1


def test_an_officer_named_with_a_line_feed_gets_their_calendar(client, sessions):
    name = "Anne\nMarie Ñúñez"
    add_people(sessions, name)  # what the directory copy holds is taken as it is
    log(client, [add_partner(sessions)], officers=[name])
    response = client.get(f"/api/v1/calendar/{quote(name, safe='')}.ics")
    assert response.status_code == 200 and b"BEGIN:VEVENT" in response.content
    response.headers["content-disposition"].encode("ascii")


@pytest.mark.parametrize("day", [date(9999, 12, 31), date(1, 1, 1)])
def test_a_follow_up_stored_before_the_range_existed_still_reads_and_leaves_the_calendar_up(
    client, sessions, engagements_engine, day
):
    made = log(client, [add_partner(sessions)], officers=[COLLEAGUE.user])
    body = {"description": "Suivi", "assignee": COLLEAGUE.user, "due_on": "2026-07-10"}
    follow_up = client.post(f"/api/v1/engagements/{made['id']}/follow-ups", json=body).json()
    with engagements_engine.begin() as connection:  # what the API let through before issue 10
        connection.execute(update(FollowUp).where(FollowUp.id == uuid.UUID(follow_up["id"])).values(due_on=day))
    assert client.get(f"/api/v1/follow-ups/{follow_up['id']}").json()["due_on"] == day.isoformat()
    assert client.get(f"/api/v1/engagements/{made['id']}/follow-ups").status_code == 200
    calendar = client.get(f"/api/v1/calendar/{quote(COLLEAGUE.user)}.ics")
    assert calendar.status_code == 200 and b"follow-up-" not in calendar.content
