"""Every service's operations routes, for administrators: its outbox rows that gave up, its dead letters.

`/api/v1/admin/<service>/outbox/failed`, `.../outbox/{id}/retry|skip`, `.../dlq`,
`.../dlq/{topic}/{partition}/{offset}` and `.../replay`. The gateway lets only admins through
(its policy table); the service checks the role again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from services.kit.consumer import TRANSIENT_ERRORS
from services.kit.dead_letters import DeadLetters, Letter, NoSuchLetter, replay
from services.kit.identity import Caller
from services.kit.openapi_problems import problems
from services.kit.outbox_admin import failed_rows, retry, skip
from services.kit.permissions import ensure
from services.kit.problems import NotFound, Problem
from services.kit.roles import ADMINS

# The outbox's ids are PostgreSQL integers, Kafka's partitions 32-bit and offsets 64-bit: a number past
# them is no row or letter (422), not a database error (500).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Partition = Annotated[int, Path(ge=0, le=2**31 - 1)]
Offset = Annotated[int, Path(ge=0, le=2**63 - 1)]


def _admin(request: Request) -> Caller:
    caller: Caller = request.state.caller
    return ensure(caller, ADMINS, "Operations routes (dead letters, failed outbox rows)")


def _dead_letters(request: Request) -> DeadLetters:
    letters: DeadLetters | None = getattr(request.app.state, "dead_letters", None)
    if letters is None:
        raise NotFound("This service consumes no topic: it has no dead letters.")
    return letters


def admin_router(service: str, *, consumes: bool) -> APIRouter:
    """`consumes`: the service has a consumer, hence dead letters."""
    # Every route refuses anyone but an admin (403).
    router = APIRouter(prefix=f"/api/v1/admin/{service}", tags=["operations"], responses=problems(403))

    @router.get("/outbox/failed")
    def list_failed(request: Request, limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
        _admin(request)
        with request.app.state.sessions() as session:
            return {"items": failed_rows(session=session, limit=limit)}

    @router.post("/outbox/{row_id}/retry")
    def retry_row(request: Request, row_id: RowId) -> dict[str, Any]:
        _admin(request)
        with request.app.state.sessions() as session:
            if not retry(session=session, row_id=row_id):
                raise NotFound(f"No failed outbox row {row_id}.")
            session.commit()
        request.app.state.relay.wake()
        return {"id": row_id, "status": "pending"}

    @router.post("/outbox/{row_id}/skip")
    def skip_row(request: Request, row_id: RowId) -> dict[str, Any]:
        _admin(request)
        with request.app.state.sessions() as session:
            if not skip(session=session, row_id=row_id):
                raise NotFound(f"No failed outbox row {row_id}.")
            session.commit()
        request.app.state.relay.wake()
        return {"id": row_id, "status": "skipped"}

    if not consumes:
        return router

    @router.get("/dlq")
    def list_letters(request: Request, limit: int = Query(200, ge=1, le=5000)) -> dict[str, Any]:
        _admin(request)
        dead_letters = _dead_letters(request)
        letters = dead_letters.letters(limit=limit)
        with request.app.state.sessions() as session:
            handled = DeadLetters.handled(session, dead_letters.consumer_name, letters)
        return {"items": [x.summary(handled=(x.event() or {}).get("id") in handled) for x in letters]}

    @router.get("/dlq/{topic}/{partition}/{offset}")
    def show_letter(request: Request, topic: str, partition: Partition, offset: Offset) -> dict[str, Any]:
        _admin(request)
        dead_letters = _dead_letters(request)
        letter = _find(dead_letters, topic, partition, offset)
        with request.app.state.sessions() as session:
            handled = DeadLetters.handled(session, dead_letters.consumer_name, [letter])
        return letter.detail(handled=bool(handled))

    @router.post("/dlq/{topic}/{partition}/{offset}/replay", responses=problems(503))
    def replay_letter(request: Request, topic: str, partition: Partition, offset: Offset) -> dict[str, Any]:
        _admin(request)
        letter = _find(_dead_letters(request), topic, partition, offset)
        try:
            outcome = replay(request.app.state.consumer, letter)
        except TRANSIENT_ERRORS as exc:
            raise Problem(
                f"Not replayed: {type(exc).__name__} ({exc}). Nothing changed; try again later.",
                status=503,
                title="Dependency unavailable",
            ) from exc
        return {"topic": topic, "partition": partition, "offset": offset, "outcome": outcome}

    return router


def _find(dead_letters: DeadLetters, topic: str, partition: int, offset: int) -> Letter:
    try:
        return dead_letters.letter(topic, partition, offset)
    except NoSuchLetter as exc:
        raise NotFound(str(exc)) from exc
