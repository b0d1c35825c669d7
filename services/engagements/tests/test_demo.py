"""The demo data loads through the real rules, covers the thrusts, and loads only once."""

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
