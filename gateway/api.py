"""The gateway's own routes: tokens, users, API keys. Thin: parse, call accounts/tokens, shape the answer.

The front door has already checked the caller against the policy table; these routes read the
verified `Principal` it left in the request's state.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

if TYPE_CHECKING:
    from gateway.app import Runtime

from gateway import accounts, tokens
from gateway.auth import Principal
from gateway.ratelimit import too_many_requests
from gateway.schemas import CallerRead, KeyCreate, KeyCreated, KeyRead, TokenResponse, UserCreate, UserRead, UserUpdate
from services.kit.app import SessionDep
from services.kit.edge import ExpectedVersion
from services.kit.http_problems import problem_response
from services.kit.inputs import NoNulText
from services.kit.openapi_problems import problems
from services.kit.preconditions import etag
from services.kit.problems import Problem

router = APIRouter(prefix="/api/v1")


def request_principal(request: Request) -> Principal:
    principal: Principal = request.scope["state"]["principal"]
    return principal


PrincipalDep = Annotated[Principal, Depends(request_principal)]


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


class TokenRequest(NoNulText):
    grant_type: Literal["password", "refresh_token"]
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None


async def token_request(request: Request) -> TokenRequest:
    """OAuth 2 style: a form (as OAuth clients and /docs send it) or the same fields as JSON."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = await request.json()
        except (ValueError, RecursionError):  # the front door refuses deep JSON first; this is a backstop
            raise RequestValidationError(
                [{"loc": ("body",), "msg": "malformed JSON", "type": "json_invalid"}]
            ) from None
    else:  # application/x-www-form-urlencoded (parsed here: no multipart dependency for three fields)
        data = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    try:
        return TokenRequest.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


def _refused(detail: str) -> Response:
    return problem_response(401, title="Invalid grant", detail=detail, headers={"WWW-Authenticate": "Bearer"})


def _token_body() -> dict[str, Any]:
    schema = TokenRequest.model_json_schema()
    return {
        "required": True,
        "content": {"application/x-www-form-urlencoded": {"schema": schema}, "application/json": {"schema": schema}},
    }


# 400 a grant without its fields, 401 a refused grant, 422 a malformed one, 429 too many failed logins.
@router.post(
    "/auth/token",
    response_model=TokenResponse,
    tags=["auth"],
    responses=problems(400, 401, 422, 429),
    openapi_extra={"requestBody": _token_body()},  # parsed by hand (form or JSON): documented here
)
def issue_token(
    body: Annotated[TokenRequest, Depends(token_request)], session: SessionDep, request: Request
) -> Response | dict[str, Any]:
    runtime = runtime_of(request)
    settings = runtime.settings
    if body.grant_type == "password":
        if not body.username or not body.password:
            raise Problem("The password grant needs username and password.", status=400)
        client = request.client.host if request.client else "?"
        wait = runtime.login_backoff.wait(body.username, client)
        if wait:
            return too_many_requests(
                wait,
                title="Too many failed logins",
                detail="Too many failed logins for this account from this address; try again after Retry-After.",
            )
        user = accounts.authenticate(session=session, username=body.username, password=body.password)
        if user is None:
            runtime.login_backoff.failed(body.username, client)
            return _refused("Unknown user, wrong password or disabled account.")
        runtime.login_backoff.succeeded(body.username, client)
        return asdict(tokens.issue_tokens(session=session, settings=settings, user=user))
    if not body.refresh_token:
        raise Problem("The refresh_token grant needs refresh_token.", status=400)
    rotation = tokens.rotate(session=session, settings=settings, presented=body.refresh_token)
    if rotation.tokens is None:
        # Returned, not raised: the unit of work commits, so a detected reuse's revocation sticks.
        return _refused(rotation.refused or "The refresh token was refused.")
    return asdict(rotation.tokens)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"], responses=problems(400))
def log_out(principal: PrincipalDep, session: SessionDep, request: Request) -> Response:
    if principal.claims is None:
        raise Problem("Only a session opened with /auth/token can be logged out.", status=400)
    runtime = runtime_of(request)
    tokens.logout(session=session, settings=runtime.settings, claims=principal.claims)
    runtime.authenticator.revoked_token_ids(principal.claims["jti"], principal.claims["fam"])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/me", response_model=CallerRead, tags=["auth"])
def who_am_i(principal: PrincipalDep) -> CallerRead:
    return CallerRead(user=principal.caller.user, roles=sorted(principal.caller.roles), via=principal.via)


@router.get("/users", tags=["users"])
def list_users(
    session: SessionDep, cursor: str | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> dict[str, Any]:
    users, next_cursor = accounts.list_users(session=session, cursor=cursor, limit=limit)
    return {
        "items": [UserRead.model_validate(u).model_dump(mode="json") for u in users],
        "next_cursor": next_cursor,
    }


@router.post(
    "/users", status_code=status.HTTP_201_CREATED, response_model=UserRead, tags=["users"], responses=problems(409)
)
def create_user(body: UserCreate, session: SessionDep, response: Response) -> UserRead:
    user = accounts.create_user(session=session, data=body)
    response.headers["Location"] = f"/api/v1/users/{user.username}"
    response.headers["ETag"] = etag(user.version)
    return UserRead.model_validate(user)


@router.get("/users/{username}", response_model=UserRead, tags=["users"])
def get_user(username: str, session: SessionDep, response: Response) -> UserRead:
    user = accounts.get_user(session=session, username=username)
    response.headers["ETag"] = etag(user.version)
    return UserRead.model_validate(user)


@router.patch("/users/{username}", response_model=UserRead, tags=["users"])
def update_user(
    username: str,
    body: UserUpdate,
    session: SessionDep,
    request: Request,
    response: Response,
    expected: ExpectedVersion,
    principal: PrincipalDep,
) -> UserRead:
    runtime = runtime_of(request)
    user = accounts.update_user(
        session=session,
        settings=runtime.settings,
        username=username,
        data=body,
        expected_version=expected,
        changed_by=principal.caller.user,
    )
    if body.disabled is not None:
        runtime.authenticator.user_disabled(username, body.disabled)
    response.headers["ETag"] = etag(user.version)
    return UserRead.model_validate(user)


@router.get("/keys", tags=["keys"])
def list_keys(
    session: SessionDep, cursor: str | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> dict[str, Any]:
    keys, next_cursor = accounts.list_keys(session=session, cursor=cursor, limit=limit)
    return {
        "items": [KeyRead.model_validate(k).model_dump(mode="json") for k in keys],
        "next_cursor": next_cursor,
    }


@router.post("/keys", status_code=status.HTTP_201_CREATED, response_model=KeyCreated, tags=["keys"])
def create_key(body: KeyCreate, session: SessionDep, principal: PrincipalDep, response: Response) -> KeyCreated:
    key, secret = accounts.create_key(session=session, data=body, created_by=principal.caller.user)
    response.headers["Location"] = f"/api/v1/keys/{key.id}"
    response.headers["Cache-Control"] = "no-store"
    return KeyCreated(**KeyRead.model_validate(key).model_dump(), key=secret)


@router.get("/keys/{key_id}", response_model=KeyRead, tags=["keys"])
def get_key(key_id: str, session: SessionDep) -> KeyRead:
    return KeyRead.model_validate(accounts.get_key(session=session, key_id=key_id))


@router.delete("/keys/{key_id}", response_model=KeyRead, tags=["keys"])
def revoke_key(key_id: str, session: SessionDep, request: Request) -> KeyRead:
    key = accounts.revoke_key(session=session, key_id=key_id)
    runtime_of(request).authenticator.revoked_key(key_id)
    return KeyRead.model_validate(key)
