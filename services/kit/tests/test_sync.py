"""kit/sync.py: where an incremental sync resumes, and its cursor never passes for a list's own."""

import uuid
from datetime import UTC, datetime

import pytest

from services.kit import cursors, sync

AT = datetime(2026, 12, 1, 14, tzinfo=UTC)


class Row:
    def __init__(self, at: datetime) -> None:
        self.id, self.updated_at = uuid.uuid4(), at


def test_no_updated_since_and_no_sync_cursor_is_an_ordinary_list():
    assert sync.since(updated_since=None, cursor=None) is None
    assert sync.since(updated_since=None, cursor=cursors.encode("baviere", uuid.uuid4())) is None


def test_a_sync_starts_at_updated_since_and_resumes_after_the_last_row():
    start = sync.since(updated_since=AT, cursor=None)
    assert start == sync.Since(changed_at=AT)
    row = Row(AT)
    token = sync.resume_cursor(start, [Row(AT), row])
    resumed = sync.since(updated_since=None, cursor=token)
    assert (resumed.changed_at, resumed.last_id, resumed.given) == (AT, row.id, token)
    assert sync.resume_cursor(resumed, []) == token, "nothing new: the same cursor, to ask again later"
    assert sync.resume_cursor(start, []) is None


def test_a_list_cursor_with_updated_since_is_refused_and_a_naive_time_too():
    with pytest.raises(cursors.BadCursor):
        sync.since(updated_since=AT, cursor=cursors.encode("baviere", uuid.uuid4()))
    with pytest.raises(cursors.BadCursor) as naive:
        sync.since(updated_since=datetime(2026, 12, 1), cursor=None)  # noqa: DTZ001 (the point of the test)
    assert naive.value.status == 422
    assert not sync.is_sync_cursor("garbage!") and not sync.is_sync_cursor(None)
    assert not sync.is_sync_cursor(cursors.encode("other", AT, uuid.uuid4())), "the marker counts"
