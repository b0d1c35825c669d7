"""`bin/liaison partners import|demo` as an administrator runs them: a real process on a real database."""

import json
import os
import subprocess
import sys

from sqlalchemy import func, select
from sqlmodel import Session

from services.kit.db import make_engine
from services.kit.outbox import OutboxMessage
from services.partners.demo import demo_id
from services.partners.models import Partner, Relationship
from tests.support.identity import TEST_IDENTITY_SECRET
from tests.support.processes import REPO_ROOT

CSV = (
    "kind;name_fr;name_en;country;region\n"
    "state;Islande;Iceland;IS;arctic\n"
    "state;Haïti;Haiti;HT;latin-america-caribbean\n"
).encode("cp1252")


def liaison(url: str, *args: str) -> subprocess.CompletedProcess:
    # The command builds the service's settings, which refuse to exist without their secrets.
    env = os.environ | {"LIAISON_PARTNERS_DATABASE_URL": url, "LIAISON_PARTNERS_IDENTITY_SECRET": TEST_IDENTITY_SECRET}
    return subprocess.run(
        [sys.executable, "-m", "cli", "partners", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return (
                session.scalar(select(func.count()).select_from(Partner)),
                session.scalar(select(func.count()).select_from(OutboxMessage)),
            )
    finally:
        engine.dispose()


def test_import_dry_run_then_for_real_with_a_progress_bar(new_database, tmp_path):
    url = new_database("partners")
    good = tmp_path / "partners.csv"
    good.write_bytes(CSV)

    dry = liaison(url, "import", str(good), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["rows_valid"] == 2 and counts(url) == (0, 0)
    assert "checking [" in dry.stderr and "2/2" in dry.stderr

    real = liaison(url, "import", str(good), "--as", "importer@example.test")
    assert real.returncode == 0, real.stderr
    assert json.loads(real.stdout) | {"id": None} == {
        "id": None,
        "status": "done",
        "dry_run": False,
        "rows_total": 2,
        "rows_valid": 2,
        "rows_created": 2,
        "rows_refused": 0,
    }
    assert "importing [" in real.stderr
    assert counts(url) == (2, 2), "each partner with its created event"


def test_a_bad_line_is_reported_and_refused_and_the_others_imported(new_database, tmp_path):
    url = new_database("partners")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(CSV + b"planet;Mars;;;\n")

    result = liaison(url, "import", str(bad))
    assert result.returncode == 1
    assert "line 4: kind" in result.stderr and "1 line(s) refused" in result.stderr
    assert json.loads(result.stdout)["rows_refused"] == 1
    assert counts(url) == (2, 2)
    assert liaison(url, "import", str(tmp_path / "missing.csv")).returncode == 2
    unreadable = tmp_path / "unreadable.csv"
    unreadable.write_bytes(b"name;colour\nx;blue\n")
    refused = liaison(url, "import", str(unreadable))
    assert refused.returncode == 1 and "Unknown column" in refused.stderr


def test_the_demo_directory_loads_once(new_database):
    url = new_database("partners")
    first = liaison(url, "demo")
    assert first.returncode == 0, first.stderr
    partners, _ = counts(url)
    assert partners > 20
    again = liaison(url, "demo")
    assert "0 partner(s) added" in again.stdout
    assert counts(url)[0] == partners
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            members = session.scalars(
                select(Relationship.partner_id).where(
                    Relationship.target_id == demo_id("oif"), Relationship.type == "member_of"
                )
            ).all()
            assert demo_id("fr") in members and demo_id("sn") in members
            assert session.scalar(select(func.count()).select_from(Relationship)) > 20
    finally:
        engine.dispose()
