"""A restricted engagement is seen by its author, its officers and admins only.

Every read path, tried as an outsider."""

import uuid

import pytest

from services.engagements.models import FollowUp
from services.engagements.tests.support import (
    ADMIN,
    COLLEAGUE,
    NOTIFICATIONS,
    OFFICER,
    OUTSIDER,
    VIEWER,
    add_partner,
    as_,
    log,
    outbox_events,
)
from tests.contract.schemas import validator

SECRET = "Zeppelinprojekt"


@pytest.fixture
def restricted(client, sessions):
    partner = add_partner(sessions)
    member = add_partner(sessions, name_en="Munich", name_fr="Munich")
    from services.engagements.tests.support import deliver

    deliver(
        sessions,
        "liaison.relationship.added",
        str(member),
        {
            "id": "6c2b1d0e-0000-4000-8000-000000000001",
            "partner_id": str(member),
            "type": "part_of",
            "target_id": str(partner),
            "membership_status": None,
            "since": None,
            "until": None,
        },
    )
    engagement = log(
        client,
        [member],
        title=f"Dossier {SECRET}",
        summary=f"{SECRET} en cours",
        notes=f"Notes {SECRET}",
        confidentiality="restricted",
        officers=[COLLEAGUE.user],
        thrusts=["security.cybersecurity"],
        starts_at="2026-06-01T10:00:00-04:00",
        ends_at="2026-06-01T11:00:00-04:00",
    )
    follow_up = client.post(
        f"/api/v1/engagements/{engagement['id']}/follow-ups",
        json={"description": f"Rappeler {SECRET}", "assignee": OFFICER.user, "due_on": "2026-06-10"},
    ).json()
    # The API gives it to no one who cannot see it (test_access.py), but one given before that rule
    # may be: even its assignee, OUTSIDER must find no trace of it.
    with sessions() as session:
        session.get(FollowUp, uuid.UUID(follow_up["id"])).assignee = OUTSIDER.user
        session.commit()
    return {"partner": partner, "member": member, "engagement": engagement, "follow_up": follow_up}


def read_paths(r) -> dict[str, tuple[str, dict]]:
    e, f = r["engagement"]["id"], r["follow_up"]["id"]
    return {
        "by id": (f"/api/v1/engagements/{e}", {}),
        "its follow-ups": (f"/api/v1/engagements/{e}/follow-ups", {}),
        "follow-up by id": (f"/api/v1/follow-ups/{f}", {}),
        "list": ("/api/v1/engagements", {"facets": "true"}),
        "search": ("/api/v1/engagements", {"q": SECRET}),
        "search by officer": ("/api/v1/engagements", {"officer": COLLEAGUE.user}),
        "restricted filter": ("/api/v1/engagements", {"confidentiality": "restricted"}),
        "follow-ups (mine)": ("/api/v1/follow-ups", {"assignee": "me"}),
        "follow-ups of partner": ("/api/v1/follow-ups", {"partner_id": r["member"], "status": "open"}),
        "history": (f"/api/v1/partners/{r['member']}/history", {}),
        "history with members": (f"/api/v1/partners/{r['partner']}/history", {"include": "members"}),
        "report": ("/api/v1/reports/thrusts", {"group_by": "type"}),
        "calendar": (f"/api/v1/calendar/{COLLEAGUE.user}.ics", {}),
        "outsider's calendar": (f"/api/v1/calendar/{OUTSIDER.user}.ics", {}),
    }


@pytest.mark.parametrize("caller", [OUTSIDER, VIEWER], ids=["officer", "viewer"])
def test_an_outsider_finds_no_trace_of_it_on_any_read_path(client, restricted, caller):
    for name, (path, params) in read_paths(restricted).items():
        response = client.get(path, params=params, auth=as_(caller))
        if name in ("by id", "its follow-ups", "follow-up by id"):
            assert response.status_code == 404, f"{name}: {response.status_code}"
            assert "restricted" not in response.text
            continue
        assert response.status_code == 200, f"{name}: {response.text}"
        assert SECRET not in response.text, f"{name} shows it"
        assert restricted["engagement"]["id"] not in response.text, f"{name} shows its id"
        if response.headers["content-type"].startswith("application/json"):
            body = response.json()
            if "total" in body:
                assert body["total"] == 0, f"{name} counts it"
            if body.get("facets"):
                assert body["facets"]["type"] == {}, f"{name} facets count it"
            if "rows" in body:
                assert all(row["total"] == 0 for row in body["rows"]), f"{name} counts it"


@pytest.mark.parametrize("caller", [OFFICER, COLLEAGUE, ADMIN], ids=["author", "its officer", "admin"])
def test_its_author_officers_and_admins_see_it_everywhere(client, restricted, caller):
    for name, (path, params) in read_paths(restricted).items():
        if name in ("follow-ups (mine)", "outsider's calendar") or (name == "calendar" and caller is OFFICER):
            continue
        response = client.get(path, params=params, auth=as_(caller))
        assert response.status_code == 200, f"{name}: {response.text}"
        if name not in ("report",):
            assert SECRET in response.text or restricted["engagement"]["id"] in response.text, name


def test_the_notifications_service_reads_it_by_id_only(client, restricted):
    engagement = restricted["engagement"]
    by_id = client.get(f"/api/v1/engagements/{engagement['id']}", auth=as_(NOTIFICATIONS))
    assert by_id.status_code == 200
    assert by_id.json()["officers"] == [COLLEAGUE.user] and by_id.json()["created_by"] == OFFICER.user
    listed = client.get("/api/v1/engagements", params={"q": SECRET}, auth=as_(NOTIFICATIONS)).json()
    assert listed["total"] == 0


def test_an_outsider_cannot_change_or_delete_it_nor_attach_to_it(client, restricted):
    e = restricted["engagement"]["id"]
    assert (
        client.patch(
            f"/api/v1/engagements/{e}", json={"title": "x"}, headers={"If-Match": 'W/"1"'}, auth=as_(OUTSIDER)
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/engagements/{e}", auth=as_(OUTSIDER)).status_code == 404
    assert (
        client.post(
            f"/api/v1/engagements/{e}/follow-ups", json={"description": "x", "assignee": "y"}, auth=as_(OUTSIDER)
        ).status_code
        == 404
    )
    assert (
        client.patch(
            f"/api/v1/follow-ups/{restricted['follow_up']['id']}",
            json={"status": "done"},
            headers={"If-Match": 'W/"1"'},
            auth=as_(OUTSIDER),
        ).status_code
        == 404
    )


def test_a_mission_cannot_be_borrowed_by_an_outsider(client, sessions, restricted):
    mission = log(client, [restricted["member"]], type="mission", confidentiality="restricted", officers=[])
    response = client.post(
        "/api/v1/engagements",
        auth=as_(OUTSIDER),
        json={
            "type": "meeting",
            "title": "x",
            "starts_at": "2026-01-01T00:00:00Z",
            "partner_ids": [str(restricted["member"])],
            "thrusts": ["trade"],
            "mission_id": mission["id"],
        },
    )
    assert response.status_code == 422 and "No mission has the id" in response.text


def test_its_events_carry_ids_and_the_level_only(client, restricted, engagements_engine):
    e = restricted["engagement"]
    client.patch(f"/api/v1/engagements/{e['id']}", json={"summary": f"{SECRET} suite"}, headers={"If-Match": 'W/"1"'})
    client.patch(
        f"/api/v1/follow-ups/{restricted['follow_up']['id']}", json={"status": "done"}, headers={"If-Match": 'W/"1"'}
    )
    client.delete(f"/api/v1/engagements/{e['id']}")
    published = [ev for ev in outbox_events(engagements_engine) if ev["_key"] == e["id"]]
    assert [ev["type"] for ev in published] == [
        "liaison.engagement.logged",
        "liaison.followup.created",
        "liaison.engagement.updated",
        "liaison.followup.completed",
        "liaison.engagement.deleted",
    ]
    for event in published:
        assert SECRET not in str(event) and str(restricted["member"]) not in str(event)
        assert COLLEAGUE.user not in str(event), "no participants"
        schema_errors = list(
            validator(event["dataschema"]).iter_errors({k: v for k, v in event.items() if not k.startswith("_")})
        )
        assert schema_errors == []
    assert published[0]["data"] == {
        "id": e["id"],
        "confidentiality": "restricted",
        "version": 1,
        "created_by": OFFICER.user,
    }


def test_making_it_restricted_hides_it_from_then_on(client, sessions):
    partner = add_partner(sessions)
    engagement = log(client, [partner], officers=[])
    url = f"/api/v1/engagements/{engagement['id']}"
    assert client.get(url, auth=as_(OUTSIDER)).status_code == 200
    refused = client.patch(
        url, json={"confidentiality": "restricted"}, headers={"If-Match": 'W/"1"'}, auth=as_(OUTSIDER)
    )
    assert refused.status_code == 403
    assert client.patch(url, json={"confidentiality": "restricted"}, headers={"If-Match": 'W/"1"'}).status_code == 200
    assert client.get(url, auth=as_(OUTSIDER)).status_code == 404
