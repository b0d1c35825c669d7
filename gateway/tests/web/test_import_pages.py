"""The partner import pages in-process, in front of the real partners service (its import worker run by
hand): the upload becomes a job, the page follows its progress (an htmx-polled fragment, a refresh
for browsers without JavaScript), then shows the result and every refused line."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.tests.conftest import add_user
from gateway.tests.web.conftest import hidden, log_in
from services.partners.app import create_app as create_partners
from services.partners.import_runner import JobRun, claim
from services.partners.models import Partner
from services.partners.settings import PartnersSettings
from tests.support.apps import service_client, unit_settings
from tests.support.databases import migrate

ADMIN = "admin.web"
CSV = (
    "kind;name_fr;country\n"
    "state;Islande;IS\n"
    "planet;Mars;\n"  # line 3: refused (kind)
    "state;Chili;CL\n"
    "state;Pérou;PE\n"
)


@pytest.fixture
def partners(tmp_path):
    url = migrate("partners", f"sqlite:///{tmp_path}/partners-{uuid.uuid4().hex[:8]}.db")
    settings = unit_settings(PartnersSettings, database_url=url, import_batch_rows=2)
    with service_client(create_partners, settings) as client:
        yield client.app


@pytest.fixture
def admin_client(make_gateway, gateway_engine, partners):
    add_user(gateway_engine, ADMIN, ["admin"])
    client = make_gateway({"partners": partners})
    log_in(client, ADMIN)
    return client


def partner_names(partners) -> list[str]:
    with partners.state.sessions() as session:
        return sorted(session.scalars(select(Partner.name_fr)).all())


def upload(client, action: str, body: str = CSV):
    csrf = hidden(client.get("/admin/import").text, "csrf_token")
    return client.post(
        "/admin/import",
        data={"csrf_token": csrf, "action": action},
        files={"file": ("partners.csv", body.encode(), "text/csv")},
        follow_redirects=False,
    )


def job_page_of(answer) -> str:
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert re.fullmatch(r"/admin/import/[0-9a-f-]{36}", location), location
    return location


def test_an_import_is_followed_from_queued_to_its_result_with_the_refused_lines(admin_client, partners):
    page_url = job_page_of(upload(admin_client, "import"))

    queued = admin_client.get(page_url)
    assert queued.status_code == 200
    html = queued.text
    assert f'hx-get="{page_url}/progress"' in html and 'hx-trigger="every 1s"' in html
    assert '<noscript><meta http-equiv="refresh"' in html, "browsers without JavaScript reload the page"
    assert f'href="{page_url}"' in html, "and a link to refresh by hand"
    assert 'id="import-result"' not in html and "<progress" in html

    held = claim(partners.state.sessions, now=partners.state.clock(), lease=timedelta(seconds=30))
    run = JobRun(sessions=partners.state.sessions, lease=held, settings=partners.state.settings)
    assert run.step()  # one batch of two lines
    midway = admin_client.get(page_url + "/progress", headers={"HX-Request": "true"})
    assert midway.status_code == 200 and "<html" not in midway.text, "a fragment, not a page"
    assert 'hx-trigger="every 1s"' in midway.text, "still polling"
    assert re.search(r'<progress[^>]* max="4" value="2"', midway.text)
    assert "2 sur 4 lignes lues" in midway.text

    while run.step():
        pass
    done = admin_client.get(page_url + "/progress", headers={"HX-Request": "true"}).text
    assert "hx-trigger" not in done, "polling stops once the job is finished"
    result = admin_client.get(page_url).text
    assert "<noscript><meta" not in result and 'id="import-result"' in result
    assert "3 partenaires importés" in result and "1 refusée" in result
    refused = re.search(r'<table class="data" id="import-errors">(.*?)</table>', result, re.S).group(1)
    assert '<th scope="row">3</th>' in refused and "kind" in refused
    assert partner_names(partners) == ["Chili", "Islande", "Pérou"]


def test_a_dry_run_lists_what_would_be_refused_and_writes_nothing(admin_client, partners):
    page_url = job_page_of(upload(admin_client, "check"))
    while partners.state.importer.run_once() is not None:
        pass
    result = admin_client.get(page_url).text
    assert "3 prêtes à importer" in result and '<th scope="row">3</th>' in result
    assert 'name="action" value="import"' in result, "the upload form, to import for real"
    assert partner_names(partners) == []


def test_an_unreadable_file_is_refused_beside_its_field_and_no_job_is_made(admin_client):
    answer = upload(admin_client, "import", "name;colour\nx;blue\n")
    assert answer.status_code == 422 and 'id="f-file-error"' in answer.text and "colour" in answer.text


def test_an_unknown_job_is_a_404_page(admin_client):
    missing = admin_client.get(f"/admin/import/{uuid.uuid4()}")
    assert missing.status_code == 404 and 'id="import-job"' in missing.text


def test_an_officer_cannot_follow_an_import(web_client, make_gateway):
    log_in(web_client)
    assert web_client.get(f"/admin/import/{uuid.uuid4()}").status_code == 403
    assert web_client.get(f"/admin/import/{uuid.uuid4()}/progress").status_code == 403
