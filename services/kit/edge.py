"""What routes take at the edge, the one way for every service: the roles a route needs
(`require`), the version an If-Match names (`ExpectedVersion`), the Idempotency-Key (`IdempotencyDep`).

Routes parse; service functions get plain values (a Caller, an expected version) and never see HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import Session

from services.kit import idempotency, sync
from services.kit.app import API_PREFIX, CallerDep, SessionDep
from services.kit.identity import Caller
from services.kit.inputs import AwareDateTime
from services.kit.openapi_problems import answers
from services.kit.permissions import ensure
from services.kit.preconditions import expected_version


def require(allowed: Iterable[str], action: str) -> Any:
    """`Annotated[Caller, require(EDITORS, "Changing the directory")]`: the caller, or 403."""
    roles = frozenset(allowed)

    @answers(403)
    async def check(caller: CallerDep) -> Caller:  # async: no worker-thread hop for a set lookup
        return ensure(caller, roles, action)

    return Depends(check)


@answers(400, 412, 428)
def request_expected_version(
    if_match: Annotated[str | None, Header(alias="If-Match", description='The ETag last read, W/"<version>"')] = None,
) -> int | None:
    return expected_version(if_match)


ExpectedVersion = Annotated[int | None, Depends(request_expected_version)]
"""The version If-Match names: None without the header, ANY_VERSION for `*`; 400 when malformed."""

Answer = tuple[BaseModel, dict[str, str]]  # the body and the headers of a successful write


@dataclass
class Idempotency:
    """The request's Idempotency-Key, if it has one: `run` does the write once per key."""

    session: Session
    caller: Caller
    key: str | None
    scope: str
    records: type[idempotency.IdempotencyRecordBase] | None
    response: Response

    def run(self, *, body: BaseModel, write: Callable[[], Answer], status_code: int = 201) -> Any:
        """`write()` makes the change and returns its answer; a key seen before replays that answer instead."""
        if self.key is None:
            return self._answer(*write())
        if self.records is None:
            raise RuntimeError("this service keeps no Idempotency-Key table (ServiceSpec.idempotency_records)")
        record = idempotency.begin(
            session=self.session,
            records=self.records,
            caller=self.caller,
            key=self.key,
            scope=self.scope,
            body=body.model_dump(mode="json"),
        )
        if record.status_code:
            return JSONResponse(
                record.response,
                status_code=record.status_code,
                headers=record.headers | {"Idempotent-Replayed": "true"},
            )
        answer, headers = write()
        idempotency.finish(
            session=self.session,
            record=record,
            status_code=status_code,
            response=answer.model_dump(mode="json"),
            headers=headers,
        )
        return self._answer(answer, headers)

    def _answer(self, answer: BaseModel, headers: dict[str, str]) -> BaseModel:
        self.response.headers.update(headers)
        return answer


@answers(400, 409, 422)
def request_idempotency(
    request: Request,
    response: Response,
    session: SessionDep,
    caller: CallerDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Idempotency:
    return Idempotency(
        session=session,
        caller=caller,
        key=idempotency_key,
        scope=f"{request.method} {request.url.path.removeprefix(API_PREFIX + '/')}",
        records=request.app.state.idempotency_records,
        response=response,
    )


IdempotencyDep = Annotated[Idempotency, Depends(request_idempotency)]

# Incremental sync (kit/sync.py): every list route takes it, and hands `sync.since(...)` to its query.
UpdatedSince = Annotated[AwareDateTime | None, Query(description=sync.HELP)]
