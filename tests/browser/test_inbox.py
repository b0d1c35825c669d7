"""Inbox: notifications read / unread (one, all), pages; subscriptions added and removed through the
form, errors beside their field; language and email preferences, the language shared with the
header's switch."""

from __future__ import annotations

import re
import uuid

from tests.browser.home_support import (
    client_for,
    log_engagement,
    new_partner,
    no_overflow,
    switch_language,
    wait_for,
)


def test_notifications_read_one_read_all_and_pages(
    new_page, login_as, make_user, api, web_system, shoot, assert_no_axe_violations
):
    me = make_user("officer")
    partner = new_partner(api, name=f"Région de Bavière {uuid.uuid4().hex[:6]}")
    with client_for(web_system, me) as mine:
        mine.post(
            "/subscriptions", json={"kind": "partner", "target": partner["id"], "channels": ["inbox"]}
        ).raise_for_status()
        titles = [
            log_engagement(api, partner, title=f"Échange {i:02d} {uuid.uuid4().hex[:4]}")["title"] for i in range(22)
        ]
        wait_for(lambda: mine.get("/notifications").json()["total"] >= 22, what="22 notifications")

    page = new_page
    login_as(page, me, "/inbox")
    assert page.get_by_test_id("unread-count").inner_text() == "22 notifications non lues"
    first_page = page.get_by_test_id("notifications").locator("li")
    assert first_page.count() == 20
    shoot(page, "inbox")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Notifications plus anciennes").click()
    assert page.get_by_test_id("notifications").locator("li").count() == 2
    older = page.get_by_test_id("notifications").inner_text()
    assert sum(title in older for title in titles) == 2
    page.get_by_role("link", name="Première page").click()

    newest = first_page.nth(0)
    newest_id = newest.get_attribute("id")
    newest.get_by_role("button", name="Marquer comme lu").click()  # htmx: the item alone changes
    page.locator(f"#{newest_id}:not(.unread)").wait_for()
    page.reload()
    assert page.get_by_test_id("unread-count").inner_text() == "21 notifications non lues"
    page.get_by_role("link", name="Seulement les non lues").click()
    assert page.get_by_test_id("notifications").locator("li").count() == 20
    assert page.locator(f"#{newest_id}").count() == 0
    page.get_by_role("button", name="Tout marquer comme lu").click()
    assert page.get_by_role("status").first.inner_text() == "Toutes les notifications sont marquées comme lues."
    assert page.get_by_test_id("unread-count").inner_text() == "0 notification non lue"
    switch_language(page)
    assert page.get_by_test_id("unread-count").inner_text() == "0 unread notifications"
    page.goto("/inbox")
    shoot(page, "inbox")
    assert_no_axe_violations(page)


def test_subscriptions_add_remove_and_errors(
    new_page, login_as, make_user, api, web_system, shoot, assert_no_axe_violations
):
    me = make_user("officer")
    tag = uuid.uuid4().hex[:6]
    new_partner(api, name=f"Wallonie {tag}")
    new_partner(api, name=f"Wallonie-Bruxelles {tag}")
    page = new_page
    login_as(page, me, "/inbox/subscriptions")
    assert "Vous ne suivez rien" in page.locator("main").inner_text()

    page.get_by_label("Ce qu'il faut suivre").select_option("thrust")
    page.get_by_label("Axe de la politique").select_option("climate")
    page.get_by_role("checkbox", name="Boîte de réception").uncheck()
    page.get_by_role("button", name="Suivre", exact=True).click()
    error = page.locator("#f-channels-error")
    assert error.inner_text().endswith("Choisissez au moins une façon d'être averti.")
    assert page.locator("#f-thrust").input_value() == "climate", "nothing is lost from the form"
    shoot(page, "inbox-subscriptions-error")
    assert_no_axe_violations(page)

    # No address on file: e-mail could never arrive, so it is refused rather than silently kept.
    page.get_by_label("Courriel").check()
    page.get_by_label("Résumé quotidien").check()
    page.get_by_role("button", name="Suivre", exact=True).click()
    assert error.is_visible() and not error.inner_text().endswith("Choisissez au moins une façon d'être averti.")
    assert "done=added" not in page.url
    page.get_by_label("Courriel").uncheck()
    page.get_by_role("checkbox", name="Boîte de réception").check()
    page.get_by_role("button", name="Suivre", exact=True).click()
    page.wait_for_url("**/inbox/subscriptions?done=added")
    row = page.get_by_test_id("subscriptions").locator("tbody tr")
    assert row.count() == 1
    assert "Lutte contre les changements climatiques" in row.inner_text() and "Résumé quotidien" in row.inner_text()

    page.get_by_label("Ce qu'il faut suivre").select_option("partner")
    page.get_by_label("Partenaire", exact=True).fill(f"Wallonie {tag}")
    page.get_by_role("button", name="Suivre", exact=True).click()
    assert page.locator("#f-partner-error").is_visible()  # several match: choose one
    page.get_by_label(f"Wallonie-Bruxelles {tag}").check()
    page.get_by_role("button", name="Suivre", exact=True).click()
    page.wait_for_url("**/inbox/subscriptions?done=added")
    assert f"Wallonie-Bruxelles {tag}" in page.get_by_test_id("subscriptions").inner_text()
    with client_for(web_system, me) as mine:
        kinds = sorted(s["kind"] for s in mine.get("/subscriptions").json()["items"])
    assert kinds == ["partner", "thrust"]
    shoot(page, "inbox-subscriptions")
    assert_no_axe_violations(page)
    switch_language(page)
    shoot(page, "inbox-subscriptions")
    assert_no_axe_violations(page)

    page.get_by_role("button", name=re.compile(r"Stop following\W+Wallonie-Bruxelles")).click()
    page.wait_for_url("**/inbox/subscriptions?done=removed")
    assert page.get_by_test_id("subscriptions").locator("tbody tr").count() == 1


def test_viewers_are_told_subscriptions_are_for_officers(new_page, login_as, make_user):
    page = new_page
    login_as(page, make_user("viewer"), "/inbox/subscriptions")
    assert "réservé aux agents" in page.locator(".notice").inner_text()
    assert page.locator("form[action='/inbox/subscriptions']").count() == 0


def test_preferences_language_and_email(new_page, login_as, make_user, web_system, shoot, assert_no_axe_violations):
    me = make_user("officer")
    page = new_page
    login_as(page, me, "/inbox/preferences")
    shoot(page, "inbox-preferences")
    assert_no_axe_violations(page)
    page.get_by_label("Adresse courriel pour les notifications").fill("pas-une-adresse")
    page.get_by_role("button", name="Enregistrer").click()
    assert page.locator("#f-email-error").is_visible()
    assert page.locator("#f-email").input_value() == "pas-une-adresse"

    page.get_by_label("Adresse courriel pour les notifications").fill("agent@example.org")
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/inbox/preferences?saved=1")
    assert page.locator("html").get_attribute("lang") == "en", "the pages follow the choice at once"
    with client_for(web_system, me) as mine:
        assert mine.get("/notifications/preferences").json() | {"updated_at": None} == {
            "user": me.username,
            "email": "agent@example.org",
            "language": "en",
            "timezone": None,
            "updated_at": None,
        }
    shoot(page, "inbox-preferences")
    assert_no_axe_violations(page)

    # Remembered for the person, not the browser: a fresh browser logs in to English pages.
    other = page.context.browser.new_context(base_url=web_system["url"], locale="fr-CA")
    try:
        fresh = other.new_page()
        login_as(fresh, me, "/inbox/preferences")
        assert fresh.locator("html").get_attribute("lang") == "en"
        assert fresh.locator("#f-language").input_value() == "en"
        # The header's switch and this page are one choice.
        switch_language(fresh)
        fresh.goto("/inbox/preferences")
        assert fresh.locator("#f-language").input_value() == "fr"
        with client_for(web_system, me) as mine:
            shared = mine.get("/notifications/preferences").json()
        assert (shared["language"], shared["email"]) == ("fr", "agent@example.org"), "emails follow the switch"
        fresh.set_viewport_size({"width": 360, "height": 800})
        fresh.reload()
        assert no_overflow(fresh)
        shoot(fresh, "inbox-preferences-360")
    finally:
        other.close()
