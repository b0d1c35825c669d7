"""The partner pages in a real browser against the real processes: the page and its sections, follow,
edit (and the concurrent-edit screen), create, merge, and a hostile name that must stay text."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.partner_data import (
    add_follow_up,
    create_partner,
    in_english,
    in_french,
    log_engagement,
    wait_until,
)


@pytest.fixture(scope="module")
def world(api):
    """The Union of Baltic Cities, its member Tallinn (who left in 2020), its partner Riga; a contact,
    engagements of each, and commitments both ways."""
    tag = uuid.uuid4().hex[:6]
    union = create_partner(
        api,
        kind="international_organization",
        name_fr=f"Union des villes baltiques {tag}",
        name_en=f"Union of Baltic Cities {tag}",
        acronyms=["UBC"],
        region="europe",
        thrusts=["culture.exchanges", "climate"],
        website="https://ubc.example.org",
        description_fr="Réseau de villes riveraines de la mer Baltique.",
        description_en="A network of cities around the Baltic Sea.",
    )
    tallinn = create_partner(api, kind="other", name_fr=f"Tallinn {tag}", country="EE", region="europe")
    riga = create_partner(api, kind="other", name_fr=f"Riga {tag}", country="LV", region="europe")
    api.post(
        f"/partners/{tallinn['id']}/relationships",
        json={"type": "member_of", "target_id": union["id"], "since": "2012-01-01", "until": "2020-06-30"},
    ).raise_for_status()
    api.post(
        f"/partners/{riga['id']}/relationships",
        json={"type": "member_of", "target_id": union["id"], "since": "2015-03-01"},
    ).raise_for_status()
    api.post(
        f"/partners/{union['id']}/contacts",
        json={
            "honorific": "Mme",
            "name": "Aino Saar",
            "title": "Secrétaire générale",
            "email": "aino.saar@ubc.example.org",
            "mandates": [{"post": "Secrétaire générale", "since": "2021-01-01"}],
        },
    ).raise_for_status()
    meeting = log_engagement(
        api,
        title="Rencontre annuelle de l'Union",
        starts_at="2025-09-15T10:00:00-04:00",
        partner_ids=[union["id"]],
        thrusts=["culture.exchanges"],
    )
    log_engagement(
        api,
        title="Atelier sur le port de Riga",
        starts_at="2025-10-01T10:00:00-04:00",
        partner_ids=[riga["id"]],
        thrusts=["climate"],
    )
    add_follow_up(api, meeting["id"], description="Envoyer le programme de la mission", owed_by="quebec")
    add_follow_up(api, meeting["id"], description="Transmettre la liste des villes hôtes", owed_by="partner")
    return {"union": union, "tallinn": tallinn, "riga": riga, "meeting": meeting}


@pytest.fixture
def officer_page(new_page, login_as, make_user):
    """Logged in as an officer of this module's own (the tests change its language and what it follows)."""
    login_as(new_page, make_user("officer"))
    return new_page


@pytest.fixture
def admin_page(chromium, web_system, login_as, make_user):
    """An administrator's page, in a browser context of its own (beside `officer_page`'s)."""
    context = chromium.new_context(base_url=web_system["url"], locale="fr-CA", timezone_id="America/Toronto")
    page = context.new_page()
    login_as(page, make_user("admin"))
    yield page
    context.close()


def section(page, heading: str):
    return page.locator("section.partner-section", has=page.get_by_role("heading", name=re.compile(heading)))


def test_the_page_shows_each_section(officer_page, world):
    page = officer_page
    union = world["union"]
    page.goto(f"/partners/{union['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(union["name_fr"])
    expect(page.locator(".other-name").first).to_have_text(union["name_en"])

    identity = section(page, "Identité")
    expect(identity).to_contain_text("Organisation internationale")
    expect(identity).to_contain_text("Europe")
    expect(identity).to_contain_text("Partenariats et échanges culturels")  # a thrust, by its French label
    expect(identity).to_contain_text("Réseau de villes riveraines")

    ties = section(page, "Relations")
    expect(ties).to_contain_text(world["riga"]["name_fr"])
    expect(ties).to_contain_text(world["tallinn"]["name_fr"])
    # As of 2022, Tallinn had left: the date filter says so, and stays in the address.
    ties.get_by_label("En date du").fill("2022-01-01")
    ties.get_by_role("button", name="Afficher", exact=True).click()
    expect(page).to_have_url(re.compile(r"as_of=2022-01-01"))
    expect(section(page, "Relations")).to_contain_text(world["riga"]["name_fr"])
    expect(section(page, "Relations")).not_to_contain_text(world["tallinn"]["name_fr"])

    contacts = section(page, "Contacts")
    expect(contacts).to_contain_text("Mme Aino Saar")
    expect(contacts).to_contain_text("Secrétaire générale")
    expect(contacts.get_by_role("link", name="aino.saar@ubc.example.org")).to_be_visible()

    commitments = section(page, "Suivis en cours")
    ours = commitments.locator("div", has_text="À faire de notre côté").last
    theirs = commitments.locator("div", has_text="À faire du côté du partenaire").last
    expect(ours).to_contain_text("Envoyer le programme")
    expect(theirs).to_contain_text("Transmettre la liste")

    history = section(page, "Historique")
    expect(history).to_contain_text("Rencontre annuelle de l'Union")
    expect(history).not_to_contain_text("Atelier sur le port de Riga")
    history.get_by_label("Inclure les activités des membres").check()
    history.get_by_role("button", name="Afficher", exact=True).click()
    expect(page).to_have_url(re.compile(r"members=1"))
    expect(section(page, "Historique")).to_contain_text("Atelier sur le port de Riga")

    expect(section(page, "Journal des modifications")).to_contain_text("Partenaire créé")
    for lang in ("fr", "en"):
        link = page.locator(f"a[href='/partners/{union['id']}/briefing?lang={lang}']")
        expect(link).to_be_visible()
    page.locator(f"a[href='/partners/{union['id']}/briefing?lang=en']").click()
    expect(page.locator("body")).to_contain_text("Briefing note")
    expect(page.locator("body")).to_contain_text("Aino Saar")


def test_follow_and_unfollow_with_and_without_javascript(
    officer_page, world, chromium, web_system, login_as, make_user
):
    page = officer_page
    riga = world["riga"]
    page.goto(f"/partners/{riga['id']}")
    page.get_by_role("button", name="Suivre", exact=True).click()  # htmx swaps the button in place
    expect(page.get_by_role("button", name="Ne plus suivre", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(f"/partners/{riga['id']}$"))
    page.reload()
    expect(page.get_by_role("button", name="Ne plus suivre", exact=True)).to_be_visible()
    page.get_by_role("button", name="Ne plus suivre", exact=True).click()
    expect(page.get_by_role("button", name="Suivre", exact=True)).to_be_visible()

    context = chromium.new_context(base_url=web_system["url"], java_script_enabled=False)
    try:
        plain = context.new_page()
        login_as(plain, make_user("officer"))
        plain.goto(f"/partners/{riga['id']}")
        plain.get_by_role("button", name="Suivre", exact=True).click()
        expect(plain).to_have_url(re.compile(f"/partners/{riga['id']}#follow$"))
        expect(plain.get_by_role("button", name="Ne plus suivre", exact=True)).to_be_visible()
        plain.get_by_role("button", name="Ne plus suivre", exact=True).click()
        expect(plain.get_by_role("button", name="Suivre", exact=True)).to_be_visible()
    finally:
        context.close()


def test_edit_saves_and_a_concurrent_edit_shows_both_versions(officer_page, api):
    page = officer_page
    partner = create_partner(api, kind="ngo", name_fr="Fondation des Lacs", region="north-america")
    page.goto(f"/partners/{partner['id']}")
    page.get_by_role("link", name="Modifier", exact=True).click()
    page.get_by_label("Nom en anglais").fill("Lakes Foundation")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page).to_have_url(re.compile(f"/partners/{partner['id']}\\?done=saved$"))
    expect(page.locator(".other-name").first).to_have_text("Lakes Foundation")

    # Someone else saves while this officer is editing.
    page.get_by_role("link", name="Modifier", exact=True).click()
    page.get_by_label("Nom en anglais").fill("Great Lakes Foundation")
    page.get_by_label("Site Web").fill("https://lacs.example.org")
    current = api.get(f"/partners/{partner['id']}")
    api.patch(
        f"/partners/{partner['id']}",
        json={"name_en": "Foundation of the Lakes", "owner": "someone-else"},
        headers={"If-Match": current.headers["etag"]},
    ).raise_for_status()
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Modifié par quelqu’un d’autre")
    table = page.locator("table.conflict-table")
    row = table.locator("tr", has_text="Nom en anglais")
    expect(row.locator("td.theirs")).to_have_text("Foundation of the Lakes")
    expect(row.locator("td.mine")).to_have_text("Great Lakes Foundation")
    # Nothing typed is lost: the form holds this officer's values.
    expect(page.get_by_label("Nom en anglais")).to_have_value("Great Lakes Foundation")
    expect(page.get_by_label("Site Web")).to_have_value("https://lacs.example.org")
    assert api.get(f"/partners/{partner['id']}").json()["name_en"] == "Foundation of the Lakes"

    page.get_by_role("button", name="Enregistrer ma version").click()
    expect(page).to_have_url(re.compile(r"done=saved$"))
    saved = api.get(f"/partners/{partner['id']}").json()
    assert saved["name_en"] == "Great Lakes Foundation"
    assert saved["website"] == "https://lacs.example.org"
    assert saved["owner"] == "someone-else"  # their change to a field this officer left alone stays


def test_edit_errors_show_beside_their_field(officer_page, api):
    page = officer_page
    partner = create_partner(api, kind="ngo", name_fr="Fondation des Érables")
    page.goto(f"/partners/{partner['id']}/edit")
    page.get_by_label("Site Web").fill("ftp://erables.example.org")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("#f-website-error")).to_contain_text("http")
    expect(page.get_by_label("Site Web")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Site Web")).to_have_value("ftp://erables.example.org")
    assert api.get(f"/partners/{partner['id']}").json()["website"] is None


def test_create_a_partner_with_errors_then_a_duplicate_warning(officer_page):
    page = officer_page
    name = f"Institut nordique {uuid.uuid4().hex[:6]}"
    page.goto("/partners")
    page.get_by_role("link", name="Nouveau partenaire").click()
    page.get_by_label("Site Web").fill("pas une adresse")
    page.get_by_role("button", name="Créer le partenaire").click()
    expect(page.locator("#f-website-error")).to_be_visible()
    page.get_by_label("Nom en français").fill(name)
    page.get_by_label("Site Web").fill("")
    page.get_by_label("Pays").select_option("CA")
    page.get_by_role("button", name="Créer le partenaire").click()
    expect(page).to_have_url(re.compile(r"/partners/[0-9a-f-]{36}\?done=created$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)

    # The same name again in the same country: the service's likely-duplicate answer, then a deliberate create.
    page.goto("/partners/new")
    page.get_by_label("Nom en français").fill(name)
    page.get_by_label("Pays").select_option("CA")
    page.get_by_role("button", name="Créer le partenaire").click()
    expect(page.locator("#duplicates")).to_contain_text(name)
    page.get_by_label("C’est une autre organisation : la créer quand même").check()
    page.get_by_role("button", name="Créer le partenaire").click()
    expect(page).to_have_url(re.compile(r"done=created$"))


def test_merge_as_admin_and_refused_for_an_officer(admin_page, officer_page, api):
    keep = create_partner(api, kind="company", name_fr="Hydro-Boréal", country="CA")
    duplicate = create_partner(api, kind="company", name_fr="Hydro Boreal inc.", country="CA")

    officer = officer_page
    officer.goto(f"/partners/{keep['id']}")
    expect(officer.get_by_role("link", name="Fusionner un doublon")).to_have_count(0)
    answer = officer.goto(f"/partners/{keep['id']}/merge")
    assert answer.status == 403
    expect(officer.get_by_role("heading", level=1)).to_have_text("Accès refusé")

    page = admin_page
    page.goto(f"/partners/{keep['id']}")
    page.get_by_role("link", name="Fusionner un doublon").click()
    page.get_by_role("searchbox", name="Trouver le doublon").fill("hydro boreal")
    page.locator("main").get_by_role("button", name="Rechercher", exact=True).click()
    page.get_by_label(re.compile("Hydro Boreal inc.")).check()
    page.get_by_role("button", name="Continuer", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer la fusion")
    expect(page.locator(".merge-card").first).to_contain_text("Hydro Boreal inc.")
    page.get_by_role("button", name="Fusionner", exact=True).click()
    expect(page).to_have_url(re.compile(f"/partners/{keep['id']}\\?done=merged$"))
    # The duplicate's address now leads to the partner kept.
    page.goto(f"/partners/{duplicate['id']}")
    expect(page).to_have_url(re.compile(f"/partners/{keep['id']}$"))
    assert api.get(f"/partners/{duplicate['id']}").json()["id"] == keep["id"]


def test_a_hostile_name_renders_as_text(officer_page, api):
    page = officer_page
    hostile = "<script>alert(1)</script>"
    partner = create_partner(api, kind="other", name_fr=hostile, name_en='"><img src=x onerror=alert(2)>')
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"/partners/{partner['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(hostile)
    expect(page.locator(".other-name").first).to_have_text('"><img src=x onerror=alert(2)>')
    assert page.locator("main script").count() == 0 and page.locator("main img").count() == 0
    page.goto("/search?q=script%20alert")
    expect(page.locator("#partner-results")).to_contain_text(hostile)
    page.goto("/")
    page.locator("#site-search-q").press_sequentially("script alert", delay=30)
    expect(page.locator("#site-search-suggestions")).to_contain_text(hostile)
    page.goto(f"/partners/{partner['id']}/edit")
    expect(page.get_by_label("Nom en français")).to_have_value(hostile)
    assert dialogs == []


def test_an_unknown_partner_is_a_clear_404(officer_page):
    answer = officer_page.goto(f"/partners/{uuid.uuid4()}")
    assert answer.status == 404
    expect(officer_page.get_by_role("heading", level=1)).to_have_text("Partenaire introuvable")
    assert officer_page.goto("/partners/not-an-id").status == 404


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_screenshots_and_accessibility(admin_page, world, api, shoot, assert_no_axe_violations, lang):
    page = admin_page
    union = world["union"]
    wait_until(lambda: api.get(f"/partners/{union['id']}/history").json()["total"] >= 1, "the union's history")
    switch = in_english if lang == "en" else in_french
    pages = {
        "partner": f"/partners/{union['id']}",
        "partner-edit": f"/partners/{union['id']}/edit",
        "partner-merge": f"/partners/{union['id']}/merge?q=tallinn",
        "partners": "/partners?region=europe",
        "partner-new": "/partners/new",
    }
    for name, path in pages.items():
        switch(page, path)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        shoot(page, name)
        assert_no_axe_violations(page)

    # The concurrent-edit screen.
    switch(page, f"/partners/{union['id']}/edit")
    page.locator("#f-owner").fill(f"camille-{uuid.uuid4().hex[:6]}")
    current = api.get(f"/partners/{union['id']}")
    api.patch(
        f"/partners/{union['id']}",
        json={"owner": f"dominique-{uuid.uuid4().hex[:6]}"},
        headers={"If-Match": current.headers["etag"]},
    ).raise_for_status()
    page.locator("form.partner-form button[type=submit]").click()
    expect(page.locator("table.conflict-table")).to_be_visible()
    shoot(page, "partner-conflict")
    assert_no_axe_violations(page)

    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"/partners/{union['id']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(page, "partner-360")
    assert_no_axe_violations(page)
    page.goto("/partners")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    in_french(page, "/")
