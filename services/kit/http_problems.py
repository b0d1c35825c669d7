"""RFC 9457 problem details on the wire: every error a client sees has this shape."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.kit.logging import request_id_var
from services.kit.problems import FIELD_LABELS, Problem, ProblemType, field_label, localize, status_title

_LABELLED = frozenset(FIELD_LABELS)

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("liaison.problems")


def problem_response(
    status: int,
    *,
    title: str | None = None,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    problem_type: str = ProblemType.BLANK,
    **extensions: Any,
) -> JSONResponse:
    """The one place an error body is written: its title and detail in the caller's language; its
    `type` says what kind of problem it is in words no translation changes."""
    body: dict[str, Any] = {
        "type": str(problem_type),
        "title": localize(title or status_title(status)),
        "status": status,
    }
    if detail:
        body["detail"] = localize(detail)
    request_id = request_id_var.get()
    if request_id:
        body["request_id"] = request_id
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def field_error(error: Any) -> dict[str, Any]:
    """One validation error: where, the field as the form labels it, and what is wrong, in words."""
    location = [str(part) for part in error.get("loc", ())]
    # The innermost name is the field (a list index or a union's branch names none).
    names = [part for part in location[1:] if not part.isdigit()]
    labelled = [part for part in names if part in _LABELLED]
    return {
        "location": list(error.get("loc", ())),
        "field": ".".join(location[1:]) if location[:1] in (["body"], ["query"], ["path"]) else ".".join(location),
        "label": field_label((labelled or names)[-1]) if names else "",
        "message": localize(str(error.get("msg", ""))),
        "type": error.get("type", ""),
    }


def _rule_error(error: Any) -> Any:
    if not isinstance(error, dict):
        return error
    worded = dict(error)
    if isinstance(worded.get("message"), str):
        worded["message"] = localize(worded["message"])
    if isinstance(worded.get("field"), str) and "label" not in worded:
        worded["label"] = field_label(worded["field"])
    return worded


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _domain(request: Request, exc: Problem) -> JSONResponse:
        extensions = dict(exc.extensions)
        if isinstance(extensions.get("field"), str) and "label" not in extensions:
            extensions["label"] = field_label(extensions["field"])  # the field as the form names it
        if isinstance(extensions.get("errors"), list):  # field errors a rule lists, worded as validation's
            extensions["errors"] = [_rule_error(error) for error in extensions["errors"]]
        return problem_response(
            exc.status,
            title=exc.title,
            detail=exc.detail,
            problem_type=exc.type,
            instance=request.url.path,
            **extensions,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            exc.status_code,
            detail=str(exc.detail) if exc.detail else None,
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [field_error(error) for error in exc.errors()]
        labels = list(dict.fromkeys(e["label"] for e in errors if e["label"]))
        return problem_response(
            422,
            title="Invalid request",
            detail=localize("Check these fields: {fields}.").format(fields=", ".join(labels))
            if labels
            else "The request could not be read.",
            instance=request.url.path,
            errors=errors,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, _exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(
            500,
            title="Internal error",
            detail="The server could not complete the request; it has been logged.",
            instance=request.url.path,
        )
