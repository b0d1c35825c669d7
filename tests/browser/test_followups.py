"""My follow-ups: filters, complete / reopen in one click (htmx, and without JavaScript), and the
calendar link for Outlook (a feed that works without a login, and only for what its owner may see)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from icalendar import Calendar

from tests.browser.home_support import (
    add_follow_up,
    disable,
    log_engagement,
    new_partner,
    no_overflow,
    switch_language,
    today,
)


@pytest.fixture
def three_follow_ups(api, make_user):
    me = make_user("officer")
    tag = uuid.uuid4().hex[:6]
    engagement = log_engagement(api, new_partner(api), title=f"Rencontre bilatérale {tag}", officers=[me.username])
    late = add_follow_up(
        api, engagement, assignee=me.username, description=f"Envoyer la note {tag}", due_on=today() - timedelta(days=2)
    )
    later = add_follow_up(
        api,
        engagement,
        assignee=me.username,
        description=f"Préparer la visite {tag}",
        due_on=today() + timedelta(days=20),
    )
    theirs = add_follow_up(
        api, engagement, assignee=me.username, description=f"Retour du partenaire {tag}", due_on=None, owed_by="partner"
    )
    return me, engagement, late, later, theirs


def listed(page) -> list[str]:
    items = page.get_by_test_id("follow-ups").locator("li .fu-what")
    return [t.strip() for t in items.all_inner_texts()] if page.get_by_test_id("follow-ups").count() else []


def test_filters_and_one_click_complete_and_reopen(
    new_page, login_as, three_follow_ups, shoot, assert_no_axe_violations
):
    me, engagement, late, later, theirs = three_follow_ups
    page = new_page
    login_as(page, me, "/follow-ups")
    assert listed(page) == [late["description"], later["description"], theirs["description"]]
    assert "En retard" in page.locator(f"#fu-{late['id']}").inner_text()
    assert engagement["title"] in page.locator(f"#fu-{late['id']}").inner_text()
    shoot(page, "follow-ups")
    assert_no_axe_violations(page)

    page.get_by_label("Dus à nous").check()
    page.get_by_role("button", name="Appliquer").click()
    assert listed(page) == [theirs["description"]] and "owed=them" in page.url
    page.get_by_label("Les deux").check()
    page.get_by_label("En retard seulement").check()
    page.get_by_role("button", name="Appliquer").click()
    assert listed(page) == [late["description"]]

    # htmx: the row is replaced in place, the page stays.
    row = page.locator(f"#fu-{late['id']}")
    row.get_by_role("button", name="Marquer comme fait").click()
    page.locator(f"#fu-{late['id']} .badge.ok").wait_for()
    assert "overdue=1" in page.url
    page.locator(f"#fu-{late['id']}").get_by_role("button", name="Rouvrir").click()
    page.locator(f"#fu-{late['id']}").get_by_role("button", name="Marquer comme fait").wait_for()
    page.locator(f"#fu-{late['id']}").get_by_role("button", name="Marquer comme fait").click()
    page.locator(f"#fu-{late['id']} .badge.ok").wait_for()

    page.goto("/follow-ups?status=done")
    assert listed(page) == [late["description"]]
    switch_language(page)
    assert page.get_by_role("heading", name="My follow-ups", exact=True).is_visible()
    assert page.locator(f"#fu-{late['id']}").get_by_role("button", name="Reopen").is_visible()
    shoot(page, "follow-ups-done")
    assert_no_axe_violations(page)
    page.goto("/follow-ups")
    shoot(page, "follow-ups")
    assert_no_axe_violations(page)


def test_complete_without_javascript_and_a_stale_version(chromium, web_system, login_as, three_follow_ups, api):
    me, _, late, later, _ = three_follow_ups
    context = chromium.new_context(base_url=web_system["url"], java_script_enabled=False, locale="fr-CA")
    try:
        page = context.new_page()
        login_as(page, me, "/follow-ups")
        page.locator(f"#fu-{later['id']}").get_by_role("button", name="Marquer comme fait").click()
        page.wait_for_url("**/follow-ups?changed=done")
        assert page.get_by_role("status").first.inner_text() == "Marqué comme fait."
        assert later["description"] not in listed(page)
        # Someone else completes it meanwhile: the page's version is stale, nothing is overwritten unseen.
        api.patch(
            f"/follow-ups/{late['id']}", json={"due_on": today().isoformat()}, headers={"If-Match": 'W/"1"'}
        ).raise_for_status()
        page.locator(f"#fu-{late['id']}").get_by_role("button", name="Marquer comme fait").click()
        assert "changed=conflict" in page.url
        assert "Quelqu'un d'autre a modifié ce suivi" in page.get_by_role("alert").inner_text()
        assert late["description"] in listed(page)
    finally:
        context.close()


def test_calendar_link_for_outlook(new_page, login_as, make_user, api, web_system, shoot, assert_no_axe_violations):
    me = make_user("officer")
    engagement = log_engagement(
        api, new_partner(api), title=f"Forum de Montréal {uuid.uuid4().hex[:6]}", officers=[me.username]
    )
    page = new_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login_as(page, me, "/follow-ups")
    url = page.locator("#feed-url").input_value()
    assert url.startswith(web_system["url"] + "/calendar/") and url.endswith(".ics")
    page.get_by_role("button", name="Copier").click()
    page.locator(".copy-status", has_text="Copié").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    assert (
        page.get_by_role("link", name="Ouvrir dans mon logiciel d’agenda").get_attribute("href").startswith("webcal://")
    )

    feed = httpx.get(url, timeout=30)  # no cookie, no header: as Outlook asks for it
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    summaries = [str(e["summary"]) for e in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert f"[meeting] {engagement['title']}" in summaries
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    forged = url.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert httpx.get(forged, timeout=30).status_code == 404
    disable(api, me.username)
    assert httpx.get(url, timeout=30).status_code == 404, "a disabled account's link stops working"

    page.set_viewport_size({"width": 360, "height": 800})
    login_as(page, make_user("officer"), "/follow-ups")
    assert no_overflow(page)
    shoot(page, "follow-ups-360")
    assert_no_axe_violations(page)
