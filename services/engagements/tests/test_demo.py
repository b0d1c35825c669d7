"""The demo data loads through the real rules, covers the thrusts, and loads only once."""

import uuid
from zoneinfo import ZoneInfo

from services.engagements import demo
from services.engagements.tests.support import ADMIN, as_
from services.kit.thrusts import taxonomy

ZONE = ZoneInfo("America/Toronto")


def test_demo_loads_once_and_is_searchable(client, sessions):
    with sessions() as session:
        assert demo.load(session, zone=ZONE) == len(demo.ENGAGEMENTS) >= 24
        session.commit()
    with sessions() as session:
        assert demo.load(session, zone=ZONE) == 0
        session.commit()
    everything = client.get("/api/v1/engagements", params={"facets": "true", "limit": 100}, auth=as_(ADMIN)).json()
    assert everything["total"] == len(demo.ENGAGEMENTS)
    tops = {t.code for t in taxonomy() if t.parent is None}
    assert tops <= set(everything["facets"]["thrust"]), "every top-level thrust has demo engagements"
    found = client.get("/api/v1/engagements", params={"q": "batteries Bavière"}).json()
    assert found["total"] == 1
    bavaria = demo.partner_id("Bavaria")
    assert client.get(f"/api/v1/partners/{bavaria}/history").json()["total"] >= 3


def test_the_demo_uses_the_partners_demo_directorys_ids_and_its_copies_when_they_came_first(sessions):
    from services.engagements.models import PartnerCopy
    from services.engagements.tests.test_events import apply, partner_event
    from services.partners.demo import PARTNERS as DIRECTORY
    from services.partners.demo import demo_id

    handles = {handle for handle, *_ in DIRECTORY}
    assert {handle for handle, *_ in demo.PARTNERS} <= handles, "every demo partner is in the partners demo"
    assert demo.partner_id("Bavaria") == demo_id("by")
    apply(sessions, partner_event(demo_id("by"), version=1, name_en="Bavaria", aliases=["Freistaat Bayern"]))
    with sessions() as session:
        demo.load(session, zone=ZONE)
        session.commit()
    with sessions() as session:
        assert session.get(PartnerCopy, demo_id("by")).aliases == ["Freistaat Bayern"], "the partners' copy is kept"
        assert session.get(PartnerCopy, demo_id("fr")).name_fr == "France", "a missing one is made"
    assert demo.wait_for_partners(sessions, timeout=0) == len(demo.PARTNERS)


def test_the_demo_s_officers_are_the_gateway_s_demo_users_by_username(client, sessions):
    from services.engagements.models import Person
    from services.engagements.tests.support import add_people

    # Marie came from the gateway's events first (her own id, a team): her copy is the one used.
    team = uuid.uuid4()
    marie = add_people(sessions, "marie.tremblay", teams=(team,), display_name="Marie Tremblay")["marie.tremblay"]
    with sessions() as session:
        demo.load(session, zone=ZONE)  # the 422 rule holds: every officer and assignee is a person
        session.commit()
    with sessions() as session:
        assert session.get(Person, marie).teams == [str(team)]
        assert session.get(Person, demo.person_id("jean.gagnon")).display_name == "Jean Gagnon", "a missing one is made"
    assert demo.wait_for_people(sessions, timeout=0) == len(demo.PEOPLE)
    items = client.get("/api/v1/engagements", params={"limit": 100}, auth=as_(ADMIN)).json()["items"]
    assert {o for e in items for o in e["officers"]} == set(demo.OFFICERS)
    assert all(p["id"] for e in items for p in e["officer_people"])
    follow_ups = client.get("/api/v1/follow-ups", params={"limit": 100}, auth=as_(ADMIN)).json()["items"]
    assert follow_ups and {f["assignee"] for f in follow_ups} <= set(demo.OFFICERS)
