"""Partner 360 and the briefing note, against stand-in services (gateway/tests/stubs.py)."""

import httpx
import pytest

from gateway.tests.conftest import bearer, token_for
from gateway.tests.stubs import PARTNER_ID, SURVIVOR_ID, engagements_stub, partners_stub
from tests.support.ports import free_port

VIEWER = bearer(token_for("viewer", user="vic"))


@pytest.fixture
def calls():
    return []


@pytest.fixture
def gateway(make_gateway, calls):
    return make_gateway({"partners": partners_stub(calls), "engagements": engagements_stub(calls)})


def test_the_overview_gathers_every_part_with_the_callers_identity(gateway, calls):
    response = gateway.get(f"/api/v1/partners/{PARTNER_ID}/overview", headers=VIEWER)
    assert response.status_code == 200, response.text
    overview = response.json()
    assert overview["partner"]["name_en"] == "Bavaria"
    assert overview["contacts"]["items"][0]["name"] == "Anna Huber"
    assert overview["relationships"]["total"] == 1
    assert [e["engagement"]["id"] for e in overview["history"]["items"]] == ["e1"]
    assert len(overview["open_follow_ups"]["items"]) == 2
    assert overview["missing"] == [] and overview["complete"] is True
    assert response.headers["cache-control"] == "private, no-store"
    asked = {(path, query) for path, query, _ in calls}
    assert (f"/api/v1/partners/{PARTNER_ID}/history", "limit=10") in asked
    assert ("/api/v1/follow-ups", f"partner_id={PARTNER_ID}&status=open") in asked
    assert {(caller.user, caller.roles) for _, _, caller in calls} == {("vic", frozenset({"viewer"}))}


def test_each_caller_sees_what_the_services_let_them_see_nothing_is_shared(gateway):
    as_admin = gateway.get(f"/api/v1/partners/{PARTNER_ID}/overview", headers=bearer(token_for("admin"))).json()
    as_viewer = gateway.get(f"/api/v1/partners/{PARTNER_ID}/overview", headers=VIEWER).json()
    assert [e["engagement"]["id"] for e in as_admin["history"]["items"]] == ["e1", "e2"]
    assert [e["engagement"]["id"] for e in as_viewer["history"]["items"]] == ["e1"]


def test_a_service_down_makes_the_answer_partial_and_says_what_is_missing(make_gateway, calls):
    down = httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}")
    gateway = make_gateway({"partners": partners_stub(calls), "engagements": down})
    overview = gateway.get(f"/api/v1/partners/{PARTNER_ID}/overview", headers=VIEWER).json()
    assert overview["partner"]["id"] == PARTNER_ID and overview["contacts"]["total"] == 1
    assert overview["history"] is None and overview["open_follow_ups"] is None
    assert overview["complete"] is False
    assert {(m["part"], m["service"]) for m in overview["missing"]} == {
        ("history", "engagements"),
        ("open_follow_ups", "engagements"),
    }
    assert all("unavailable" in m["detail"] for m in overview["missing"])


def test_a_merged_partner_shows_the_survivor_and_its_parts(gateway, calls):
    overview = gateway.get("/api/v1/partners/merged-one/overview", headers=VIEWER).json()
    assert overview["partner"]["id"] == SURVIVOR_ID and overview["requested_id"] == "merged-one"
    assert (f"/api/v1/partners/{SURVIVOR_ID}/history", "limit=10") in {(p, q) for p, q, _ in calls}


@pytest.mark.parametrize(("partner_id", "status"), [("nobody", 404), ("secret-one", 403)])
def test_the_partners_own_refusal_is_the_answer(gateway, partner_id, status):
    response = gateway.get(f"/api/v1/partners/{partner_id}/overview", headers=VIEWER)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("lang", "heading", "ours"),
    [("fr", "Note d&#39;information", "De notre côté"), ("en", "Briefing note", "On our side")],
)
def test_the_briefing_is_printable_html_in_french_and_english(gateway, lang, heading, ours):
    response = gateway.get(f"/api/v1/partners/{PARTNER_ID}/briefing?lang={lang}", headers=VIEWER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-language"] == lang
    html = response.text
    assert f'<html lang="{lang}">' in html and heading in html and ours in html
    assert "@media print" in html
    member_of, kind = {"fr": ("membre de", "État fédéré"), "en": ("member of", "Federated state")}[lang]
    for fact in (
        "Bavaria",
        "Anna Huber",
        "Head of protocol",
        f"{member_of} Assembly of European Regions",
        "1985-06-15",
        kind,
        "Mission économique à Munich",
        "2026-10-01 10:00",  # 14:00 UTC in Toronto
        "Envoyer le projet d&#39;entente",
        "Confirm the delegation",
        "trade.internationalization",
    ):
        assert fact in html, fact


def test_the_briefing_escapes_what_the_services_hold(make_gateway, calls):
    gateway = make_gateway(
        {"partners": partners_stub(calls, name_fr="<script>alert(1)</script>"), "engagements": engagements_stub(calls)}
    )
    html = gateway.get(f"/api/v1/partners/{PARTNER_ID}/briefing", headers=VIEWER).text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_the_briefing_names_the_missing_parts(make_gateway, calls):
    down = httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}")
    gateway = make_gateway({"partners": partners_stub(calls), "engagements": down})
    html = gateway.get(f"/api/v1/partners/{PARTNER_ID}/briefing?lang=en", headers=VIEWER).text
    assert "Partial information" in html and "history (engagements)" in html


def test_a_briefing_in_another_language_is_a_422(gateway):
    response = gateway.get(f"/api/v1/partners/{PARTNER_ID}/briefing?lang=de", headers=VIEWER)
    assert response.status_code == 422
