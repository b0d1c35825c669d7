"""`bin/liaison outbox failed|retry|skip` as an administrator runs them: a real process on a real database."""

import json
import os
import subprocess
import sys

from sqlalchemy import select, update
from sqlmodel import Session

from services.kit.db import make_engine
from services.kit.events import new_event
from services.kit.outbox import OutboxMessage, OutboxStatus, record_event
from tests.support.databases import migrate
from tests.support.identity import TEST_IDENTITY_SECRET as SECRET
from tests.support.processes import REPO_ROOT


def liaison(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", "outbox", *args, "--service", "partners"],
        cwd=REPO_ROOT,
        env=os.environ | {"LIAISON_PARTNERS_DATABASE_URL": url, "LIAISON_PARTNERS_IDENTITY_SECRET": SECRET},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_failed_rows_are_listed_with_what_waits_behind_them_then_retried_or_skipped(tmp_path):
    url = migrate("partners", f"sqlite:///{tmp_path}/partners.db")
    engine = make_engine(url)
    with Session(engine) as session:
        for subject in ("a", "a", "b"):
            event = new_event(type="liaison.partner.updated", source="/liaison/partners", subject=subject, data={})
            record_event(session=session, event=event, topic="liaison.partners.v1")
        session.commit()
        first_a, _, first_b = session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([first_a, first_b]))
            .values(status=OutboxStatus.FAILED, attempts=10, last_error="KafkaTimeoutError()")
        )
        session.commit()

    listed = liaison(url, "failed")
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["id"], r["key"], r["waiting_behind"], r["attempts"]) for r in rows] == [
        (first_a, "a", 1, 10),
        (first_b, "b", 0, 10),
    ]

    assert liaison(url, "retry", str(first_a)).returncode == 0
    assert liaison(url, "skip", str(first_b)).returncode == 0
    assert liaison(url, "skip", str(first_b)).returncode == 1, "only a failed row can be skipped"
    with Session(engine) as session:
        states = dict(session.execute(select(OutboxMessage.id, OutboxMessage.status)).all())
        retried = session.get(OutboxMessage, first_a)
    assert states[first_a] == "pending" and retried.attempts == 0
    assert states[first_b] == "skipped"
    assert liaison(url, "failed").stdout == ""
    engine.dispose()
