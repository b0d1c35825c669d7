from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.kit.types import UTCDateTime


def test_aware_datetimes_are_stored_as_utc():
    column = UTCDateTime()
    toronto = timezone(timedelta(hours=-5))
    stored = column.process_bind_param(datetime(2026, 3, 1, 9, 0, tzinfo=toronto), None)
    assert stored == datetime(2026, 3, 1, 14, 0, tzinfo=UTC)
    assert stored.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 3, 1, 9, 0), None)  # noqa: DTZ001 (naive on purpose)


def test_naive_values_read_back_from_sqlite_are_utc():
    assert UTCDateTime().process_result_value(datetime(2026, 3, 1, 9, 0), None)  # noqa: DTZ001 (as SQLite returns it).tzinfo == UTC
