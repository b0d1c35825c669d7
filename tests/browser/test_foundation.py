"""The web app's foundation in a real browser: login and logout, both languages, accessibility,
the CSP holding on every page, the API docs offline, a phone-sized screen."""

import re

import pytest
from playwright.sync_api import expect


@pytest.fixture
def csp_violations(new_page):
    """What the browser refused because of the CSP (an inline script or style that slipped in)."""
    seen: list[str] = []
    new_page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    return seen


def test_an_officer_logs_in_sees_the_home_page_and_logs_out(new_page, login_as, officer, shoot, csp_violations):
    page = new_page
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))  # not logged in: sent to the login page
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    shoot(page, "login")

    login_as(page, officer)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue, Camille Tremblay")
    # The page called the API through the front door as this officer.
    expect(page.locator("main")).to_contain_text(f"{officer.username} (officer)")
    expect(page.get_by_role("navigation", name="Menu principal")).to_be_visible()
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)  # officers are not admins
    shoot(page, "home")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))  # the session is over
    assert page.outside_requests == []
    assert csp_violations == []


def test_a_wrong_password_is_said_beside_the_form_and_the_user_name_kept(new_page, officer):
    page = new_page
    page.goto("/login")
    page.locator("#f-username").fill(officer.username)
    page.locator("#f-password").fill("not the password")
    page.locator("#f-password").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("mot de passe erroné")
    expect(page.locator("#f-username")).to_have_value(officer.username)
    expect(page.locator("#f-password")).to_have_value("")


def test_english_is_one_click_away_and_remembered(new_page, chromium, web_system, login_as, make_user, shoot):
    person = make_user("admin")
    page = new_page
    login_as(page, person)
    switch = page.get_by_role("link", name="English")
    expect(switch).to_have_attribute("hreflang", "en")
    switch.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {person.username}")
    expect(page.get_by_role("link", name="Administration")).to_be_visible()  # admins see it
    expect(page.get_by_role("link", name="Français")).to_have_attribute("hreflang", "fr")
    shoot(page, "home-admin")

    # Another browser, the same person: still English.
    other = chromium.new_context(base_url=web_system["url"])
    try:
        second = other.new_page()
        login_as(second, person)
        expect(second.locator("html")).to_have_attribute("lang", "en")
        expect(second.get_by_role("button", name="Log out")).to_be_visible()
    finally:
        other.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_login_home_and_error_pages_have_no_accessibility_violations(
    new_page, login_as, make_user, assert_no_axe_violations, shoot, lang
):
    page = new_page
    page.goto(f"/language/{lang}?next=/login")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert_no_axe_violations(page)
    login_as(page, make_user("officer"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert_no_axe_violations(page)
    page.goto("/no-such-page")
    expect(page.locator(".error-code")).to_contain_text("404")
    assert_no_axe_violations(page)
    shoot(page, "error-404")


def test_keyboard_focus_is_visible(new_page):
    page = new_page
    page.goto("/login")
    page.keyboard.press("Tab")  # the skip link comes first
    skip = page.get_by_role("link", name="Aller au contenu principal")
    expect(skip).to_be_focused()
    assert skip.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    assert skip.bounding_box()["y"] >= 0  # it shows itself when focused


def test_the_login_page_fits_a_phone(chromium, web_system, shoot):
    context = chromium.new_context(base_url=web_system["url"], viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.goto("/login")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        shoot(page, "login-360px")
    finally:
        context.close()


def test_the_api_docs_render_with_no_internet(new_page, csp_violations, shoot):
    page = new_page
    page.goto("/docs")
    # Swagger UI's bundle is large: on a busy machine it takes a while to parse and draw.
    expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=90_000)
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Liaison")
    assert page.outside_requests == []  # everything came from the gateway
    assert csp_violations == []
    shoot(page, "api-docs")


def test_signing_in_with_the_ministry_sso(new_page, oidc_issuer, shoot):
    page = new_page
    page.goto("/login?next=/%3Ffrom%3Dsso")
    shoot(page, "login-with-sso")
    page.get_by_role("link", name="Se connecter avec Ministère SSO").click()
    expect(page).to_have_url(re.compile(r"/\?from=sso$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue, marie.tremblay")
    expect(page.locator("main")).to_contain_text("marie.tremblay (officer)")
    assert oidc_issuer.authorize_requests[-1]["code_challenge_method"] == "S256"
    assert page.outside_requests == []
