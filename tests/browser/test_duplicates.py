"""The duplicate review queue in a real browser (administrators): each likely pair with its score and
why in the page's language, "not duplicates" dismissing it, and the merge form choosing field by field,
the partners service's refusals (a merge that leaves no name, a change made meanwhile) shown beside
it in the page's language; checked against the API, in French and English, axe and screenshots."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.partner_data import create_partner


@pytest.fixture
def admin_page(new_page, login_as, make_user):
    login_as(new_page, make_user("admin"))
    return new_page


def pair_item(page, a: dict, b: dict):
    return page.locator(
        f"li.duplicate-pair[data-first='{a['id']}'][data-second='{b['id']}'], "
        f"li.duplicate-pair[data-first='{b['id']}'][data-second='{a['id']}']"
    )


def queued(api, a: dict, b: dict) -> bool:
    items = api.get("/partners/duplicates", params={"limit": 200}).json()["items"]
    return any({p["first"]["id"], p["second"]["id"]} == {a["id"], b["id"]} for p in items)


def look_alikes(api, name: str, **second) -> tuple[dict, dict]:
    common = {"kind": "government_agency", "country": "BE"}
    a = create_partner(api, **common, name_fr=name, website="https://a.example", description_fr="Première fiche")
    b = create_partner(api, **common, **({"name_fr": name.upper(), "website": "https://b.example"} | second))
    return a, b


def test_an_officer_is_refused_the_queue(page):
    for path in ("/admin/duplicates", f"/admin/duplicates/merge?survivor={uuid.uuid4()}&duplicate={uuid.uuid4()}"):
        assert page.goto(path).status == 403, path


def test_the_queue_says_why_in_both_languages_and_a_pair_is_dismissed(admin_page, api, shoot, assert_no_axe_violations):
    tag = uuid.uuid4().hex[:6]
    a, b = look_alikes(api, f"Office wallon des exportations {tag}")
    page = admin_page
    page.goto("/admin")
    page.locator(".admin-cards").get_by_role("link", name="Doublons probables").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Doublons probables")
    item = pair_item(page, a, b)
    expect(item).to_be_visible()
    expect(item.locator(".pair-score")).to_contain_text("/ 100")
    expect(item.locator(".reasons")).to_contain_text("Même nom")
    expect(item.locator(".reasons")).to_contain_text("Même pays : Belgique")
    expect(item.locator(".reasons")).to_contain_text("Même type : Organisme public")
    shoot(page, "admin-duplicates")
    assert_no_axe_violations(page)

    page.locator("a.lang-switch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Likely duplicates")
    expect(item.locator(".reasons")).to_contain_text("Same country: Belgium")
    expect(item.locator(".reasons")).to_contain_text("Same kind: Government agency")
    shoot(page, "admin-duplicates")
    assert_no_axe_violations(page)

    item.get_by_role("button", name="Not duplicates").click()
    expect(page.locator(".notice-success")).to_contain_text("The pair was dismissed")
    expect(pair_item(page, a, b)).to_have_count(0)
    assert not queued(api, a, b), "the queue no longer proposes the pair"
    page.locator("a.lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_a_merge_chosen_field_by_field_with_the_service_refusals_beside_the_form(
    admin_page, api, shoot, assert_no_axe_violations
):
    tag = uuid.uuid4().hex[:6]
    name = f"Agence wallonne du numérique {tag}"
    # The survivor has only a French name, the duplicate only an English one (and an acronym).
    a, b = look_alikes(api, name, name_fr=None, name_en=name, acronyms=[f"AWN{tag}"])
    page = admin_page
    page.goto(f"/admin/duplicates/merge?survivor={a['id']}&duplicate={b['id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fusionner")
    # Where they differ, a choice (the service's default checked); where they agree, the value.
    expect(page.locator("#keep-website-survivor")).to_be_checked()
    expect(page.locator("#keep-name_en-duplicate")).to_be_checked()  # the survivor has none
    expect(page.locator("#row-kind input")).to_have_count(0)
    expect(page.locator("#row-country")).to_contain_text("Belgique")
    shoot(page, "admin-duplicate-merge")
    assert_no_axe_violations(page)
    page.locator("a.lang-switch").click()
    expect(page.locator("#row-country")).to_contain_text("Belgium")
    shoot(page, "admin-duplicate-merge")
    assert_no_axe_violations(page)
    page.locator("a.lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    # Neither name kept: the partners service refuses, in French, beside the form; nothing merged.
    page.locator("#keep-name_fr-duplicate").check()
    page.locator("#keep-name_en-survivor").check()
    page.get_by_role("button", name="Fusionner").click()
    problem = page.locator("#merge-problem")
    expect(problem).to_contain_text("Fusion refusée")
    expect(problem).to_contain_text("Le partenaire fusionné doit garder un nom en français ou en anglais")
    expect(page.locator("#keep-name_fr-duplicate")).to_be_checked()  # the choices made are kept
    shoot(page, "admin-duplicate-merge-refused")
    assert_no_axe_violations(page)
    assert api.get(f"/partners/{b['id']}").json()["id"] == b["id"], "not merged"

    # Someone changes the survivor meanwhile: the merge is refused (412) and the page shows it now.
    current = api.get(f"/partners/{a['id']}")
    change = {"description_fr": "Changée entre-temps"}
    changed = api.patch(f"/partners/{a['id']}", json=change, headers={"If-Match": current.headers["etag"]})
    assert changed.status_code == 200, changed.text
    page.locator("#keep-name_fr-survivor").check()
    page.locator("#keep-name_en-duplicate").check()
    page.locator("#keep-website-duplicate").check()
    page.get_by_role("button", name="Fusionner").click()
    expect(problem).to_contain_text("Quelqu’un a modifié l’un de ces partenaires")
    expect(page.locator("#row-description_fr")).to_contain_text("Changée entre-temps")
    expect(page.locator("#keep-website-duplicate")).to_be_checked()

    # Merged with the page's view of it now.
    page.get_by_role("button", name="Fusionner").click()
    expect(page.locator(".notice-success")).to_contain_text("Les partenaires ont été fusionnés")
    merged = api.get(f"/partners/{b['id']}").json()
    assert merged["id"] == a["id"], "the duplicate's address leads to the survivor"
    assert merged["website"] == "https://b.example" and merged["description_fr"] == "Changée entre-temps"
    assert merged["name_fr"] == name and merged["name_en"] == name
    assert f"AWN{tag}" in merged["acronyms"], "acronyms united"
