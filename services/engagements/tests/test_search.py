"""Full text, filters, keyset pages and facets: one suite, run on SQLite (FTS5) and PostgreSQL."""

import pytest

from services.engagements.tests.support import add_partner, log


@pytest.fixture
def corpus(client, sessions):
    bavaria = add_partner(sessions)
    oif = add_partner(
        sessions,
        kind="international_organization",
        name_fr="Organisation internationale de la Francophonie",
        name_en=None,
        acronyms=["OIF"],
        aliases=[],
        country=None,
        region="global",
    )
    mexico = add_partner(
        sessions,
        kind="state",
        name_fr="Mexique",
        name_en="Mexico",
        acronyms=[],
        aliases=[],
        country="MX",
        region="latin-america-caribbean",
    )
    made = {
        "negotiation": log(
            client,
            [bavaria],
            title="Négociation d'un accord sur les batteries",
            summary="Premier cycle.",
            thrusts=["trade.investment"],
            starts_at="2025-11-03T10:00:00+01:00",
            ends_at="2025-11-03T12:00:00+01:00",
        ),
        "investments": log(
            client,
            [mexico],
            title="Investments in clean technologies",
            type="call",
            summary="Two investments discussed.",
            thrusts=["climate.clean-tech"],
            discussion_points=["Hydroélectricité"],
            location={"city": "Mexico", "country": "MX"},
            starts_at="2026-02-10T15:00:00-06:00",
            ends_at="2026-02-10T16:00:00-06:00",
        ),
        "francophonie": log(
            client,
            [oif],
            title="Sommet de la Francophonie",
            type="event",
            summary="Coopération linguistique",
            thrusts=["french-language.francophonie", "culture"],
            location={"city": "Paris", "country": "FR"},
            starts_at="2026-01-05T09:00:00+01:00",
            ends_at="2026-01-05T18:00:00+01:00",
        ),
    }
    return {"bavaria": bavaria, "oif": oif, "mexico": mexico} | made


def titles(client, **params) -> list[str]:
    response = client.get("/api/v1/engagements", params=params)
    assert response.status_code == 200, response.text
    return [e["title"] for e in response.json()["items"]]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("négociations", "negotiation"),  # French plural finds the singular
        ("negociation", "negotiation"),  # without accents
        ("NÉGOCIATIONS batteries", "negotiation"),
        ("investment", "investments"),  # English singular finds the plural
        ("hydroelectricite", "investments"),  # discussion points, accent-insensitive
        ("Bavière", "negotiation"),  # partner names
        ("Freistaat Bayern", "negotiation"),  # partner aliases
        ("OIF", "francophonie"),  # partner acronyms
        ("coopération linguistique", "francophonie"),
    ],
)
def test_full_text_is_accent_insensitive_and_stems_french_and_english(client, corpus, q, expected):
    assert titles(client, q=q) == [corpus[expected]["title"]]


@pytest.mark.parametrize("q", ["zeppelin", '"', "AND OR NOT", "*", "batteries zeppelin"])
def test_queries_that_match_nothing_or_are_only_syntax_are_harmless(client, corpus, q):
    response = client.get("/api/v1/engagements", params={"q": q})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == len(body["items"])
    assert body["total"] in (0, 3), "either no match, or no word to search for (everything)"


def test_filters(client, corpus):
    assert titles(client, partner_id=str(corpus["mexico"])) == [corpus["investments"]["title"]]
    assert titles(client, thrust="french-language") == [corpus["francophonie"]["title"]], "a parent matches children"
    assert titles(client, thrust="culture") == [corpus["francophonie"]["title"]]
    assert titles(client, type="call") == [corpus["investments"]["title"]]
    assert titles(client, country="DE") == [corpus["negotiation"]["title"]], "the partner's country"
    assert titles(client, country="FR") == [corpus["francophonie"]["title"]], "where it took place"
    assert titles(client, region="global") == [corpus["francophonie"]["title"]]
    assert titles(client, officer="officer@example.test", **{"from": "2026-01-01", "to": "2026-02-01"}) == [
        corpus["francophonie"]["title"]
    ]
    assert titles(client, confidentiality="public") == []


@pytest.mark.parametrize(
    "params",
    [
        {"thrust": "trade.smuggling"},
        {"type": "party"},
        {"country": "France"},
        {"from": "tomorrow"},
        {"limit": 0},
        {"limit": 101},
        {"cursor": "garbage!"},
        {"partner_id": "bavaria"},
        {"confidentiality": "secret"},
    ],
)
def test_bad_filters_are_4xx_problems(client, corpus, params):
    response = client.get("/api/v1/engagements", params=params)
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_newest_first_with_a_keyset_cursor(client, corpus):
    first = client.get("/api/v1/engagements", params={"limit": 2}).json()
    assert first["total"] == 3 and len(first["items"]) == 2 and first["next_cursor"]
    second = client.get("/api/v1/engagements", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert second["next_cursor"] is None
    order = [e["title"] for e in first["items"] + second["items"]]
    assert order == [corpus[k]["title"] for k in ("investments", "francophonie", "negotiation")]


def test_facets_count_thrusts_types_years_quarters_and_regions(client, corpus):
    body = client.get("/api/v1/engagements", params={"q": "coopération"}).json()
    everything = client.get("/api/v1/engagements", params={"facets": "true"}).json()["facets"]
    assert everything["type"] == {"meeting": 1, "call": 1, "event": 1}
    assert everything["year"] == {"2025": 1, "2026": 2}
    assert everything["quarter"] == {"2025-Q4": 1, "2026-Q1": 2}  # in the service's time zone
    assert everything["region"] == {"europe": 1, "latin-america-caribbean": 1, "global": 1}
    assert everything["thrust"]["trade"] == 1 and everything["thrust"]["trade.investment"] == 1
    assert everything["thrust"]["french-language"] == 1 and everything["thrust"]["culture"] == 1
    assert body["facets"]["type"] == {"event": 1}, "facets follow the query"
    assert client.get("/api/v1/engagements").json()["facets"] is None, "no q, no facets unless asked"


def test_search_follows_changes_and_deletions(client, corpus):
    engagement = corpus["investments"]
    url = f"/api/v1/engagements/{engagement['id']}"
    client.patch(url, json={"title": "Électrification des transports"}, headers={"If-Match": 'W/"1"'})
    assert titles(client, q="electrification") == ["Électrification des transports"]
    assert titles(client, q="technologies") == []
    client.delete(url)
    assert titles(client, q="electrification") == []
