"""Administration in a real browser: refused to officers; users, API keys, webhook deliveries and the
partner CSV import as an administrator does them, checked against the API; in French and English."""

from __future__ import annotations

import re
import time
import uuid
from types import SimpleNamespace

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.webhooks import WebhookReceiver


@pytest.fixture
def admin_page(new_page, login_as, make_user):
    login_as(new_page, make_user("admin"))
    return new_page


def row(page, table: str, attribute: str, value: str):
    return page.locator(f"#{table} tr[data-{attribute}='{value}']")


def both_languages(page, name: str, shoot, assert_no_axe_violations) -> None:
    """Screenshot and axe in the page's language, then in the other one (and back)."""
    first = page.locator("html").get_attribute("lang")
    shoot(page, name)
    assert_no_axe_violations(page)
    page.locator("a.lang-switch").click()
    expect(page.locator("html")).not_to_have_attribute("lang", first)
    shoot(page, name)
    assert_no_axe_violations(page)
    page.locator("a.lang-switch").click()
    expect(page.locator("html")).to_have_attribute("lang", first)


def test_an_officer_is_refused_administration(page, shoot, assert_no_axe_violations):
    page.goto("/")
    expect(page.get_by_role("navigation", name="Menu principal")).to_be_visible()
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    for path in ("/admin", "/admin/users", "/admin/keys", "/admin/webhooks", "/admin/import"):
        response = page.goto(path)
        assert response.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    shoot(page, "admin-forbidden")
    assert_no_axe_violations(page)


def test_the_overview_links_every_section_without_a_demo_notice_here(admin_page, shoot, assert_no_axe_violations):
    page = admin_page
    page.goto("/")
    page.get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    for name in ("Utilisateurs", "Clés d'API", "Webhooks", "Import de partenaires"):
        expect(page.get_by_role("main").get_by_role("link", name=name).first).to_be_visible()
    expect(page.locator("#demo-notice")).to_have_count(0)  # this system was started without the demo data
    both_languages(page, "admin", shoot, assert_no_axe_violations)


def test_an_admin_adds_a_user_changes_their_role_and_disables_them(
    admin_page, new_page, chromium, web_system, login_as, api, shoot, assert_no_axe_violations
):
    page = admin_page
    username = f"nadia.{uuid.uuid4().hex[:6]}@mrif.example"
    password = "un mot de passe assez long"
    page.goto("/admin/users")

    # A refusal shows beside its field, with what was typed kept (the password is never sent back).
    page.locator("#f-username").fill(username)
    page.locator("#f-display_name").fill("Nadia Lévesque")
    page.locator("#f-password").fill("court")
    page.get_by_role("button", name="Ajouter l'utilisateur").click()
    expect(page.locator("#f-password-error")).to_have_text("Au moins 12 caractères.")
    expect(page.locator("#f-username")).to_have_value(username)
    expect(page.locator("#f-password")).to_have_value("")

    page.locator("#f-password").fill(password)
    page.locator("#f-role").select_option("officer")
    page.get_by_role("button", name="Ajouter l'utilisateur").click()
    expect(page.locator("p.notice-success")).to_have_text("L'utilisateur a été ajouté.")
    created = row(page, "users", "user", username)
    expect(created).to_contain_text("Nadia Lévesque")
    expect(created.locator("select")).to_have_value("officer")
    assert api.get(f"/users/{username}").json()["roles"] == ["officer"]
    both_languages(page, "admin-users", shoot, assert_no_axe_violations)

    # The new person logs in, in a browser of their own.
    context = chromium.new_context(base_url=web_system["url"])
    theirs = context.new_page()
    login_as(theirs, SimpleNamespace(username=username, password=password))
    expect(theirs.get_by_role("link", name="Accueil")).to_be_visible()

    created.locator("select").select_option("viewer")
    created.get_by_role("button", name=re.compile("Changer le rôle")).click()
    expect(page.locator("p.notice-success")).to_have_text("Le rôle a été changé.")
    expect(row(page, "users", "user", username).locator("select")).to_have_value("viewer")
    assert api.get(f"/users/{username}").json()["roles"] == ["viewer"]

    row(page, "users", "user", username).get_by_role("button", name=re.compile("Désactiver")).click()
    expect(page.locator("p.notice-success")).to_contain_text("L'utilisateur a été désactivé")
    expect(row(page, "users", "user", username)).to_contain_text("Désactivé")
    assert api.get(f"/users/{username}").json()["disabled"] is True

    # Their open session has ended, and they can no longer log in.
    theirs.goto("/")
    expect(theirs).to_have_url(re.compile(r"/login"))
    theirs.locator("#f-username").fill(username)
    theirs.locator("#f-password").fill(password)
    theirs.locator("form[action='/login'] button[type=submit]").click()
    expect(theirs.get_by_role("alert")).to_be_visible()
    expect(theirs).to_have_url(re.compile(r"/login"))
    context.close()


def test_an_admin_creates_an_api_key_shown_once_and_revokes_it(admin_page, web_system, shoot, assert_no_axe_violations):
    page = admin_page
    page.goto("/admin/keys")
    page.locator("#f-name").fill("Système des subventions")
    page.locator("#f-scopes-read").check()
    page.get_by_role("button", name="Créer la clé").click()
    expect(page).to_have_url(re.compile(r"/admin/keys$"))
    secret = page.locator("#new-key-secret").input_value()
    assert secret.startswith("lia_")
    with httpx.Client(base_url=web_system["url"] + "/api/v1", timeout=30) as client:
        assert client.get("/partners", headers={"X-API-Key": secret}).status_code == 200
        shoot(page, "admin-key-created")
        assert_no_axe_violations(page)

        page.reload()  # shown once: not on a reload, and the reload makes no second key
        expect(page.locator("#new-key")).to_have_count(0)
        expect(page.locator("#keys tbody tr", has_text="Système des subventions")).to_have_count(1)
        both_languages(page, "admin-keys", shoot, assert_no_axe_violations)

        key_id = secret.removeprefix("lia_").split("_", 1)[0]
        row(page, "keys", "key", key_id).get_by_role("button", name=re.compile("Révoquer")).click()
        expect(page.locator("p.notice-success")).to_contain_text("La clé d'API a été révoquée")
        expect(row(page, "keys", "key", key_id)).to_contain_text("Révoquée")
        assert client.get("/partners", headers={"X-API-Key": secret}).status_code == 401


@pytest.fixture
def receiver():
    hooks = WebhookReceiver().start()
    yield hooks
    hooks.stop()


def wait_for_failed(api, receiver, webhook_id: str, timeout: float = 90) -> dict:
    deadline, found = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        found = api.get("/deliveries", params={"recipient": f"webhook:{webhook_id}"}).json()["items"]
        if found and found[0]["status"] == "failed":
            return found[0]
        time.sleep(0.5)
    raise AssertionError(
        f"no failed delivery to webhook {webhook_id} after {timeout} s: deliveries {found}, "
        f"{len(receiver.received)} request(s) received"
    )


def test_an_admin_sees_webhook_deliveries_and_replays_a_failed_one(
    admin_page, api, receiver, shoot, assert_no_axe_violations
):
    page = admin_page
    # A receiver that fails every attempt of the first delivery (5 by default), then accepts.
    receiver.scripts["/hook"] = [500] * 5
    webhook = api.post(
        "/webhooks",
        json={
            "url": receiver.url + "/hook",
            "secret": "a shared secret of the test",
            "event_types": ["liaison.engagement.logged"],
            "description": "Système de la mission",
        },
    ).json()
    partner = api.post("/partners", json={"kind": "ngo", "name_fr": f"ONG {uuid.uuid4().hex[:6]}"}).json()["id"]
    engagement = {
        "type": "call",
        "title": "Appel",
        "starts_at": "2026-11-20T15:00:00Z",
        "partner_ids": [partner],
        "thrusts": ["solidarity"],
    }
    deadline = time.monotonic() + 30
    while (logged := api.post("/engagements", json=engagement)).status_code == 422 and time.monotonic() < deadline:
        time.sleep(0.2)  # the partner's event has not reached the engagements service yet
    assert logged.status_code == 201, logged.text
    failed = wait_for_failed(api, receiver, webhook["id"])

    page.goto("/admin/webhooks")
    expect(row(page, "webhooks", "webhook", webhook["id"])).to_contain_text("Système de la mission")
    expect(row(page, "failed-deliveries", "delivery", failed["id"])).to_contain_text("HTTP 500")
    both_languages(page, "admin-webhooks", shoot, assert_no_axe_violations)

    row(page, "webhooks", "webhook", webhook["id"]).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(receiver.url)
    delivery = row(page, "deliveries", "delivery", failed["id"])
    expect(delivery).to_have_attribute("data-status", "failed")
    delivery.get_by_role("button", name=re.compile("Relancer")).click()
    expect(page.locator("p.notice-success")).to_contain_text("nouvelle série de tentatives")
    assert len(receiver.wait_for("/hook", count=6, ok_only=False)) == 6
    receiver.wait_for("/hook", ok_only=True)
    deadline = time.monotonic() + 30
    while api.get(f"/deliveries/{failed['id']}").json()["status"] != "sent" and time.monotonic() < deadline:
        time.sleep(0.2)
    page.reload()
    expect(row(page, "deliveries", "delivery", failed["id"])).to_have_attribute("data-status", "sent")

    page.goto(f"/admin/deliveries/{failed['id']}")
    expect(page.locator("#attempts tbody tr")).to_have_count(6)  # five failed attempts, then the replayed one
    shoot(page, "admin-delivery")
    assert_no_axe_violations(page)


def test_an_admin_imports_partners_from_a_csv_after_a_dry_run(admin_page, api, shoot, assert_no_axe_violations):
    page = admin_page
    tag = uuid.uuid4().hex[:6]
    header = "kind;name_fr;name_en;country;region;thrusts\n"
    good = (
        f"academic;Université de Liège {tag};University of Liège {tag};BE;europe;research-innovation\n"
        f"cultural;Maison de la culture {tag};House of culture {tag};SN;africa;culture|french-language\n"
    )
    bad = f"spaceship;Vaisseau {tag};;FR;europe;\n"
    page.goto("/admin/import")

    page.locator("#f-file").set_input_files(
        files=[{"name": "partenaires.csv", "mimeType": "text/csv", "buffer": (header + good + bad).encode()}]
    )
    page.get_by_role("button", name="Vérifier le fichier").click()
    # The page follows the job (htmx polls its progress) until the result replaces the progress bar.
    expect(page).to_have_url(re.compile(r"/admin/import/[0-9a-f-]{36}$"))
    expect(page.locator("#import-result")).to_contain_text("3 lignes lues")
    expect(page.locator("#import-result")).to_contain_text("2 prêtes à importer")
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.locator("th")).to_have_text("4")
    expect(errors).to_contain_text("kind")
    assert api.get("/partners", params={"q": f"Liège {tag}"}).json()["total"] == 0  # a dry run writes nothing
    both_languages(page, "admin-import-check", shoot, assert_no_axe_violations)

    page.locator("#f-file").set_input_files(
        files=[{"name": "partenaires.csv", "mimeType": "text/csv", "buffer": (header + good + bad).encode()}]
    )
    page.get_by_role("button", name="Importer les lignes valides").click()
    expect(page.locator("#import-result")).to_contain_text("2 partenaires importés")
    expect(page.locator("#import-result")).to_contain_text("1 refusée")
    expect(page.locator("#import-errors tbody tr")).to_have_count(1)
    shoot(page, "admin-import-done")
    assert_no_axe_violations(page)
    found = api.get("/partners", params={"q": tag}).json()
    assert found["total"] == 2
