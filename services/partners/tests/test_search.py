"""Search and filters: the same tests on SQLite (FTS5) and PostgreSQL (pg_trgm + full text)."""

import pytest

from services.partners.search import fold, similarity
from services.partners.tests.conftest import BAVARIA, GERMANY, OIF, create

OTHERS = [
    {
        "kind": "federated_state",
        "name_fr": "Bade-Wurtemberg",
        "name_en": "Baden-Württemberg",
        "country": "DE",
        "region": "europe",
        "thrusts": ["trade.investment"],
    },
    {
        "kind": "international_organization",
        "name_fr": "Organisation des Nations unies pour l'éducation, la science et la culture",
        "name_en": "United Nations Educational, Scientific and Cultural Organization",
        "acronyms": ["UNESCO"],
        "region": "global",
        "thrusts": ["culture.unesco-diversity"],
    },
    {"kind": "forum", "name_fr": "Assemblée parlementaire de la Francophonie", "acronyms": ["APF"], "region": "global"},
    {"kind": "state", "name_fr": "Belgique", "name_en": "Belgium", "country": "BE", "region": "europe"},
    {"kind": "ngo", "name_en": "Bavarian Red Cross", "country": "DE", "region": "europe"},
]


@pytest.fixture
def directory(client):
    return {
        p["name_en"] or p["name_fr"]: p
        for p in [create(client, BAVARIA), create(client, GERMANY), create(client, OIF)]
        + [create(client, o) for o in OTHERS]
    }


def search(client, q, **params):
    response = client.get("/api/v1/partners", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_bavaria_is_found_first_by_any_name_accent_case_or_a_typo(client, directory):
    for q in ["baviere", "Bavière", "BAVARIA", "bavaria", "Freistaat Bayern", "freistaat", "Bavria", "Baviere ", "BY"]:
        result = search(client, q)
        assert result["items"], q
        assert result["items"][0]["id"] == directory["Bavaria"]["id"], (q, [i["name_en"] for i in result["items"]])


def test_the_oif_is_found_first(client, directory):
    oif = directory["International Organisation of La Francophonie"]["id"]
    for q in [
        "OIF",
        "oif",
        "francophonie",
        "Francophonie",
        "Organisation internationale de la Francophonie",
        "organisation internationale de la francophonei",
        "International Organisation",
    ]:
        assert search(client, q)["items"][0]["id"] == oif, q


def test_a_word_common_to_several_finds_them_all(client, directory):
    names = {item["name_fr"] for item in search(client, "francophonie")["items"]}
    assert names == {"Organisation internationale de la Francophonie", "Assemblée parlementaire de la Francophonie"}
    assert search(client, "francophonie")["total"] == 2


def test_nothing_like_it_finds_nothing(client, directory):
    assert search(client, "Zanzibar") == {"items": [], "next_cursor": None, "total": 0}
    assert search(client, "!!!")["total"] == len(directory), "a query with no letters is no filter"


def test_search_combines_with_filters(client, directory):
    assert [i["name_en"] for i in search(client, "bav", kind="ngo")["items"]] == ["Bavarian Red Cross"]
    assert search(client, "bav", country="BE")["items"] == []
    found = search(client, "Bavaria")
    assert [i["name_en"] for i in found["items"]][:2] == ["Bavaria", "Bavarian Red Cross"]


FILTERED = [
    ({"kind": "state"}, {"Germany", "Belgium"}),
    ({"country": "DE"}, {"Bavaria", "Germany", "Baden-Württemberg", "Bavarian Red Cross"}),
    (
        {"region": "global"},
        {
            "International Organisation of La Francophonie",
            "United Nations Educational, Scientific and Cultural Organization",
            None,
        },
    ),
    ({"thrust": "culture"}, {"United Nations Educational, Scientific and Cultural Organization"}),
    ({"thrust": "trade"}, {"Baden-Württemberg"}),
    ({"thrust": "french-language"}, {"International Organisation of La Francophonie"}),
    ({"country": "DE", "kind": "federated_state"}, {"Bavaria", "Baden-Württemberg"}),
]


def test_filters(client, directory):
    for params, expected in FILTERED:
        result = client.get("/api/v1/partners", params=params).json()
        assert {i["name_en"] for i in result["items"]} == expected, params
        assert result["total"] == len(expected)


BAD_FILTERS = [
    {"kind": "planet"},
    {"country": "de"},
    {"region": "mars"},
    {"thrust": "astrology"},
    {"status": "deleted"},
    {"member_of": "x"},
    {"as_of": "2019-13-01"},
    {"limit": 0},
    {"limit": 1000},
    {"cursor": "%%%"},
    {"q": "x" * 301},
]


def test_bad_filters_are_4xx_problems(client, directory):
    for params in BAD_FILTERS:
        response = client.get("/api/v1/partners", params=params)
        assert response.status_code in (400, 422), (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("q", [None, "a"])
def test_cursor_pages_through_everything_once(client, directory, q):
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"q": q} if q else {}) | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/partners", params=params).json()
        assert len(page["items"]) <= 2
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == page["total"]
    if q is None:
        assert len(seen) == len(directory)


def test_lists_are_in_name_order_without_a_query(client, directory):
    names = [i["name_fr"] or i["name_en"] for i in client.get("/api/v1/partners").json()["items"]]
    assert names == sorted(names, key=fold)


def test_folding_and_similarity():
    assert fold("Bavière") == fold("BAVIERE") == "baviere"
    assert fold("Côte d'Ivoire") == "cote d ivoire"
    assert fold("Straße") == "strasse"
    assert similarity("bavria", "bavaria") == pytest.approx(0.5)
    assert similarity("bavaria", "bavaria") == 1.0


def test_a_name_found_as_typed_brings_no_look_alikes_and_a_typo_brings_them_all(client):
    bavaria = create(client, {"kind": "state", "name_fr": "Bavière", "country": "DE", "region": "europe"})
    baviera = create(client, {"kind": "ngo", "name_fr": "Baviera", "country": "IT", "region": "europe"})

    exact = [item["id"] for item in search(client, "Bavière")["items"]]
    assert exact == [bavaria["id"]]  # "Baviera" is a look-alike, not what was typed

    typo = [item["id"] for item in search(client, "Bavieri")["items"]]
    assert set(typo) == {bavaria["id"], baviera["id"]}
