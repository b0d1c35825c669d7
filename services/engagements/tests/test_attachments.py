"""Files attached to an engagement: typed by their bytes, limited in size, seen by whoever sees the engagement."""

import io
import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from services.engagements.app import create_app
from services.engagements.models import Attachment
from services.engagements.settings import EngagementsSettings
from services.engagements.tests.support import ADMIN, COLLEAGUE, OFFICER, OUTSIDER, VIEWER, add_partner, as_, log
from services.kit import file_types
from services.kit.blobs import FileBlobs
from services.kit.tests.test_file_types import ooxml
from tests.support.apps import service_client, unit_settings

MAX_BYTES = 64 * 1024
PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 50 + b"%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256))
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode."


DOCX = ooxml("wordprocessingml.document.main+xml", "word/")


@pytest.fixture
def store(tmp_path):
    return tmp_path / "attachments"


@pytest.fixture
def client(engagements_engine, store, cast):
    settings = unit_settings(EngagementsSettings, attachment_dir=store, attachment_max_bytes=MAX_BYTES)
    with service_client(create_app, settings, engine=engagements_engine) as client:
        yield client


@pytest.fixture
def engagement(client, sessions):
    return log(client, [add_partner(sessions)])


def upload(client, engagement_id, name, content, *, caller=OFFICER, content_type="application/pdf"):
    return client.post(
        f"/api/v1/engagements/{engagement_id}/attachments",
        files={"file": (name, content, content_type)},
        auth=as_(caller),
    )


def stored_files(store):
    return sorted(p for p in store.rglob("*") if p.is_file()) if store.exists() else []


def rows(engine):
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Attachment))


def test_an_upload_is_listed_and_downloaded_byte_for_byte(client, engagement, store):
    created = upload(client, engagement["id"], "Compte rendu.pdf", PDF)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["filename"] == "Compte rendu.pdf"
    assert body["content_type"] == "application/pdf"
    assert body["size"] == len(PDF)
    assert body["uploaded_by"] == OFFICER.user
    assert created.headers["Location"].endswith(f"/attachments/{body['id']}")

    listed = client.get(f"/api/v1/engagements/{engagement['id']}/attachments", auth=as_(VIEWER))
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [body["id"]]

    got = client.get(f"/api/v1/engagements/{engagement['id']}/attachments/{body['id']}", auth=as_(VIEWER))
    assert got.status_code == 200
    assert got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert "Compte%20rendu.pdf" in got.headers["content-disposition"]
    assert len(stored_files(store)) == 1


def test_an_office_document_is_known_by_its_bytes(client, engagement):
    created = upload(client, engagement["id"], "minutes.docx", DOCX, content_type="application/octet-stream")
    assert created.status_code == 201, created.text
    assert created.json()["content_type"] == file_types.DOCX.content_type


def test_a_pdf_name_on_png_bytes_is_refused_and_nothing_stored(client, engagement, store, engagements_engine):
    response = upload(client, engagement["id"], "accord.pdf", PNG, content_type="application/pdf")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["content_type"] == "image/png"
    assert stored_files(store) == [] and rows(engagements_engine) == 0


def test_an_executable_renamed_pdf_is_refused(client, engagement, store, engagements_engine):
    response = upload(client, engagement["id"], "accord.pdf", EXE, content_type="application/pdf")
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert stored_files(store) == [] and rows(engagements_engine) == 0


def test_an_oversize_file_is_refused_413_and_nothing_stored(client, engagement, store, engagements_engine):
    response = upload(client, engagement["id"], "big.pdf", PDF + b"0" * MAX_BYTES)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["max_bytes"] == MAX_BYTES
    exactly = upload(client, engagement["id"], "limit.pdf", PDF + b"0" * (MAX_BYTES - len(PDF)))
    assert exactly.status_code == 201, exactly.text
    assert rows(engagements_engine) == 1 and len(stored_files(store)) == 1


@pytest.mark.parametrize(
    ("filename", "stored"),
    [("../../etc/passwd.pdf", "passwd.pdf"), ("C:\\Users\\camille\\accord.pdf", "accord.pdf")],
)
def test_a_file_name_loses_its_path(client, engagement, filename, stored):
    response = upload(client, engagement["id"], filename, PDF)
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == stored


@pytest.mark.parametrize("filename", ["a\x00.pdf", "..", ""])
def test_a_name_with_nul_or_without_a_name_is_refused(client, engagement, filename, store):
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n\r\n'.encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"/api/v1/engagements/{engagement['id']}/attachments",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 422, response.text
    assert stored_files(store) == []


@pytest.mark.parametrize(
    ("headers", "content", "status"),
    [
        ({"Content-Type": "application/pdf"}, PDF, 415),
        ({"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\nbroken", 422),
        (
            {"Content-Type": "multipart/form-data; boundary=x"},
            b'--x\r\nContent-Disposition: form-data; name="other"\r\n\r\nv\r\n--x--\r\n',
            422,
        ),
    ],
)
def test_a_body_that_is_no_file_upload_is_refused(client, engagement, headers, content, status):
    response = client.post(f"/api/v1/engagements/{engagement['id']}/attachments", content=content, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_a_restricted_engagements_files_are_its_insiders_only(client, sessions, store):
    secret = log(client, [add_partner(sessions)], confidentiality="restricted", officers=[OFFICER.user])
    attachment = upload(client, secret["id"], "secret.pdf", PDF).json()
    base = f"/api/v1/engagements/{secret['id']}/attachments"
    for caller in (OUTSIDER, VIEWER):
        assert client.get(base, auth=as_(caller)).status_code == 404
        assert client.get(f"{base}/{attachment['id']}", auth=as_(caller)).status_code == 404
        assert upload(client, secret["id"], "x.pdf", PDF, caller=caller).status_code in (403, 404)
        assert client.delete(f"{base}/{attachment['id']}", auth=as_(caller)).status_code in (403, 404)
    for caller in (OFFICER, ADMIN):
        assert client.get(f"{base}/{attachment['id']}", auth=as_(caller)).content == PDF
    assert len(stored_files(store)) == 1


def test_only_those_who_may_change_the_engagement_add_or_remove_files(client, engagement, store):
    base = f"/api/v1/engagements/{engagement['id']}/attachments"
    assert upload(client, engagement["id"], "x.pdf", PDF, caller=COLLEAGUE).status_code == 403
    assert upload(client, engagement["id"], "x.pdf", PDF, caller=VIEWER).status_code == 403
    attachment = upload(client, engagement["id"], "x.pdf", PDF).json()
    assert client.delete(f"{base}/{attachment['id']}", auth=as_(COLLEAGUE)).status_code == 403
    assert client.get(f"{base}/{attachment['id']}", auth=as_(COLLEAGUE)).status_code == 200
    assert client.delete(f"{base}/{attachment['id']}").status_code == 204
    assert client.get(f"{base}/{attachment['id']}").status_code == 404
    assert stored_files(store) == []


def test_an_attachment_of_another_engagement_is_not_found(client, sessions, engagement):
    other = log(client, [add_partner(sessions)])
    attachment = upload(client, other["id"], "x.pdf", PDF).json()
    assert client.get(f"/api/v1/engagements/{engagement['id']}/attachments/{attachment['id']}").status_code == 404
    assert client.get(f"/api/v1/engagements/{uuid.uuid4()}/attachments").status_code == 404


def test_deleting_the_engagement_erases_its_files(client, engagement, store, engagements_engine):
    upload(client, engagement["id"], "a.pdf", PDF)
    upload(client, engagement["id"], "b.png", PNG)
    assert len(stored_files(store)) == 2
    assert client.delete(f"/api/v1/engagements/{engagement['id']}").status_code == 204
    assert stored_files(store) == [] and rows(engagements_engine) == 0


def test_a_failed_deletion_keeps_the_files(client, sessions, store):
    mission = log(client, [add_partner(sessions)], type="mission")
    log(client, [add_partner(sessions)], mission_id=mission["id"])
    upload(client, mission["id"], "a.pdf", PDF)
    assert client.delete(f"/api/v1/engagements/{mission['id']}").status_code == 409  # it holds an engagement
    assert len(stored_files(store)) == 1


def test_a_file_written_for_a_transaction_that_fails_is_removed_and_kept_once_it_commits(sessions, tmp_path):
    """The file goes to the store before its row commits: a failed transaction takes it away again."""
    from services.kit import blobs as blob_store

    files = FileBlobs(tmp_path / "blobs")
    for key, fails in (("engagements/e/failed", True), ("engagements/e/kept", False)):
        with sessions() as session:
            session.execute(select(1))
            files.put(key, io.BytesIO(b"data"))
            blob_store.forget_on_rollback(session, files, key)
            if fails:
                with pytest.raises(DBAPIError):
                    session.execute(text("SELECT * FROM no_such_table"))
                session.rollback()
            else:
                session.commit()
    assert not files.exists("engagements/e/failed")
    assert files.exists("engagements/e/kept")
