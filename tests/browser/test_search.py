"""The search page and the header's results-as-you-type, in a real browser against the real processes."""

from __future__ import annotations

import random
import re
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.partner_data import create_partner, in_english, in_french, log_engagement


@pytest.fixture(scope="module")
def found(api):
    """A small directory: Bavaria (accents in French), the OIF (an acronym), a mission and a call.

    The engagements' titles end with a word of this module's own: other modules log engagements about
    Bavaria too, enough to push these two off the first page of a search for "bavière" alone."""
    word = "".join(random.choices("bcdfghjklmnpqrstvwxz", k=7))
    bavaria = create_partner(
        api,
        kind="federated_state",
        name_fr="Bavière",
        name_en="Bavaria",
        country="DE",
        subdivision="DE-BY",
        region="europe",
        thrusts=["trade"],
    )
    oif = create_partner(
        api,
        kind="international_organization",
        name_fr="Organisation internationale de la Francophonie",
        name_en="International Organisation of La Francophonie",
        acronyms=["OIF"],
        region="global",
    )
    mission = log_engagement(
        api,
        type="mission",
        title=f"Mission économique en Bavière {word}",
        summary="Rencontre avec le ministère bavarois de l'Économie sur l'hydrogène vert.",
        starts_at="2025-05-12T09:00:00-04:00",
        partner_ids=[bavaria["id"]],
        thrusts=["trade.internationalization"],
    )
    call = log_engagement(
        api,
        type="call",
        title=f"Appel de suivi avec la Bavière {word}",
        starts_at="2024-11-03T10:00:00-05:00",
        partner_ids=[bavaria["id"]],
        thrusts=["climate.clean-tech"],
    )
    return {"bavaria": bavaria, "oif": oif, "mission": mission, "call": call, "word": word}


@pytest.fixture
def searcher(new_page, login_as, make_user):
    """A page logged in as an officer of this module's own (the tests change its language)."""
    login_as(new_page, make_user("officer"))
    return new_page


def partner_results(page):
    return page.locator("#partner-results")


def link_to(where, partner):
    """This module's partner by its address: other modules' tests made partners with the same names."""
    return where.locator(f'a[href="/partners/{partner["id"]}"]')


def test_finds_a_partner_without_accents_misspelt_and_by_acronym(searcher, found):
    page = searcher
    page.goto("/search?q=baviere")
    expect(link_to(partner_results(page), found["bavaria"])).to_be_visible()

    page.goto("/search?q=Baviera")  # a typo (and the Italian spelling)
    expect(link_to(partner_results(page), found["bavaria"])).to_be_visible()

    page.goto("/search?q=oif")
    link = link_to(partner_results(page), found["oif"])
    expect(link).to_have_text("Organisation internationale de la Francophonie")
    link.click()
    expect(page).to_have_url(re.compile(f"/partners/{found['oif']['id']}$"))

    # English names when the page is in English.
    in_english(page, "/search?q=francophonie")
    expect(link_to(partner_results(page), found["oif"])).to_have_text("International Organisation of La Francophonie")
    in_french(page, "/search")


def test_the_form_submits_without_javascript(chromium, web_system, login_as, make_user, found):
    context = chromium.new_context(base_url=web_system["url"], java_script_enabled=False)
    try:
        page = context.new_page()
        login_as(page, make_user("officer"))
        page.goto("/")
        page.locator("#site-search-q").fill("bavière")
        page.locator("form.site-search button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/search\?q=bavi%C3%A8re$"))
        expect(link_to(partner_results(page), found["bavaria"])).to_be_visible()
        # The suggestions' address, asked for without htmx, leads to the whole search.
        page.goto("/search/suggest?q=bavi")
        expect(page).to_have_url(re.compile(r"/search\?q=bavi$"))
    finally:
        context.close()


def test_facets_filter_and_the_url_reproduces_the_search(searcher, new_page, found, chromium, web_system):
    page = searcher
    q = f"bavière {found['word']}"
    mission, call = found["mission"]["title"], found["call"]["title"]
    page.goto("/search?" + urlencode({"q": q}))
    engagements = page.locator("#engagement-results")
    expect(engagements.get_by_role("link", name=mission)).to_be_visible()
    expect(engagements.get_by_role("link", name=call)).to_be_visible()

    # The type facet counts what the engagements service counted (other modules' missions in Bavaria
    # too), and narrows to missions.
    facet = page.locator(".facet a", has_text=re.compile(r"^Mission \(1\)$"))
    expect(facet).to_be_visible()
    facet.click()
    query = parse_qs(urlparse(page.url).query)
    assert query == {"q": [q], "type": ["mission"]}
    expect(engagements.get_by_role("link", name=mission)).to_be_visible()
    expect(engagements.get_by_role("link", name=call)).to_have_count(0)
    expect(page.locator("#partner-results")).to_have_count(0)  # an engagement type is no partner's
    expect(page.locator(".find-chips")).to_contain_text("Mission")

    # The year facet adds to it; the address alone gives the same answer to someone else.
    page.locator(".facet a", has_text=re.compile(r"^2025 \(1\)$")).click()
    shared = page.url
    assert parse_qs(urlparse(shared).query) == {"q": [q], "type": ["mission"], "year": ["2025"]}
    page.goto("/search?" + urlencode({"q": q, "year": "2024"}))
    expect(engagements.get_by_role("link", name=call)).to_be_visible()
    expect(engagements.get_by_role("link", name=mission)).to_have_count(0)

    page.goto(shared)
    expect(engagements.locator("li")).to_have_count(1)
    expect(engagements.get_by_role("link", name=mission)).to_be_visible()

    # A partner's kind narrows to partners; removing the filter (its chip) brings the rest back.
    page.goto("/search?" + urlencode({"q": "bavière", "kind": "federated_state"}))
    expect(link_to(partner_results(page), found["bavaria"])).to_be_visible()
    expect(page.locator("#engagement-results")).to_have_count(0)
    page.locator(".find-chips a", has_text="État fédéré").click()
    assert parse_qs(urlparse(page.url).query) == {"q": ["bavière"]}
    expect(page.locator("#engagement-results")).to_be_visible()


def test_a_bad_filter_is_answered_beside_it(searcher, found):
    page = searcher
    page.goto("/search?q=baviere&year=20x5&kind=planet")
    expect(page.locator("#f-year-error")).to_be_visible()
    expect(page.locator("#f-year")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-kind-error")).to_be_visible()
    # The rest of the search still runs.
    expect(link_to(partner_results(page), found["bavaria"])).to_be_visible()


def test_results_as_you_type_in_the_header(searcher, found):
    page = searcher
    page.goto("/")
    page.locator("#site-search-q").press_sequentially("bavi", delay=40)
    suggestions = page.locator("#site-search-suggestions")
    expect(link_to(suggestions, found["bavaria"])).to_be_visible()  # partners: by a word's start
    page.locator("#site-search-q").press_sequentially(f"ère {found['word']}", delay=40)  # engagements: whole words
    expect(suggestions.get_by_role("link", name=found["mission"]["title"])).to_be_visible()
    page.locator("#site-search-q").fill("")
    page.locator("#site-search-q").press_sequentially("bavi", delay=40)
    link_to(suggestions, found["bavaria"]).click()
    expect(page).to_have_url(re.compile(f"/partners/{found['bavaria']['id']}$"))

    page.goto("/")
    page.locator("#site-search-q").press_sequentially("oif", delay=40)
    expect(page.locator("#site-search-suggestions")).to_contain_text("Organisation internationale de la Francophonie")


def test_paging_follows_the_api_cursor(searcher, api):
    page = searcher
    names = [f"Fondation Pagination {n:02d}" for n in range(23)]
    for name in names:
        create_partner(api, kind="ngo", name_fr=name)
    page.goto("/search?q=pagination")
    results = partner_results(page).locator("li")
    expect(results).to_have_count(20)
    expect(page.locator("#partners-title")).to_contain_text("23")
    page.get_by_role("link", name="Plus de partenaires").click()
    assert "pcursor=" in page.url and "q=pagination" in page.url
    expect(results).to_have_count(3)
    page.get_by_role("link", name="Première page").click()
    expect(results).to_have_count(20)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_screenshots_and_accessibility(searcher, found, shoot, assert_no_axe_violations, lang):
    page = searcher
    (in_english if lang == "en" else in_french)(page, "/search?q=bavi%C3%A8re")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(partner_results(page)).to_be_visible()
    shoot(page, "search")
    assert_no_axe_violations(page)

    page.goto("/search")
    assert_no_axe_violations(page)

    page.goto("/")
    page.locator("#site-search-q").press_sequentially("bavi", delay=40)
    expect(page.locator("#site-search-suggestions a").first).to_be_visible()
    shoot(page, "search-suggest")
    assert_no_axe_violations(page)

    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/search?q=bavi%C3%A8re&type=mission")
    expect(page.locator("#engagement-results")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(page, "search-360")
    assert_no_axe_violations(page)
    in_french(page, "/search")
