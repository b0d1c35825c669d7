"""The errors a client is told about (RFC 9457 problem details), as plain exceptions.

Service code raises these; it never imports the web framework. `kit/http_problems.py` turns them
into `application/problem+json` answers.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

# RFC 9110's names where Python's table still has the older ones.
_TITLES = {413: "Content too large", 422: "Unprocessable content"}


def status_title(status: int) -> str:
    return _TITLES.get(status) or HTTPStatus(status).phrase


class Problem(Exception):
    """A domain error with the status and words the client should get."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, status: int | None = None, title: str | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None and status != self.status:
            self.status = status
            self.title = status_title(status)  # a 413 raised as a plain Problem is not a "Bad request"
        if title is not None:
            self.title = title
        self.extensions = extensions


class NotFound(Problem):
    status = 404
    title = "Not found"


class Forbidden(Problem):
    status = 403
    title = "Forbidden"


class Conflict(Problem):
    status = 409
    title = "Conflict"
