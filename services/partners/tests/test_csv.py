"""CSV import (what is read, created and refused, line by line) and export of a filtered list."""

import csv
import io

from services.partners.models import ImportJob, Partner
from services.partners.tests.conftest import BAVARIA, VIEWER, count, create, events, signed

GOOD = (
    "kind;name_fr;name_en;acronyms;country;subdivision;region;thrusts\n"
    "state;Mexique;Mexico;;MX;;latin-america-caribbean;trade|climate\n"
    "federated_state;Wallonie;Wallonia;;BE;BE-WAL;europe;\n"
    "international_organization;Organisation de coopération et de développement économiques;"
    "OECD;OCDE|OECD;;;global;trade.policy\n"
)


def upload(client, body: bytes, **params):
    return client.post("/api/v1/partners/imports", content=body, params=params, headers={"content-type": "text/csv"})


def run_import(client, body: bytes, **params) -> dict:
    """The file queued, the service's import worker run by hand (no worker thread in unit tests), the job."""
    queued = upload(client, body, **params)
    assert queued.status_code == 202, queued.text
    while client.app.state.importer.run_once() is not None:
        pass
    job = client.get(queued.headers["location"])
    assert job.status_code == 200, job.text
    return job.json()


def test_a_dry_run_checks_everything_and_writes_nothing(client, partners_engine):
    job = run_import(client, GOOD.encode(), dry_run="true")
    assert {k: job[k] for k in ("status", "dry_run", "rows_total", "rows_valid", "rows_created", "rows_refused")} == {
        "status": "done",
        "dry_run": True,
        "rows_total": 3,
        "rows_valid": 3,
        "rows_created": 0,
        "rows_refused": 0,
    }
    assert job["errors"] == []
    assert count(partners_engine, Partner) == 0


def test_the_real_run_creates_every_row_with_its_events(client, partners_engine):
    job = run_import(client, GOOD.encode())
    assert job["status"] == "done" and job["rows_created"] == 3
    names = {p["name_fr"] for p in client.get("/api/v1/partners").json()["items"]}
    assert names == {"Mexique", "Wallonie", "Organisation de coopération et de développement économiques"}
    assert len(events(partners_engine, "liaison.partner.created")) == 3
    oecd = client.get("/api/v1/partners", params={"q": "OCDE"}).json()["items"][0]
    assert oecd["acronyms"] == ["OCDE", "OECD"] and oecd["thrusts"] == ["trade.policy"]


def test_windows_1252_with_commas_is_read_too(client):
    text = 'kind,name_fr,country\r\nstate,Côte d\'Ivoire,CI\r\nfederated_state,"Québec, province",CA\r\n'
    assert run_import(client, text.encode("cp1252"))["rows_created"] == 2
    assert {p["name_fr"] for p in client.get("/api/v1/partners").json()["items"]} == {
        "Côte d'Ivoire",
        "Québec, province",
    }


def test_every_bad_row_is_reported_by_line_and_only_the_good_ones_are_written(client, partners_engine):
    create(client, BAVARIA)
    text = (
        "kind;name_fr;name_en;country;subdivision;thrusts;website\n"
        "state;Islande;Iceland;IS;;;\n"  # line 2: fine
        "planet;Mars;;;;;\n"  # line 3: kind
        "state;;;FR;;;\n"  # line 4: no name
        "state;Nulle part;;ZZ;;;\n"  # line 5: country
        "federated_state;Bavière libre;;DE;CA-QC;;\n"  # line 6: subdivision elsewhere
        "ngo;Oxfam;;;;astrology;\n"  # line 7: thrust
        "federated_state;Bavière;;DE;;;\n"  # line 8: duplicate of the stored one
        "state;Islande;;IS;;;\n"  # line 9: same name as line 2
        "\n"  # line 10: blank, skipped
        "ngo;Médecins;;;;;ftp://msf\n"
    )  # line 11: website
    for dry_run in ("true", "false"):
        job = run_import(client, text.encode(), dry_run=dry_run)
        assert [e["line"] for e in job["errors"]] == [3, 4, 5, 6, 7, 8, 9, 11]
        reasons = {e["line"]: " ".join(e["reasons"]) for e in job["errors"]}
        assert "kind" in reasons[3] and "name" in reasons[4] and "ZZ" in reasons[5] and "CA-QC" in reasons[6]
        assert "astrology" in reasons[7] and "duplicate" in reasons[8] and "line 2" in reasons[9]
        assert "website" in reasons[11]
        assert (job["rows_total"], job["rows_done"], job["rows_valid"], job["rows_refused"]) == (10, 10, 1, 8)
        assert job["rows_created"] == (0 if dry_run == "true" else 1)
    assert count(partners_engine, Partner) == 2, "Bavaria, and Iceland from the real run"
    accepted = run_import(client, text.encode(), dry_run="true", allow_duplicates="true")
    assert [e["line"] for e in accepted["errors"]] == [3, 4, 5, 6, 7, 11]


def test_unreadable_files_are_422_problems_and_no_job(client, partners_engine):
    for body in (b"", b"name;colour\nx;blue\n", b"kind;country\nstate;FR\n", b"kind;name_fr\n\x81\x8d\x8f;x\n"):
        response = upload(client, body)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
    assert upload(client, GOOD.encode(), dry_run="maybe").status_code == 422
    assert count(partners_engine, ImportJob) == 0
    assert count(partners_engine, Partner) == 0


def test_export_of_a_filtered_list_reads_back_in_excel_form(client):
    run_import(client, GOOD.encode())
    create(client, BAVARIA | {"name_en": '=HYPERLINK("http://evil")', "aliases": []}, allow_duplicate="true")

    response = client.get("/api/v1/partners/export.csv", params={"region": "europe"}, auth=signed(VIEWER))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert {r["name_fr"] for r in rows} == {"Wallonie", "Bavière"}
    bavaria = next(r for r in rows if r["name_fr"] == "Bavière")
    assert bavaria["name_en"].startswith("'="), "a formula is exported as text"
    assert bavaria["acronyms"] == "BY" and bavaria["subdivision"] == "DE-BY"

    searched = client.get("/api/v1/partners/export.csv", params={"q": "mexique"}).content.decode("utf-8")
    assert len(searched.strip().splitlines()) == 2


def test_the_owning_team_is_imported_refused_when_malformed_and_exported(client, partners_engine):
    team = "5b0c2a7e-1d4f-4e7a-9c3b-2f6d8e1a0b4c"
    body = f"kind;name_fr;country;owner_team_id\nstate;Islande;IS;{team}\nstate;Norvège;NO;direction-europe\n"
    job = run_import(client, body.encode())
    assert job["rows_created"] == 1
    assert [e["line"] for e in job["errors"]] == [3]
    assert "owner_team_id" in " ".join(job["errors"][0]["reasons"])

    exported = client.get("/api/v1/partners/export.csv", params={"q": "islande"}).content.decode("utf-8")
    (row,) = csv.DictReader(io.StringIO(exported.lstrip("\ufeff")), delimiter=";")
    assert row["owner_team_id"] == team
