"""Usable at 200% zoom: a 1280 px window zoomed to 200% lays pages out in 640 CSS pixels at twice the
pixel density. Every page an officer uses must fit that width (no sideways scrolling) and keep its
menu and search box reachable."""

import pytest
from playwright.sync_api import expect

PAGES = ["/", "/engagements/new", "/search?q=a", "/partners", "/follow-ups", "/inbox", "/reports", "/admin"]


@pytest.fixture
def zoomed(chromium, web_system, login_as, make_user):
    context = chromium.new_context(
        base_url=web_system["url"], viewport={"width": 640, "height": 400}, device_scale_factor=2, locale="fr-CA"
    )
    page = context.new_page()
    login_as(page, make_user("admin"))
    yield page
    context.close()


def test_every_page_fits_a_1280_px_window_at_200_percent(zoomed, shoot):
    page = zoomed
    too_wide = {}
    for path in PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        expect(page.locator("#site-search-q")).to_be_visible()
        expect(page.get_by_role("navigation", name="Menu principal")).to_be_attached()
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 640:
            too_wide[path] = width
    shoot(page, "admin-zoom-200")
    assert too_wide == {}, f"sideways scrolling at 200% zoom: {too_wide}"
