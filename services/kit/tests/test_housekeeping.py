"""Housekeeping: what is past its retention goes, in batches; what is not, or still unsent, stays."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from services.kit.db import make_engine, make_session_factory
from services.kit.events import new_event
from services.kit.housekeeping import Housekeeper, kit_purges, purge_once
from services.kit.inbox import InboxMessage
from services.kit.outbox import OutboxMessage, OutboxStatus, record_event
from services.kit.types import utcnow


@pytest.fixture
def sessions(new_database):
    engine = make_engine(new_database("engagements"))
    yield make_session_factory(engine)
    engine.dispose()


def test_sent_outbox_rows_and_inbox_rows_past_their_retention_are_purged_in_batches(sessions):
    now = utcnow()
    with sessions() as session:
        for n in range(25):
            event = new_event(type="liaison.engagement.logged", source="/s", subject=f"e{n}", data={})
            record_event(session=session, event=event, topic="liaison.engagements.v1")
            session.add(
                InboxMessage(event_id=f"in-{n}", consumer="c", event_type="t", handled_at=now - timedelta(days=n))
            )
        session.flush()
        ids = session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
        old, recent, unsent = ids[:12], ids[12:20], ids[20:]
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(old))
            .values(status=OutboxStatus.SENT, sent_at=now - timedelta(days=8))
        )
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(recent)).values(status=OutboxStatus.SENT, sent_at=now)
        )
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(unsent[:2])).values(status=OutboxStatus.FAILED)
        )
        session.commit()

    purges = kit_purges(outbox_retention=timedelta(days=7), inbox_retention=timedelta(days=14), has_inbox=True)
    assert purge_once(sessions, purges[0], now=now, batch_size=5, pause=0) == 12
    assert Housekeeper(sessions=sessions, purges=purges, batch_size=5, clock=lambda: now).run_once() == {
        "outbox": 0,
        "inbox": 10,  # handled 15 to 24 days ago
    }
    with sessions() as session:
        left = set(session.scalars(select(OutboxMessage.id)))
        inbox = session.scalar(select(func.count()).select_from(InboxMessage))
    assert left == set(recent) | set(unsent), "recent and unsent rows stay, failed ones included"
    assert inbox == 15
