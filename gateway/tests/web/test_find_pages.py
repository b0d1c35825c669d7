"""The search and partner pages' own logic, without a browser: URLs that keep every filter, bad filters
answered, and the partner form sending only what the person changed."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
from starlette.datastructures import FormData

from gateway.web.client import ApiResponse
from gateway.web.routes.partner_forms import field_errors, values_from, values_of
from gateway.web.routes.search import Criteria, checked, facet_groups


def query(url: str) -> dict:
    return parse_qs(urlparse(url).query)


def test_a_search_url_keeps_every_filter_and_a_new_filter_starts_from_the_first_page():
    c = Criteria(q="bavière", thrust="trade", year="2025", pcursor="abc", ecursor="def")
    assert query(c.url()) == {"q": ["bavière"], "thrust": ["trade"], "year": ["2025"]}
    assert query(c.url(type="mission")) == {
        "q": ["bavière"],
        "thrust": ["trade"],
        "year": ["2025"],
        "type": ["mission"],
    }
    assert query(c.url(thrust="")) == {"q": ["bavière"], "year": ["2025"]}
    assert query(c.page_url(pcursor="next")) == {
        "q": ["bavière"],
        "thrust": ["trade"],
        "year": ["2025"],
        "pcursor": ["next"],
    }
    assert Criteria().url() == "/search"


def test_filters_for_one_side_narrow_the_search_to_it():
    assert Criteria(q="x", kind="ngo").wants_partners and not Criteria(q="x", kind="ngo").wants_engagements
    assert Criteria(q="x", type="call").wants_engagements and not Criteria(q="x", type="call").wants_partners
    assert Criteria(q="x", year="2024").wants_engagements and not Criteria(q="x", year="2024").wants_partners
    both = Criteria(q="x", region="europe", thrust="trade", country="DE")
    assert both.wants_partners and both.wants_engagements


def test_bad_filters_are_dropped_with_a_message_each():
    fixed, errors = checked(Criteria(q="x", year="20x5", kind="planet", country="zz", thrust="nope", region="mars"))
    assert set(errors) == {"year", "kind", "country", "thrust", "region"}
    assert fixed == Criteria(q="x")
    fixed, errors = checked(Criteria(q="x", year="2025", kind="ngo", country="de", thrust="trade.policy"))
    assert errors == {} and fixed.country == "DE" and fixed.thrust == "trade.policy"


def test_facets_link_to_the_search_with_their_value_and_a_chosen_one_links_to_its_removal():
    c = Criteria(q="x", type="call")
    groups = {g["name"]: g for g in facet_groups(c, {"type": {"call": 2, "visit": 1}, "year": {"2024": 3}})}
    call, visit = groups["type"]["options"]
    assert call["chosen"] and call["count"] == 2 and query(call["url"]) == {"q": ["x"]}
    assert not visit["chosen"] and query(visit["url"]) == {"q": ["x"], "type": ["visit"]}
    assert query(groups["year"]["options"][0]["url"]) == {"q": ["x"], "type": ["call"], "year": ["2024"]}
    assert all(o["count"] is None for o in groups["kind"]["options"])  # the partners service gives no counts


def form(**fields) -> FormData:
    items = []
    for name, value in fields.items():
        items.extend((name, v) for v in (value if isinstance(value, list) else [value]))
    return FormData(items)


def test_the_partner_form_reads_blanks_as_cleared_and_splits_its_lists():
    values = values_from(
        form(
            kind="ngo", name_fr=" Fondation ", name_en="", acronyms="FL, , LF", aliases="Un\n\nDeux ", thrusts=["trade"]
        )
    )
    assert values["name_fr"] == "Fondation" and values["name_en"] is None
    assert values["acronyms"] == ["FL", "LF"] and values["aliases"] == ["Un", "Deux"]
    assert values["thrusts"] == ["trade"] and values["country"] is None


def test_a_partners_values_go_round_the_form_unchanged():
    partner = {
        "kind": "state",
        "name_fr": "Bavière",
        "name_en": None,
        "acronyms": ["BY"],
        "aliases": ["Freistaat Bayern"],
        "country": "DE",
        "subdivision": "DE-BY",
        "region": "europe",
        "website": None,
        "description_fr": None,
        "description_en": None,
        "owner": None,
        "thrusts": ["trade"],
    }
    shown = values_of(partner)
    typed = form(
        **{
            k: (", ".join(v) if k == "acronyms" else "\n".join(v) if k == "aliases" else v)
            if isinstance(v, list) and k != "thrusts"
            else (v or "")
            for k, v in shown.items()
        }
    )
    assert values_from(typed) == shown
    # The list sends thrusts in the taxonomy's order: an untouched list is no change.
    assert values_of({**partner, "thrusts": ["climate", "trade"]})["thrusts"] == ["trade", "climate"]


def test_refusals_are_split_into_field_messages_and_the_rest():
    problem = {
        "status": 422,
        "detail": "Invalid",
        "errors": [
            {"location": ["body", "website"], "message": "website must be an http:// or https:// address"},
            {"location": ["body", "acronyms", 0], "message": "too long"},
            {"location": ["body"], "message": "a partner needs name_fr or name_en (or both)"},
        ],
    }
    answer = ApiResponse(status=422, headers=httpx.Headers({}), json=problem)
    by_field, general = field_errors(answer)
    assert by_field == {"website": "website must be an http:// or https:// address", "acronyms": "too long"}
    assert general == ["a partner needs name_fr or name_en (or both)"]
    plain = ApiResponse(
        status=422, headers=httpx.Headers({}), json={"status": 422, "detail": "A partner needs a name."}
    )
    assert field_errors(plain) == ({}, ["A partner needs a name."])


def test_an_estimated_engagement_total_is_marked_so():
    from gateway.web.routes.search import _page

    def answer(**body) -> ApiResponse:
        return ApiResponse(status=200, headers=httpx.Headers(), json={"items": [], "next_cursor": None} | body)

    assert _page(answer(total=12_000, total_is_estimate=True))["total_is_estimate"] is True
    assert _page(answer(total=12))["total_is_estimate"] is False, "an older service's answer: exact"
