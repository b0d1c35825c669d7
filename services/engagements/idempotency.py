"""Idempotency-Key: the same key again (same caller, same request) replays the first answer.

The key's row is written first, in the request's transaction: a second request with the same key
racing the first waits on it, then finds it taken (409, retry to get the answer) instead of
writing twice. The same key with a different request is refused (422).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from services.engagements.models import IdempotencyRecord
from services.kit.identity import Caller
from services.kit.problems import Conflict, Problem

MAX_KEY_LENGTH = 200


class KeyReused(Problem):
    status = 422
    title = "Idempotency-Key reused"


def _fingerprint(scope: str, body: Any) -> str:
    return hashlib.sha256(json.dumps([scope, body], sort_keys=True, default=str).encode()).hexdigest()


def begin(*, session: Session, caller: Caller, key: str, scope: str, body: Any) -> IdempotencyRecord:
    """The key's record: `status_code` 0 means "new, go ahead"; otherwise it holds the answer to replay."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Problem(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
            status=400,
            title="Invalid Idempotency-Key",
        )
    fingerprint = _fingerprint(scope, body)
    record = session.get(IdempotencyRecord, (caller.user, key))
    if record is None:
        record = IdempotencyRecord(caller=caller.user, key=key, request_hash=fingerprint, status_code=0)
        session.add(record)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict("A request with this Idempotency-Key is being handled; retry to get its answer.") from None
        return record
    if record.request_hash != fingerprint:
        raise KeyReused("This Idempotency-Key was used for a different request; use a new key for a new request.")
    return record


def finish(
    *, session: Session, record: IdempotencyRecord, status_code: int, response: dict, headers: dict[str, str]
) -> None:
    record.status_code = status_code
    record.response = response
    record.headers = headers
    session.add(record)
