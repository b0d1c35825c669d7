"""Counting no more than needed: totals exact up to a cap, estimated beyond (and said so), facets the same
way; a partner's history read from its links in start order. On SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from services.engagements import queries
from services.engagements.app import create_app
from services.engagements.settings import EngagementsSettings
from services.engagements.tests.support import OFFICER, add_partner, log
from tests.support.apps import service_client, unit_settings

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def record(client, sessions, engagements_engine):
    """Twelve engagements: eight meetings, four calls, an hour apart."""
    partner = add_partner(sessions)
    for n in range(12):
        when = (START + timedelta(hours=n)).isoformat()
        kind = "call" if n % 3 == 0 else "meeting"
        log(client, [partner], title=f"Négociation {n}", type=kind, starts_at=when, ends_at=when)
    with engagements_engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ANALYZE engagements"))  # the row count the sample is sized on
    return partner


def test_a_total_is_exact_up_to_the_cap_then_estimated_on_a_sample(sessions, record):
    flt = queries.EngagementFilter(q="négociation")
    with sessions() as session:
        exact = queries.count(session=session, caller=OFFICER, flt=flt, with_facets=True)
        assert (exact.total, exact.is_estimate) == (12, False)
        assert exact.facets["type"] == {"meeting": 8, "call": 4}
        small = queries.Limits(total_cap=5, sample_rows=6)
        estimate = queries.count(session=session, caller=OFFICER, flt=flt, with_facets=True, limits=small)
        counted = queries.count(session=session, caller=OFFICER, flt=flt, with_facets=False, limits=small)
    assert estimate.is_estimate and counted.is_estimate
    assert estimate.total >= 6 and counted.total >= 6, "more than the cap were seen: never estimated below it"
    # One sample for both: the facets scale to the same estimate, and a repeated search says the same.
    assert sum(estimate.facets["type"].values()) in range(estimate.total - 2, estimate.total + 3)
    assert counted.total == estimate.total


def test_the_api_says_when_its_total_is_an_estimate(engagements_engine, client, record):
    assert client.get("/api/v1/engagements", params={"q": "négociation"}).json()["total_is_estimate"] is False
    settings = unit_settings(EngagementsSettings, search_total_cap=3, search_sample_rows=100)
    with service_client(create_app, settings, engine=engagements_engine) as capped:
        body = capped.get("/api/v1/engagements", params={"q": "négociation", "limit": 2}).json()
        # 12 engagements: a sample of 100 takes them all, so the figures beyond the cap are still exact.
        assert (body["total"], body["total_is_estimate"]) == (12, False)
        assert len(body["items"]) == 2 and body["next_cursor"]
    schema = client.get("/openapi.json").json()["components"]["schemas"]["EngagementPage"]
    assert "total_is_estimate" in schema["properties"]


def test_a_page_that_holds_everything_counts_nothing_more(client, record):
    body = client.get("/api/v1/engagements", params={"type": "call"}).json()
    assert (body["total"], body["total_is_estimate"], body["next_cursor"]) == (4, False, None)


def test_history_follows_a_changed_start_and_pages_by_it(client, sessions, record):
    history = client.get(f"/api/v1/partners/{record}/history", params={"limit": 5}).json()
    titles = [item["engagement"]["title"] for item in history["items"]]
    assert titles == [f"Négociation {n}" for n in (11, 10, 9, 8, 7)] and history["total"] == 12
    oldest = client.get("/api/v1/engagements", params={"q": "Négociation 0", "limit": 100}).json()["items"]
    moved = next(e for e in oldest if e["title"] == "Négociation 0")
    later = (START + timedelta(days=1)).isoformat()
    response = client.patch(
        f"/api/v1/engagements/{moved['id']}", json={"starts_at": later, "ends_at": later}, headers={"If-Match": 'W/"1"'}
    )
    assert response.status_code == 200, response.text
    first = client.get(f"/api/v1/partners/{record}/history", params={"limit": 5}).json()
    assert first["items"][0]["engagement"]["title"] == "Négociation 0", "newest first, by its new start"
    rest = client.get(f"/api/v1/partners/{record}/history", params={"limit": 20, "cursor": first["next_cursor"]})
    seen = [i["engagement"]["title"] for i in first["items"] + rest.json()["items"]]
    assert sorted(seen) == sorted(f"Négociation {n}" for n in range(12)) and len(seen) == 12
