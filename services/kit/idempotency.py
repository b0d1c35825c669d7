"""Idempotency-Key: the same key again (same caller, same request) replays the first answer.

Each service keeps its keys in its own table (a `IdempotencyRecordBase` subclass with `table=True`,
named in its `ServiceSpec`); the rules are here, and routes reach them through `kit/edge.py`.
The key's row is written first, in the request's transaction: a second request with the same key
racing the first waits on it, then finds it taken (409, retry to get the answer) instead of
writing twice. The same key with a different request is refused (422).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import JSON
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from services.kit.identity import Caller
from services.kit.problems import Conflict, Problem, ProblemType
from services.kit.types import UTCDateTime, utcnow

MAX_KEY_LENGTH = 200


class IdempotencyRecordBase(SQLModel):
    """A write done under an Idempotency-Key: the same key again gets the same answer, not a second write."""

    caller: str = Field(primary_key=True, max_length=200)
    key: str = Field(primary_key=True, max_length=MAX_KEY_LENGTH)
    request_hash: str = Field(max_length=64)
    status_code: int  # 0 while the first request is being handled
    response: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    headers: dict[str, str] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


Record = TypeVar("Record", bound=IdempotencyRecordBase)


class KeyReused(Problem):
    status = 422
    title = "Idempotency-Key reused"
    type = ProblemType.IDEMPOTENCY_KEY_REUSED


def _fingerprint(scope: str, body: Any) -> str:
    return hashlib.sha256(json.dumps([scope, body], sort_keys=True, default=str).encode()).hexdigest()


def begin(*, session: Session, records: type[Record], caller: Caller, key: str, scope: str, body: Any) -> Record:
    """The key's record: `status_code` 0 means "new, go ahead"; otherwise it holds the answer to replay."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Problem(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
            status=400,
            title="Invalid Idempotency-Key",
        )
    fingerprint = _fingerprint(scope, body)
    record = session.get(records, (caller.user, key))
    if record is None:
        record = records(caller=caller.user, key=key, request_hash=fingerprint, status_code=0)
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
    *,
    session: Session,
    record: IdempotencyRecordBase,
    status_code: int,
    response: dict[str, Any],
    headers: dict[str, str],
) -> None:
    record.status_code = status_code
    record.response = response
    record.headers = headers
    session.add(record)
