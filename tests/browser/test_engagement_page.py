"""The engagement page in a real browser: everything about it with the notes inert, follow-ups completed,
reassigned and reopened in one click (htmx, and without JavaScript), edit with a concurrent change
reviewed (412), delete with its confirmation, a mission's meetings, axe and screenshots in both languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.engagement_support import engagement, partner
from tests.browser.home_support import client_for

HOSTILE_NOTES = "Compte rendu **important**.\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) et [site](https://example.org)"


@pytest.fixture(scope="module")
def quebec_partner(api):
    return partner(
        api,
        name_fr="Bavière",
        name_en="Bavaria",
        acronyms=[],
        kind="federated_state",
        country="DE",
        contact=("Markus Weber", "Ministre des Affaires européennes"),
    )


@pytest.fixture
def logged(api, quebec_partner, officer):
    """An engagement of the officer's, with hostile notes, a contact and two follow-ups (one owed by
    the partner, which the officer chases)."""
    made = engagement(
        api,
        [quebec_partner["id"]],
        notes=HOSTILE_NOTES,
        summary="Rencontre de travail",
        contact_ids=[quebec_partner["contact"]["id"]],
        officers=[officer.username],
        thrusts=["trade.investment", "security.cybersecurity"],
        discussion_points=["Crédits d'impôt", "Cybersécurité"],
    )
    for body in (
        {"description": "Envoyer la note", "assignee": officer.username, "due_on": "2020-01-15"},
        {"description": "Liste des entreprises", "assignee": officer.username, "owed_by": "partner"},
    ):
        assert api.post(f"/engagements/{made['id']}/follow-ups", json=body).status_code == 201
    return made


def _follow_up(api, engagement_id: str, description: str) -> dict:
    items = api.get(f"/engagements/{engagement_id}/follow-ups").json()["items"]
    return next(f for f in items if f["description"] == description)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_page_shows_everything_with_the_notes_inert(
    new_page, login_as, make_user, api, quebec_partner, lang, shoot, assert_no_axe_violations
):
    reader = make_user("officer")  # their own: the language chosen is remembered per person
    made = engagement(api, [quebec_partner["id"]], notes=HOSTILE_NOTES, officers=[reader.username])
    follow_up = {"description": "Envoyer la note", "assignee": reader.username, "due_on": "2020-01-15"}
    assert api.post(f"/engagements/{made['id']}/follow-ups", json=follow_up).status_code == 201
    page = new_page
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login_as(page, reader)
    page.goto(f"/language/{lang}?next=/engagements/{made['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(made["title"])
    notes = page.locator(".notes-rendered")
    expect(notes.locator("strong")).to_have_text("important")
    expect(notes.locator("img")).to_have_count(0)
    hrefs = [a.get_attribute("href") or "" for a in notes.locator("a").all()]
    assert "https://example.org" in hrefs and not any("javascript" in h for h in hrefs)
    # The partner in the page's language.
    expect(page.locator(".facts")).to_contain_text("Bavière" if lang == "fr" else "Bavaria")
    # Its audit trail, newest first: the follow-up added after it was logged.
    trail = page.locator("#audit .audit > li")
    expect(trail).to_have_count(2)
    expect(trail.nth(0)).to_contain_text("Suivi ajouté" if lang == "fr" else "Follow-up added")
    expect(trail.nth(1)).to_contain_text("Activité consignée" if lang == "fr" else "Engagement logged")
    shoot(page, "engagement")
    assert_no_axe_violations(page)
    page.set_viewport_size({"width": 360, "height": 780})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert dialogs == []


def test_follow_ups_complete_reassign_reopen_in_one_click(page, api, logged, officer, make_user):
    colleague, someone = make_user("officer"), make_user("officer")  # assignees are people of the directory
    page.goto(f"/engagements/{logged['id']}")
    page.evaluate("window.__samePage = true")  # gone if the page reloads: htmx swaps only the item
    first = _follow_up(api, logged["id"], "Envoyer la note")
    item = page.locator(f"#fu-{first['id']}")
    expect(item.locator(".badge")).to_have_text("En retard")

    item.get_by_role("button", name="Marquer comme fait").click()
    expect(item.locator(".badge")).to_have_text("Fait")
    assert _follow_up(api, logged["id"], "Envoyer la note")["status"] == "done"

    item.get_by_role("button", name="Rouvrir").click()
    expect(item.get_by_role("button", name="Marquer comme fait")).to_be_visible()
    assert _follow_up(api, logged["id"], "Envoyer la note")["status"] == "open"

    item.locator("input[name=assignee]").fill(colleague.username)
    item.get_by_role("button", name="Réassigner").click()
    expect(item).to_contain_text(f"Confié à {colleague.username}")
    assert _follow_up(api, logged["id"], "Envoyer la note")["assignee"] == colleague.username
    assert page.evaluate("window.__samePage === true")

    # Changed meanwhile by someone else: the item shows it as it is now, and says so.
    api.patch(f"/follow-ups/{first['id']}", json={"assignee": someone.username}, headers={"If-Match": "*"})
    item.get_by_role("button", name="Marquer comme fait").click()
    expect(item.locator(".field-error")).to_be_visible()
    expect(item).to_contain_text(f"Confié à {someone.username}")


def test_follow_ups_without_javascript(chromium, web_system, login_as, officer, api, logged):
    context = chromium.new_context(base_url=web_system["url"], java_script_enabled=False, locale="fr-CA")
    try:
        page = context.new_page()
        login_as(page, officer, f"/engagements/{logged['id']}")
        second = _follow_up(api, logged["id"], "Liste des entreprises")
        page.locator(f"#fu-{second['id']}").get_by_role("button", name="Marquer comme fait").click()
        expect(page.locator(f"#fu-{second['id']} .badge")).to_have_text("Fait")
        assert _follow_up(api, logged["id"], "Liste des entreprises")["status"] == "done"
        page.locator("#f-fu-0-description").fill("Une nouvelle promesse")
        page.get_by_role("button", name="Ajouter", exact=True).click()
        expect(page.locator("#follow-ups")).to_contain_text("Une nouvelle promesse")
    finally:
        context.close()


def test_edit_shows_a_concurrent_change_for_review(page, api, logged, shoot, assert_no_axe_violations):
    page.goto(f"/engagements/{logged['id']}/edit")
    page.locator("#f-title").fill("Mon titre")
    current = api.get(f"/engagements/{logged['id']}")
    api.patch(
        f"/engagements/{logged['id']}", json={"title": "Leur titre"}, headers={"If-Match": current.headers["etag"]}
    )
    page.locator("#engagement-submit").click()
    expect(page.locator(".conflict")).to_contain_text("Leur titre")
    expect(page.locator(".conflict dt")).to_have_count(1)  # only what differs: the title, not the notes
    expect(page.locator("#f-title")).to_have_value("Mon titre")  # nothing lost
    shoot(page, "engagement-edit-conflict")
    assert_no_axe_violations(page)
    assert api.get(f"/engagements/{logged['id']}").json()["title"] == "Leur titre"  # nothing overwritten unseen
    page.locator("#engagement-submit").click()  # saved again, with their change in view
    expect(page).to_have_url(re.compile(rf"/engagements/{logged['id']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon titre")


def test_delete_asks_first(page, api, web_system, officer, quebec_partner, logged, shoot, assert_no_axe_violations):
    # Listed among its officers, the officer changes it but only its author (or an admin) deletes it.
    page.goto(f"/engagements/{logged['id']}/delete")
    page.get_by_role("button", name="Oui, la supprimer").click()
    expect(page.get_by_role("alert")).to_contain_text("Seuls son auteur ou un administrateur")
    assert api.get(f"/engagements/{logged['id']}").status_code == 200

    with client_for(web_system, officer) as theirs:
        own = engagement(theirs, [quebec_partner["id"]], officers=[officer.username])
    page.goto(f"/engagements/{own['id']}")
    page.get_by_role("link", name="Supprimer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(own["title"])
    shoot(page, "engagement-delete")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Non, la garder").click()
    assert api.get(f"/engagements/{own['id']}").status_code == 200
    page.get_by_role("link", name="Supprimer").click()
    page.get_by_role("button", name="Oui, la supprimer").click()
    expect(page).to_have_url(re.compile(r"/\?deleted=1$"))
    assert api.get(f"/engagements/{own['id']}").status_code == 404


def test_a_mission_groups_its_meetings(page, api, quebec_partner, officer):
    mission = engagement(
        api, [quebec_partner["id"]], type="mission", title="Mission en Bavière", officers=[officer.username]
    )
    page.goto(f"/engagements/{mission['id']}")
    page.get_by_role("link", name="Consigner une rencontre de cette mission").click()
    expect(page.locator("#f-mission_id")).to_have_value(mission["id"])
    page.locator("#f-title").fill("Rencontre pendant la mission")
    page.locator("#f-partners").fill("baviere")
    expect(page.locator("#partner-listbox [role=option]").first).to_be_visible()
    page.locator("#f-partners").press("Enter")
    page.locator("#f-thrusts").fill("invest")
    page.locator("#f-thrusts").press("Enter")
    page.locator("#engagement-submit").click()
    expect(page.locator("main")).to_contain_text("Mission en Bavière")
    page.get_by_role("link", name="Mission en Bavière").click()
    expect(page.locator("main")).to_contain_text("Rencontre pendant la mission")


def test_the_audit_trail_shows_who_changed_what(page, api, logged):
    before = logged["title"]
    changed = api.patch(
        f"/engagements/{logged['id']}", json={"title": "Bilan révisé"}, headers={"If-Match": f'W/"{logged["version"]}"'}
    )
    assert changed.status_code == 200, changed.text
    page.goto(f"/engagements/{logged['id']}#audit")
    latest = page.locator("#audit .audit > li").first
    expect(latest).to_contain_text("Activité modifiée")
    expect(latest.locator(".changes li")).to_contain_text("Titre")
    expect(latest.locator("del")).to_have_text(before)
    expect(latest.locator("ins")).to_have_text("Bilan révisé")
    follow_up = _follow_up(api, logged["id"], "Envoyer la note")
    done = api.patch(f"/follow-ups/{follow_up['id']}", json={"status": "done"}, headers={"If-Match": 'W/"1"'})
    assert done.status_code == 200, done.text
    page.reload()
    latest = page.locator("#audit .audit > li").first
    expect(latest).to_contain_text("Suivi modifié")
    expect(latest.locator(".changes li").filter(has_text="Statut")).to_contain_text("Ouvert → Fait")


def test_people_are_picked_from_the_directory_and_shown_by_name(page, api, logged, officer):
    """The assignee fields offer the directory's people (a datalist of `GET /people`), and the
    officers and assignees show with their display names once the engagements service knows them."""
    page.goto(f"/engagements/{logged['id']}")
    choice = page.locator(f'datalist#directory-people option[value="{officer.username}"]')
    expect(choice).to_have_text("Camille Tremblay")
    first = _follow_up(api, logged["id"], "Envoyer la note")
    assert page.locator(f"#fu-{first['id']} input[name=assignee]").get_attribute("list") == "directory-people"
    assert page.locator("form.add-follow-up input[name=fu_assignee]").get_attribute("list") == "directory-people"
    for _ in range(50):  # the directory's event reaches the engagements service within moments
        if "Camille Tremblay" in page.locator("dl").first.inner_text():
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator("dl").first).to_contain_text("Camille Tremblay")
    expect(page.locator(f"#fu-{first['id']}")).to_contain_text("Confié à Camille Tremblay")
