"""An engagement's files through the gateway: the multipart upload reaches the real engagements app
whole, the download comes back byte for byte with its headers, and the limits hold at the door."""

import pytest
from fastapi.testclient import TestClient

from gateway.tests.conftest import bearer, token_for
from services.engagements.app import create_app as create_engagements_app
from services.engagements.settings import EngagementsSettings
from services.engagements.tests.support import add_partner, engagement_body
from services.kit.db import make_engine, make_session_factory
from tests.support.identity import TEST_IDENTITY_SECRET

OFFICER = bearer(token_for("officer"))
VIEWER = bearer(token_for("viewer", roles=["viewer"]))
# Not one byte value missing, and more than one read's worth, so a proxy that re-encodes or cuts shows.
CONTENT = b"%PDF-1.7\n" + bytes(range(256)) * 2000 + b"\r\n--not-a-boundary\r\n%%EOF\n"


@pytest.fixture
def engagements_app(tmp_path):
    from tests.support.databases import migrate

    engine = make_engine(migrate("engagements", f"sqlite:///{tmp_path}/engagements.db"))
    app = create_engagements_app(
        EngagementsSettings(
            environment="test",
            kafka_enabled=False,
            identity_secret=TEST_IDENTITY_SECRET,
            metrics_port=None,
            attachment_dir=tmp_path / "files",
            attachment_max_bytes=1024 * 1024,
        ),
        engine=engine,
    )
    app.state.partner = add_partner(make_session_factory(engine))
    with TestClient(app):
        yield app
    engine.dispose()


def test_an_upload_and_its_download_pass_through_the_gateway_untouched(make_gateway, engagements_app):
    gateway = make_gateway({"engagements": engagements_app}, import_body_limit_bytes=2 * 1024 * 1024)
    logged = gateway.post(
        "/api/v1/engagements", json=engagement_body([engagements_app.state.partner], officers=[]), headers=OFFICER
    )
    assert logged.status_code == 201, logged.text
    base = f"/api/v1/engagements/{logged.json()['id']}/attachments"
    created = gateway.post(base, files={"file": ("Procès-verbal.pdf", CONTENT, "application/pdf")}, headers=OFFICER)
    assert created.status_code == 201, created.text
    assert created.json()["size"] == len(CONTENT)

    downloaded = gateway.get(f"{base}/{created.json()['id']}", headers=VIEWER)
    assert downloaded.status_code == 200
    assert downloaded.content == CONTENT
    assert downloaded.headers["content-type"] == "application/pdf"
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    assert downloaded.headers["content-disposition"] == (
        "attachment; filename=\"Proc_s-verbal.pdf\"; filename*=UTF-8''Proc%C3%A8s-verbal.pdf"
    )
    assert [item["filename"] for item in gateway.get(base, headers=VIEWER).json()["items"]] == ["Procès-verbal.pdf"]
    assert gateway.post(base, files={"file": ("x.pdf", CONTENT, "application/pdf")}, headers=VIEWER).status_code == 403


def test_an_upload_past_the_gateways_file_limit_is_refused_before_the_service(make_gateway, engagements_app):
    gateway = make_gateway({"engagements": engagements_app}, import_body_limit_bytes=64 * 1024)
    response = gateway.post(
        "/api/v1/engagements/0c0ffee0-0000-4000-8000-000000000000/attachments",
        files={"file": ("big.pdf", CONTENT, "application/pdf")},
        headers=OFFICER,
    )
    assert response.status_code == 413
    assert response.json()["limit_bytes"] == 64 * 1024
