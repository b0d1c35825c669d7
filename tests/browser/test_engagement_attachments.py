"""An engagement's attached files on its page, in a real browser: listed (name, type, size, who and
when), uploaded through the gateway (multipart), downloaded byte for byte, deleted after a confirmation;
the engagements service's refusals (too large, a type its bytes do not allow, a name saying another
type) shown beside the form in the page's language; a viewer reads and downloads, and is offered no
upload or delete. Checked against the API; axe and screenshots in French and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ATTACHMENT_MAX_BYTES, session_cookie
from tests.browser.engagement_support import engagement, partner
from tests.browser.partner_data import in_english, in_french

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 50 + b"\n%%EOF\n"  # 12,816 bytes: "12,5 ko"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module")
def wallonia(api):
    return partner(
        api,
        name_fr="Wallonie",
        name_en="Wallonia",
        acronyms=[],
        kind="federated_state",
        country="BE",
        contact=("Élise Dupont", "Conseillère"),
    )


def files_of(api, engagement_id: str) -> list[dict]:
    return api.get(f"/engagements/{engagement_id}/attachments").json()["items"]


def attach(page, name: str, content: bytes, mime: str = "application/pdf") -> None:
    page.locator("#f-attachment").set_input_files({"name": name, "mimeType": mime, "buffer": content})
    page.locator("#attachments form.attach-form button[type=submit]").click()


def test_a_file_is_attached_downloaded_and_deleted(page, api, officer, wallonia, shoot, assert_no_axe_violations):
    made = engagement(api, [wallonia["id"]], officers=[officer.username])
    in_french(page, f"/engagements/{made['id']}")
    section = page.locator("#attachments")
    expect(section.get_by_role("heading", level=2)).to_have_text("Fichiers joints")
    expect(section).to_contain_text("Aucun fichier joint pour l’instant.")

    attach(page, "Procès-verbal.pdf", PDF)
    expect(section.locator(".notice")).to_have_text("Le fichier est joint.")
    [stored] = files_of(api, made["id"])
    assert stored["filename"] == "Procès-verbal.pdf" and stored["size"] == len(PDF)
    assert stored["uploaded_by"] == officer.username
    row = section.locator(f"tr[data-attachment='{stored['id']}']")
    expect(row).to_contain_text("Procès-verbal.pdf")
    expect(row).to_contain_text("application/pdf")
    expect(row).to_contain_text("12,5 ko")
    expect(row).to_contain_text(officer.username)
    shoot(page, "engagement-attachments")
    assert_no_axe_violations(page)

    with page.expect_download() as download:
        row.get_by_role("link", name="Procès-verbal.pdf").click()
    assert download.value.suggested_filename == "Procès-verbal.pdf"
    assert Path(download.value.path()).read_bytes() == PDF, "the file comes back byte for byte"

    in_english(page, f"/engagements/{made['id']}")
    expect(section.get_by_role("heading", level=2)).to_have_text("Attached files")
    expect(row).to_contain_text("12.5 KB")
    shoot(page, "engagement-attachments")
    assert_no_axe_violations(page)

    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    row.get_by_role("button", name="Delete").click()
    expect(section.locator(".notice")).to_have_text("The file was deleted.")
    assert dialogs == ["Delete Procès-verbal.pdf?"]
    assert files_of(api, made["id"]) == []
    in_french(page, "/")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_refusals_are_shown_beside_the_form_in_the_page_language(
    new_page, make_user, web_system, api, wallonia, lang, shoot, assert_no_axe_violations
):
    writer = make_user("officer")  # their own: the language chosen is remembered per person
    page = new_page
    page.context.add_cookies([session_cookie(web_system["url"], writer)])
    made = engagement(api, [wallonia["id"]], officers=[writer.username])
    path = f"/engagements/{made['id']}"
    (in_french if lang == "fr" else in_english)(page, path)
    problem = page.locator("#f-attachment-error")
    words = {
        "fr": (
            "Ce fichier est trop volumineux : un fichier ne peut dépasser 1 Mo.",
            "Ce type de fichier ne peut pas être joint",
            "photo.pdf contient un fichier image/png : nommez-le .png.",
        ),
        "en": (
            "This file is too large: a file may be at most 1 MB.",
            "This kind of file cannot be attached",
            "photo.pdf holds a image/png file: name it .png.",
        ),
    }[lang]

    attach(page, "gros.pdf", b"%PDF-1.7\n" + b"0" * ATTACHMENT_MAX_BYTES)
    expect(problem).to_have_text(words[0])
    expect(page.locator("#f-attachment")).to_have_attribute("aria-invalid", "true")

    attach(page, "note.pdf", b"Rien qu'un texte.")  # its name says PDF; its bytes say nothing known
    expect(problem).to_contain_text(words[1])
    shoot(page, "engagement-attachment-refused")
    assert_no_axe_violations(page)

    attach(page, "photo.pdf", PNG, "image/png")
    expect(problem).to_contain_text(words[2])
    assert files_of(api, made["id"]) == [], "nothing refused was kept"


def test_a_viewer_reads_and_downloads_but_is_offered_no_upload_or_delete(
    new_page, make_user, web_system, api, officer, wallonia
):
    made = engagement(api, [wallonia["id"]], officers=[officer.username])
    answer = api.post(
        f"/engagements/{made['id']}/attachments", files={"file": ("Ordre du jour.pdf", PDF, "application/pdf")}
    )
    assert answer.status_code == 201, answer.text
    page = new_page
    page.context.add_cookies([session_cookie(web_system["url"], make_user("viewer"))])
    page.goto(f"/engagements/{made['id']}")
    section = page.locator("#attachments")
    expect(section.get_by_role("link", name="Ordre du jour.pdf")).to_be_visible()
    expect(section.locator("form")).to_have_count(0)
    response = page.request.get(f"/engagements/{made['id']}/attachments/{answer.json()['id']}")
    assert response.status == 200 and response.body() == PDF
    assert response.headers["x-content-type-options"] == "nosniff"
