"""Log an engagement, in a real browser against the real processes: the reference meeting with the
keyboard only (keys, clicks and seconds counted), errors beside their fields with nothing lost, one
engagement for a form sent twice, the draft kept across a reload, the form without JavaScript,
notes rendered inert, a phone's width, and axe in both languages."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.engagement_support import CountingKeyboard, engagements_titled, partner

FIGURES = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "log-meeting-figures.txt"
# A date field is typed in the browser's own order (this Chromium's interface is en-US: mm/dd/yyyy).
DATE_KEYS = {"2027-01-15": "01152027", "2027-02-01": "02012027"}
ENGAGEMENT_URL = re.compile(r"/engagements/([0-9a-f-]{36})\?logged=1")


@pytest.fixture(scope="module")
def bavaria(api):
    return partner(
        api,
        name_fr="Bavière",
        name_en="Bavaria",
        acronyms=[],
        kind="federated_state",
        country="DE",
        contact=("Markus Weber", "Ministre des Affaires européennes"),
    )


@pytest.fixture(scope="module")
def oif(api):
    return partner(
        api,
        name_fr="Organisation internationale de la Francophonie",
        name_en="International Organisation of La Francophonie",
        acronyms=["OIF"],
        kind="international_organization",
        country=None,
        contact=("Aminata Diallo", "Directrice de la Francophonie économique"),
    )


def tab_to(keys: CountingKeyboard, selector: str, limit: int = 40) -> None:
    """Tab until the focus is on `selector`, as a person would (each press counted)."""
    target = keys.page.locator(selector)
    seen = []
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        keys.press("Tab")
        seen.append(keys.page.evaluate("(document.activeElement.id || document.activeElement.tagName)"))
    raise AssertionError(f"{selector} never took the focus with Tab; went through {seen}")


def test_the_reference_meeting_is_logged_with_the_keyboard_only(page, api, bavaria, oif, officer, make_user, shoot):
    # Who chases what the partner owes: a colleague, named by username (assignees are people).
    colleague = make_user("officer", username=f"markus.{uuid.uuid4().hex[:4]}")
    """Two partners, a contact, three thrusts and two follow-ups; no mouse."""
    title = f"Rencontre Bavière et OIF {uuid.uuid4().hex[:4]}"
    clicks = 0
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    started = time.monotonic()
    page.goto("/engagements/new")
    keys = CountingKeyboard(page)
    expect(page.locator("#f-title")).to_be_focused()
    keys.type(title)

    tab_to(keys, "#f-partners")
    keys.type("baviere")  # no accent: the search folds them
    expect(page.locator("#partner-listbox [role=option]").first).to_contain_text("Bavière")
    keys.press("Enter")
    keys.type("OIF")  # an acronym
    expect(page.locator("#partner-listbox [role=option]").first).to_contain_text(
        "Organisation internationale de la Francophonie"
    )
    keys.press("Enter")
    expect(page.locator("#partner-chips input:checked")).to_have_count(2)

    contact = page.locator(f"#contact-{bavaria['contact']['id']}")
    expect(page.locator("#contacts fieldset")).to_have_count(2)  # both partners' contacts are in
    expect(contact).to_be_visible()
    tab_to(keys, f"#contact-{bavaria['contact']['id']}")
    keys.press("Space")
    expect(contact).to_be_checked()

    tab_to(keys, "#f-thrusts")
    for word in ("invest", "propres", "cyber"):
        keys.type(word)
        keys.press("Enter")
    expect(page.locator("input[name=thrusts]:checked")).to_have_count(3)

    tab_to(keys, "#f-summary")
    keys.type("Investissements bavarois au Québec; cybersécurité avec l'OIF.")

    tab_to(keys, "#f-fu-0-description")
    keys.type("Envoyer la note sur les crédits d'impôt")
    tab_to(keys, "#f-fu-0-due_on")
    keys.type(DATE_KEYS["2027-01-15"])
    expect(page.locator("#f-fu-0-due_on")).to_have_value("2027-01-15")
    tab_to(keys, "#add-follow-up")
    keys.press("Enter")
    expect(page.locator("#f-fu-1-description")).to_be_focused()
    keys.type("Liste des entreprises intéressées")
    keys.press("Tab")
    keys.press("ArrowDown")  # owed by the partner
    keys.press("Tab")
    keys.type(colleague.username)
    keys.press("Tab")
    keys.type(DATE_KEYS["2027-02-01"])
    expect(page.locator("#f-fu-1-due_on")).to_have_value("2027-02-01")
    keys.press("Control+Enter")

    page.wait_for_url(ENGAGEMENT_URL)
    seconds = time.monotonic() - started
    engagement_id = ENGAGEMENT_URL.search(page.url).group(1)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    shoot(page, "engagement-logged")

    logged = api.get(f"/engagements/{engagement_id}").json()
    assert set(logged["partner_ids"]) == {bavaria["id"], oif["id"]}
    assert logged["contact_ids"] == [bavaria["contact"]["id"]]
    assert sorted(logged["thrusts"]) == ["climate.clean-tech", "security.cybersecurity", "trade.investment"]
    assert logged["officers"] == [officer.username]
    follow_ups = api.get(f"/engagements/{engagement_id}/follow-ups").json()["items"]
    assert sorted((f["description"], f["owed_by"], f["assignee"], f["due_on"]) for f in follow_ups) == [
        ("Envoyer la note sur les crédits d'impôt", "quebec", officer.username, "2027-01-15"),
        ("Liste des entreprises intéressées", "partner", colleague.username, "2027-02-01"),
    ]
    figures = (
        "Log the reference meeting (2 partners, 1 contact, 3 thrusts, 2 follow-ups), keyboard only\n"
        f"keystrokes: {keys.keys} (of which characters typed: {keys.characters})\n"
        f"clicks: {clicks}\n"
        f"seconds (automated, page load to engagement page): {seconds:.1f}\n"
        f"keys: {'; '.join(keys.log)}\n"
    )
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(figures, encoding="utf-8")
    print("\n" + figures)
    assert page.outside_requests == []
    assert script_errors == []


def test_errors_show_beside_their_fields_and_nothing_is_lost(page, bavaria, shoot, assert_no_axe_violations):
    page.goto("/engagements/new")
    page.locator("#f-title").fill("Sans partenaire")
    page.locator("#f-starts_at").fill("")
    page.locator("#f-notes").fill("Des **notes** à garder")
    page.locator("#f-fu-0-description").fill("Relancer le cabinet")
    page.locator("#f-fu-0-due_on").fill("2027-03-01")
    page.locator("#engagement-submit").click()

    expect(page.locator("#f-partners-error")).to_be_visible()
    expect(page.locator("#f-thrusts-error")).to_be_visible()
    expect(page.locator("#f-starts_at-error")).to_have_text(re.compile("obligatoire"))
    expect(page.locator(".error-summary")).to_be_focused()
    # Everything typed is still there.
    expect(page.locator("#f-title")).to_have_value("Sans partenaire")
    expect(page.locator("#f-notes")).to_have_value("Des **notes** à garder")
    expect(page.locator("#f-fu-0-description")).to_have_value("Relancer le cabinet")
    expect(page.locator("#f-fu-0-due_on")).to_have_value("2027-03-01")
    shoot(page, "log-engagement-errors")
    assert_no_axe_violations(page)

    # A follow-up without its "what" is refused before anything is logged, beside that field.
    page.locator("#f-starts_at").fill("2026-11-30T10:00")
    page.locator("#f-partners").fill("baviere")
    expect(page.locator("#partner-listbox [role=option]").first).to_be_visible()
    page.locator("#f-partners").press("Enter")
    page.locator("#f-thrusts").fill("invest")
    page.locator("#f-thrusts").press("Enter")
    page.locator("#f-fu-0-description").fill("")
    page.locator("#engagement-submit").click()
    expect(page.locator("#f-fu-0-description-error")).to_be_visible()
    expect(page.locator("#f-fu-0-due_on")).to_have_value("2027-03-01")
    expect(page.locator("#partner-chips input:checked")).to_have_count(1)
    expect(page.locator("input[name=thrusts]:checked")).to_have_count(1)


def _fill_minimal(page, title: str) -> None:
    page.locator("#f-title").fill(title)
    page.locator("#f-partners").fill("baviere")
    expect(page.locator("#partner-listbox [role=option]").first).to_be_visible()
    page.locator("#f-partners").press("Enter")
    expect(page.locator("#partner-chips input:checked")).to_have_count(1)
    page.locator("#f-thrusts").fill("invest")
    page.locator("#f-thrusts").press("Enter")


def test_a_form_sent_twice_logs_one_engagement(page, api, bavaria):
    title = f"Envoyée deux fois {uuid.uuid4().hex[:6]}"
    page.goto("/engagements/new")
    _fill_minimal(page, title)
    # Two submissions of the same form at once (a double click past the script, or a resubmission).
    urls = page.evaluate(
        """async () => {
            const form = document.getElementById("engagement-form");
            const send = () => fetch(form.getAttribute("action"), {method: "POST", body: new FormData(form)})
                .then(r => r.url);
            return Promise.all([send(), send()]);
        }"""
    )
    ids = {ENGAGEMENT_URL.search(url).group(1) for url in urls}
    assert len(ids) == 1, urls
    # And once more after it was logged: the same answer, still one engagement.
    page.locator("#engagement-submit").click()
    page.wait_for_url(ENGAGEMENT_URL)
    assert ENGAGEMENT_URL.search(page.url).group(1) in ids
    assert len(engagements_titled(api, title)) == 1


def test_a_draft_survives_a_reload_and_is_cleared_once_sent(page, bavaria):
    title = f"Brouillon {uuid.uuid4().hex[:6]}"
    page.goto("/engagements/new")
    _fill_minimal(page, title)
    page.locator("#f-notes").fill("Notes du brouillon")
    page.locator("#f-fu-0-description").fill("Première promesse")
    page.locator("#add-follow-up").click()
    page.locator("#f-fu-1-description").fill("Deuxième promesse")
    page.wait_for_timeout(400)  # the draft is saved a moment after typing stops

    page.reload()  # a lost connection, a closed tab: the browser kept it
    expect(page.locator("#draft-restored")).to_be_visible()
    expect(page.locator("#f-title")).to_have_value(title)
    expect(page.locator("#f-notes")).to_have_value("Notes du brouillon")
    expect(page.locator("#partner-chips input:checked")).to_have_count(1)
    expect(page.locator("#partner-chips")).to_contain_text("Bavière")
    expect(page.locator("#f-thrusts-error")).to_have_count(0)
    expect(page.locator("input[name=thrusts]:checked")).to_have_count(1)
    expect(page.locator("#f-fu-1-description")).to_have_value("Deuxième promesse")
    expect(page.locator(f"#contact-{bavaria['contact']['id']}")).to_be_visible()

    page.locator("#engagement-submit").click()
    page.wait_for_url(ENGAGEMENT_URL)
    page.goto("/engagements/new")
    expect(page.locator("#f-title")).to_have_value("")
    expect(page.locator("#draft-restored")).to_be_hidden()


def test_notes_preview_renders_markdown_inert(page):
    page.goto("/engagements/new")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.locator("#f-notes").fill("**gras** <img src=x onerror=alert(1)> [x](javascript:alert(1))")
    page.get_by_role("button", name="Prévisualiser les notes").click()
    preview = page.locator("#notes-preview .notes-rendered")
    expect(preview.locator("strong")).to_have_text("gras")
    expect(preview.locator("img")).to_have_count(0)
    assert all("javascript" not in (a.get_attribute("href") or "") for a in preview.locator("a").all())
    page.wait_for_timeout(200)
    assert dialogs == []


def test_without_javascript_the_form_still_logs(chromium, web_system, login_as, officer, bavaria, oif, api):
    context = chromium.new_context(base_url=web_system["url"], java_script_enabled=False, locale="fr-CA")
    try:
        page = context.new_page()
        login_as(page, officer, "/engagements/new")
        title = f"Sans JavaScript {uuid.uuid4().hex[:6]}"
        page.locator("#f-title").fill(title)
        page.locator("#f-partners").fill("OIF")
        page.get_by_role("button", name="Chercher", exact=True).click()
        page.get_by_label("Organisation internationale de la Francophonie (OIF)").first.check()
        page.get_by_role("button", name="Afficher leurs contacts").click()
        expect(page.locator("#f-title")).to_have_value(title)  # the round trip kept the form
        page.locator(f"#contact-{oif['contact']['id']}").check()
        page.locator("#thrust-french-language-francophonie").check()
        page.locator("#f-fu-2-description").fill("Une promesse, dans la troisième ligne")
        page.locator("#engagement-submit").click()
        page.wait_for_url(ENGAGEMENT_URL)
        engagement_id = ENGAGEMENT_URL.search(page.url).group(1)
        logged = api.get(f"/engagements/{engagement_id}").json()
        assert logged["partner_ids"] == [oif["id"]] and logged["contact_ids"] == [oif["contact"]["id"]]
        follow_ups = api.get(f"/engagements/{engagement_id}/follow-ups").json()["items"]
        assert [f["description"] for f in follow_ups] == ["Une promesse, dans la troisième ligne"]
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_form_at_360_px_in_both_languages(
    new_page, login_as, make_user, bavaria, lang, shoot, assert_no_axe_violations
):
    page = new_page
    login_as(page, make_user("officer"))  # their own: the language chosen is remembered per person
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"/language/{lang}?next=/engagements/new")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.locator("#f-partners").fill("bav")
    expect(page.locator("#partner-listbox [role=option]").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(page, "log-engagement")
    assert_no_axe_violations(page)
    page.locator("#f-partners").press("Enter")
    page.locator("#f-thrusts").fill("clim")
    expect(page.locator("#thrust-list")).to_have_attribute("open", "")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_no_axe_violations(page)
