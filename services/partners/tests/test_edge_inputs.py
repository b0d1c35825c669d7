"""Inputs at the edges (issue 10, defects 4 and 9): dates outside 1900-2200, NUL characters, CSV cells
that Excel would run, and a CSV quote never closed."""

import csv
import io

import pytest

from services.partners.models import Contact, Partner
from services.partners.tests.conftest import BAVARIA, GERMANY, count, create
from services.partners.tests.test_csv import run_import, upload

OUT_OF_RANGE = ("0001-01-01", "9999-12-31", "1899-12-31", "2201-01-01")


def assert_problem(response, status: int = 422) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


@pytest.mark.parametrize("day", OUT_OF_RANGE)
def test_dates_outside_the_range_are_422s_everywhere_partners_takes_one(client, partners_engine, day):
    bavaria, germany = create(client, BAVARIA), create(client, GERMANY)
    relationships = f"/api/v1/partners/{bavaria['id']}/relationships"
    for field in ("since", "until"):
        body = {"type": "part_of", "target_id": germany["id"], field: day}
        assert "1900" in str(assert_problem(client.post(relationships, json=body))["errors"])
        mandate = {"post": "Minister", field: day}
        contact = {"name": "Hubert Aiwanger", "mandates": [mandate]}
        assert_problem(client.post(f"/api/v1/partners/{bavaria['id']}/contacts", json=contact))
    assert_problem(client.get("/api/v1/partners", params={"as_of": day}))
    assert_problem(client.get(relationships, params={"as_of": day}))
    assert_problem(client.get(f"/api/v1/partners/{bavaria['id']}/contacts", params={"as_of": day}))
    assert client.get(relationships).json()["items"] == [] and count(partners_engine, Contact) == 0
    ok = {"type": "part_of", "target_id": germany["id"], "since": "1900-01-01", "until": "2200-12-31"}
    assert client.post(relationships, json=ok).status_code == 201


def test_nul_characters_are_refused_in_every_text_field(client, partners_engine):
    for changes in ({"name_en": "Bava\x00ria"}, {"aliases": ["\x00"]}, {"description_fr": "a\x00b"}):
        problem = assert_problem(client.post("/api/v1/partners", json=BAVARIA | changes))
        assert "NUL" in str(problem["errors"])
    bavaria = create(client, BAVARIA)
    patched = client.patch(f"/api/v1/partners/{bavaria['id']}", json={"owner": "x\x00"}, headers={"If-Match": '"1"'})
    assert_problem(patched)
    contacts = f"/api/v1/partners/{bavaria['id']}/contacts"
    assert_problem(client.post(contacts, json={"name": "Hubert\x00"}))
    assert_problem(client.post(contacts, json={"name": "Hubert", "mandates": [{"post": "Mini\x00ster"}]}))
    assert_problem(client.get("/api/v1/partners", params={"q": "Bav\x00"}))
    job = run_import(client, b"kind;name_fr\nstate;Bavi\x00re\n")
    assert job["rows_created"] == 0 and "NUL" in str(job["errors"])
    assert count(partners_engine, Partner) == 1 and count(partners_engine, Contact) == 0


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_every_cell_that_a_spreadsheet_could_run_is_exported_as_text(client, lead):
    create(client, BAVARIA | {"name_en": f"{lead}1+cmd|' /C calc'!A0", "owner": f"{lead}HYPERLINK(0)"})
    text = client.get("/api/v1/partners/export.csv").content.decode("utf-8")
    [row] = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"))
    for cell in (row["name_en"], row["owner"]):
        assert cell.startswith("'" + lead), repr(cell)


def test_an_unterminated_quote_in_an_import_is_a_422_naming_its_line(client, partners_engine):
    body = 'kind;name_fr\nstate;Mexique\nstate;"Bavière\nstate;Wallonie\nstate;Allemagne\n'.encode()
    for dry_run in ("true", "false"):
        problem = assert_problem(upload(client, body, dry_run=dry_run))
        assert "line 3" in problem["detail"].lower() and "quote" in problem["detail"].lower(), problem
    # Quotes that close, one line later, on a name: still no multi-line name.
    merged = 'kind;name_fr\nstate;"Bavière\nstate;Wallonie"\n'.encode()
    for dry_run in ("true", "false"):
        job = run_import(client, merged, dry_run=dry_run)
        assert job["errors"][0]["line"] == 2 and "line break" in str(job["errors"][0]["reasons"])
    assert count(partners_engine, Partner) == 0
    # A quoted description may hold line breaks: that is what quotes are for.
    fine = 'kind;name_fr;description_fr\nstate;Bavière;"Land\nallemand"\n'.encode()
    assert run_import(client, fine)["rows_created"] == 1
