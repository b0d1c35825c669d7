"""Opaque keyset cursors: the sort key of the last item a page showed, for every list in Liaison.

`encode(*values)` packs the values (str, int, float, UUID, date, datetime) as base64url JSON with
a short checksum; `decode(cursor, *types)` gives them back as those types, or raises `BadCursor`
(400) for anything this codec did not make, an edited cursor included. The checksum is not a
secret: a cursor grants nothing, since every page applies the caller's filters and visibility again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from datetime import date, datetime
from typing import Any

from services.kit.problems import Problem

Value = str | int | float | uuid.UUID | date | datetime
_CHECKSUM_BYTES = 6
_PERSON = b"liaison-cursor"


class BadCursor(Problem):
    status = 400
    title = "Invalid cursor"


def _checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_CHECKSUM_BYTES, person=_PERSON).digest()


def _plain(value: Value) -> str | int | float:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    return value


def encode(*values: Value) -> str:
    payload = json.dumps([_plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload + _checksum(payload)).decode().rstrip("=")


def _typed(value: Any, kind: type) -> Any:
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        return value
    if isinstance(value, str) and kind is uuid.UUID:
        return uuid.UUID(value)
    if isinstance(value, str) and kind in (datetime, date):
        return datetime.fromisoformat(value) if kind is datetime else date.fromisoformat(value)
    raise ValueError(f"{value!r} is not a {kind.__name__}")


def decode(cursor: str, *kinds: type) -> tuple[Any, ...]:
    """The values `encode` packed, as `kinds` (one type per value)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload, checksum = raw[:-_CHECKSUM_BYTES], raw[-_CHECKSUM_BYTES:]
        if len(raw) <= _CHECKSUM_BYTES or checksum != _checksum(payload):
            raise ValueError("checksum")
        values = json.loads(payload)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("shape")
        return tuple(_typed(value, kind) for value, kind in zip(values, kinds, strict=True))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise BadCursor("The cursor is not one this service gave out; start again without it.") from None
