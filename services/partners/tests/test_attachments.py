"""Files attached to a partner: typed by their bytes, limited in size, read by the directory's readers,
changed by its editors, moved to the survivor by a merge."""

import pytest

from services.kit.tests.test_file_types import ooxml
from services.partners.app import create_app
from services.partners.models import AuditEntry, PartnerAttachment
from services.partners.settings import PartnersSettings
from services.partners.tests.conftest import ADMIN, BAVARIA, INTEGRATION, VIEWER, count, create, signed
from tests.support.apps import service_client, unit_settings

MAX_BYTES = 64 * 1024
PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 50 + b"%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256))
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode."
PPTX = ooxml("presentationml.presentation.main+xml", "ppt/")
UNKNOWN = "0c0ffee0-0000-4000-8000-000000000000"


@pytest.fixture
def store(tmp_path):
    return tmp_path / "attachments"


@pytest.fixture
def client(partners_engine, store):
    settings = unit_settings(PartnersSettings, attachment_dir=store, attachment_max_bytes=MAX_BYTES)
    with service_client(create_app, settings, engine=partners_engine) as client:
        yield client


@pytest.fixture
def partner(client):
    return create(client, BAVARIA)


def upload(client, partner_id, name, content, *, auth=None, content_type="application/pdf"):
    return client.post(
        f"/api/v1/partners/{partner_id}/attachments",
        files={"file": (name, content, content_type)},
        **({"auth": auth} if auth else {}),
    )


def stored_files(store):
    return sorted(p for p in store.rglob("*") if p.is_file()) if store.exists() else []


def test_an_upload_is_listed_downloaded_and_deleted(client, partner, store, partners_engine):
    created = upload(client, partner["id"], "Entente 2026.pptx", PPTX, content_type="text/plain")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["partner_id"] == partner["id"] and body["filename"] == "Entente 2026.pptx"
    assert body["content_type"].endswith("presentationml.presentation"), "the bytes decide, not the client"
    assert body["size"] == len(PPTX)
    base = f"/api/v1/partners/{partner['id']}/attachments"
    assert created.headers["Location"] == f"{base}/{body['id']}"
    assert [p.name for p in stored_files(store)] == [body["id"]]

    listed = client.get(base, auth=signed(VIEWER))
    assert listed.status_code == 200 and [i["id"] for i in listed.json()["items"]] == [body["id"]]
    got = client.get(f"{base}/{body['id']}", auth=signed(VIEWER))
    assert got.status_code == 200 and got.content == PPTX
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment;")

    assert client.delete(f"{base}/{body['id']}").status_code == 204
    assert client.get(f"{base}/{body['id']}").status_code == 404
    assert stored_files(store) == [] and count(partners_engine, PartnerAttachment) == 0
    actions = {
        row.action for row in _audit(partners_engine) if row.entity_type == "attachment" and row.entity_id == body["id"]
    }
    assert actions == {"attachment_added", "attachment_removed"}


def _audit(engine):
    from sqlmodel import Session, select

    with Session(engine) as session:
        return list(session.exec(select(AuditEntry)))


def test_too_big_is_refused_413_and_nothing_is_kept(client, partner, store, partners_engine):
    response = upload(client, partner["id"], "big.pdf", PDF + b"0" * MAX_BYTES)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["max_bytes"] == MAX_BYTES
    assert stored_files(store) == [] and count(partners_engine, PartnerAttachment) == 0


def test_wrong_bytes_are_refused_whatever_the_name_says(client, partner, store, partners_engine):
    executable = upload(client, partner["id"], "minutes.pdf", EXE)
    assert executable.status_code == 415 and executable.json()["title"] == "Unsupported attachment type"
    misnamed = upload(client, partner["id"], "minutes.pdf", PNG, content_type="image/png")
    assert misnamed.status_code == 422 and misnamed.json()["content_type"] == "image/png"
    not_multipart = client.post(f"/api/v1/partners/{partner['id']}/attachments", content=PDF)
    assert not_multipart.status_code == 415
    no_file = client.post(f"/api/v1/partners/{partner['id']}/attachments", files={"other": ("a.pdf", PDF)})
    assert no_file.status_code == 422 and no_file.json()["field"] == "file"
    assert stored_files(store) == [] and count(partners_engine, PartnerAttachment) == 0


def test_unknown_partner_and_attachment_are_404(client, partner):
    assert upload(client, UNKNOWN, "a.pdf", PDF).status_code == 404
    assert client.get(f"/api/v1/partners/{UNKNOWN}/attachments").status_code == 404
    attachment = upload(client, partner["id"], "a.pdf", PDF).json()
    other = create(client, {"kind": "state", "name_en": "Japan", "country": "JP", "region": "asia-pacific"})
    assert client.get(f"/api/v1/partners/{other['id']}/attachments/{attachment['id']}").status_code == 404
    assert client.delete(f"/api/v1/partners/{other['id']}/attachments/{attachment['id']}").status_code == 404
    assert client.get(f"/api/v1/partners/{partner['id']}/attachments/{UNKNOWN}").status_code == 404


def test_readers_may_not_upload_or_delete(client, partner, store):
    assert upload(client, partner["id"], "a.pdf", PDF, auth=signed(VIEWER)).status_code == 403
    assert upload(client, partner["id"], "a.pdf", PDF, auth=signed(INTEGRATION)).status_code == 403
    attachment = upload(client, partner["id"], "a.pdf", PDF).json()
    url = f"/api/v1/partners/{partner['id']}/attachments/{attachment['id']}"
    assert client.delete(url, auth=signed(VIEWER)).status_code == 403
    assert client.get(url, auth=signed(VIEWER)).status_code == 200
    assert len(stored_files(store)) == 1


def test_a_merge_gives_the_duplicates_files_to_the_survivor(client, partner, store):
    duplicate = create(client, BAVARIA | {"name_fr": "Bavière (doublon)", "aliases": []}, allow_duplicate="true")
    attachment = upload(client, duplicate["id"], "PV.pdf", PDF).json()
    merged = client.post(
        f"/api/v1/partners/{partner['id']}/merge", json={"duplicate_id": duplicate["id"]}, auth=signed(ADMIN)
    )
    assert merged.status_code == 200, merged.text
    survivor_files = client.get(f"/api/v1/partners/{partner['id']}/attachments").json()["items"]
    assert [(a["id"], a["partner_id"]) for a in survivor_files] == [(attachment["id"], partner["id"])]
    # The duplicate's id leads to the survivor's files; the file itself never moved.
    assert client.get(f"/api/v1/partners/{duplicate['id']}/attachments/{attachment['id']}").content == PDF
    assert upload(client, duplicate["id"], "b.pdf", PDF).status_code == 409
