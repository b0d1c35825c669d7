"""A partner's files on its page, in a real browser against the real processes: an officer adds
minutes, a presentation refused for its bytes is explained, the file downloads byte for byte, then is
removed; a viewer sees and downloads but has no form; fr and en; axe finds nothing."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.partner_data import create_partner, in_english, in_french

PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 40 + b"%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode."


@pytest.fixture(scope="module")
def partner(api):
    tag = uuid.uuid4().hex[:6]
    return create_partner(api, kind="other", name_fr=f"Région de Flandre {tag}", country="BE", region="europe")


def files(page):
    return page.locator("section#files")


def test_an_officer_adds_downloads_and_removes_a_file(page, partner, shoot, assert_no_axe_violations):
    in_french(page, f"/partners/{partner['id']}")
    section = files(page)
    expect(section.get_by_role("heading", name="Fichiers")).to_be_visible()
    expect(section).to_contain_text("Aucun fichier joint.")

    # An executable named like minutes: refused for its bytes, the page says why.
    section.get_by_label("Ajouter un fichier").set_input_files(
        files=[{"name": "compte rendu.pdf", "mimeType": "application/pdf", "buffer": EXE}]
    )
    section.get_by_role("button", name="Ajouter", exact=True).click()
    expect(files(page).get_by_role("alert")).to_contain_text("Ce type de fichier n’est pas accepté")
    expect(files(page)).to_contain_text("Aucun fichier joint.")

    files(page).get_by_label("Ajouter un fichier").set_input_files(
        files=[{"name": "Compte rendu 2026.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    files(page).get_by_role("button", name="Ajouter", exact=True).click()
    expect(files(page).get_by_role("status")).to_have_text("Fichier ajouté.")
    link = files(page).get_by_role("link", name="Compte rendu 2026.pdf")
    expect(link).to_be_visible()
    expect(page.locator("#audit")).to_contain_text("Fichier ajouté")  # the audit trail names it, in words
    expect(page.locator("#audit")).to_contain_text("Fichier: — → Compte rendu 2026.pdf")
    assert_no_axe_violations(page)
    shoot(page, "partner-files")

    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "Compte rendu 2026.pdf"
    assert Path(download.value.path()).read_bytes() == PDF

    files(page).get_by_role("button", name="Retirer Compte rendu 2026.pdf").click()
    expect(files(page).get_by_role("status")).to_have_text("Fichier retiré.")
    expect(files(page)).to_contain_text("Aucun fichier joint.")

    in_english(page, f"/partners/{partner['id']}?files=removed")
    section = files(page)
    expect(section.get_by_role("heading", name="Files")).to_be_visible()
    expect(section.get_by_role("status")).to_have_text("File removed.")
    expect(section).to_contain_text("No file attached.")
    expect(section.get_by_label("Add a file")).to_be_visible()
    assert_no_axe_violations(page)
    shoot(page, "partner-files")
    in_french(page, f"/partners/{partner['id']}")


def test_a_viewer_sees_and_downloads_but_cannot_change(new_page, login_as, make_user, partner, api):
    api.post(
        f"/partners/{partner['id']}/attachments",
        files={"file": ("Entente.pdf", PDF, "application/pdf")},
    ).raise_for_status()
    page = new_page
    login_as(page, make_user("viewer"))
    in_french(page, f"/partners/{partner['id']}")
    section = files(page)
    expect(section.get_by_role("link", name="Entente.pdf")).to_be_visible()
    expect(section.get_by_label("Ajouter un fichier")).to_have_count(0)
    expect(section.get_by_role("button", name=re.compile("Retirer"))).to_have_count(0)
    with page.expect_download() as download:
        section.get_by_role("link", name="Entente.pdf").click()
    assert Path(download.value.path()).read_bytes() == PDF
