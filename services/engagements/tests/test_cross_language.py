"""Cross-language search (synonyms.py): an English query finds French engagements and the reverse,
through the maintained FR↔EN list and the policy thrusts' labels, on the demo data, on both databases."""

from zoneinfo import ZoneInfo

import pytest

from services.engagements import demo, synonyms
from services.engagements.tests.support import ADMIN, add_partner, as_, log

ZONE = ZoneInfo("America/Toronto")


@pytest.fixture
def demo_loaded(client, sessions):
    with sessions() as session:
        demo.load(session, zone=ZONE)
        session.commit()


def titles(client, q):
    response = client.get("/api/v1/engagements", params={"q": q, "limit": 100}, auth=as_(ADMIN))
    assert response.status_code == 200, response.text
    return {e["title"] for e in response.json()["items"]}


def test_artificial_intelligence_finds_the_french_demo_engagement(client, demo_loaded):
    assert "Coopération en intelligence artificielle" in titles(client, "artificial intelligence")
    assert "Coopération en intelligence artificielle" in titles(client, "AI")
    assert titles(client, "artificial intelligence") == titles(client, "intelligence artificielle")


def test_a_thrust_named_in_the_other_language_finds_what_is_tagged_with_it(client, demo_loaded):
    tagged = {
        e["title"]
        for e in client.get(
            "/api/v1/engagements", params={"thrust": "research-innovation", "limit": 100}, auth=as_(ADMIN)
        ).json()["items"]
    }
    assert tagged and tagged <= titles(client, "Research, Innovation and Knowledge Development")
    assert tagged <= titles(client, "recherche, innovation et développement du savoir")


def test_french_finds_english_and_words_around_the_phrase_still_count(client, sessions):
    partner = add_partner(sessions)
    log(client, [partner], title="Cybersecurity cooperation", summary="Joint exercise.")
    log(client, [partner], title="Climate change workshop", summary="Adaptation.")
    assert titles(client, "coopération cybersécurité") == {"Cybersecurity cooperation"}
    assert titles(client, "atelier changements climatiques") == set(), "every word still has to match"
    assert titles(client, "changements climatiques") == {"Climate change workshop"}
    assert titles(client, "workshop changements climatiques") == {"Climate change workshop"}


def test_odd_queries_stay_harmless(client, sessions):
    log(client, [add_partner(sessions)], title="Rencontre")
    for q in ('"IA" OR *', "AI AI AI AI AI AI AI AI AI AI", "NEAR(ia)", "é"):
        response = client.get("/api/v1/engagements", params={"q": q})
        assert response.status_code == 200, (q, response.text)


def test_the_vocabulary_is_two_way_and_bounded():
    assert "intelligence artificielle" in synonyms.variants("artificial intelligence")
    assert "artificial intelligence" in synonyms.variants("intelligence artificielle")
    assert synonyms.variants("rencontre à Munich") == []
    assert len(synonyms.variants("AI " * 50)) <= synonyms.MAX_VARIANTS
    assert synonyms.thrust_named("Cybersecurity cooperation") == "security.cybersecurity"
    assert synonyms.thrust_named("coopération en cybersécurité") == "security.cybersecurity"
