"""The demo data loads through the real rules, covers the thrusts, and loads only once."""
from services.engagements import demo
from services.engagements.tests.support import ADMIN, as_
from services.kit.thrusts import taxonomy


def test_demo_loads_once_and_is_searchable(client, sessions):
    with sessions() as session:
        assert demo.load(session) == len(demo.ENGAGEMENTS) >= 24
        session.commit()
    with sessions() as session:
        assert demo.load(session) == 0
        session.commit()
    everything = client.get("/api/v1/engagements", params={"facets": "true", "limit": 100}, auth=as_(ADMIN)).json()
    assert everything["total"] == len(demo.ENGAGEMENTS)
    tops = {t.code for t in taxonomy() if t.parent is None}
    assert tops <= set(everything["facets"]["thrust"]), "every top-level thrust has demo engagements"
    found = client.get("/api/v1/engagements", params={"q": "batteries Bavière"}).json()
    assert found["total"] == 1
    bavaria = demo.partner_id("Bavaria")
    assert client.get(f"/api/v1/partners/{bavaria}/history").json()["total"] >= 3
