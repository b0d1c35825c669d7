"""The one cursor codec: values come back as the types asked for; anything else is a 400 problem."""

import uuid
from datetime import UTC, date, datetime

import pytest

from services.kit import cursors

WHEN = datetime(2026, 3, 2, 14, 30, 0, 123456, tzinfo=UTC)


def test_values_round_trip_as_their_types():
    item = uuid.uuid4()
    cursor = cursors.encode("Bavière", 3, 0.5, item, date(2026, 3, 2), WHEN)
    assert cursors.decode(cursor, str, int, float, uuid.UUID, date, datetime) == (
        "Bavière",
        3,
        0.5,
        item,
        date(2026, 3, 2),
        WHEN,
    )
    assert cursors.decode(cursors.encode(2), float) == (2.0,), "a whole score is still a score"
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), "URL-safe"


def edited(cursor: str) -> str:
    return cursor[:5] + ("A" if cursor[5] != "A" else "B") + cursor[6:]


@pytest.mark.parametrize(
    ("cursor", "types"),
    [
        ("garbage!", (str,)),
        ("%%%", (str,)),
        ("", (str,)),
        (cursors.encode("a", "b"), (str,)),  # another list's cursor: wrong length
        (cursors.encode("a"), (int,)),  # wrong type
        (cursors.encode("not-a-uuid"), (uuid.UUID,)),
        (cursors.encode(True), (int,)),
        (edited(cursors.encode("Bavière", "dc7c2e99-ee6b-40d6-a8d8-65671aaa1c4a")), (str, str)),  # tampered with
        (cursors.encode("a")[:-2], (str,)),  # cut short
    ],
)
def test_anything_the_codec_did_not_make_is_a_bad_cursor(cursor, types):
    with pytest.raises(cursors.BadCursor) as caught:
        cursors.decode(cursor, *types)
    assert caught.value.status == 400 and caught.value.title == "Invalid cursor"
