"""Optimistic concurrency over HTTP: every versioned resource goes out with `ETag: W/"<version>"` and
comes back for a change with `If-Match` (RFC 9110 §13.1.1), so nobody overwrites a change unseen.

Parse the header at the edge (`kit/edge.py`: `ExpectedVersion`, built on `expected_version`), compare
in the service (`check_version`): service code gets a version, never the header.
"""

from __future__ import annotations

import re

from services.kit.problems import Problem

ANY_VERSION = -1  # If-Match: *  (whatever the current version is)
_ETAG = re.compile(r'(?:W/)?"(\d+)"')


class PreconditionFailed(Problem):
    status = 412
    title = "Precondition failed"


class PreconditionRequired(Problem):
    status = 428
    title = "Precondition required"


def etag(version: int) -> str:
    return f'W/"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header names: None when there is none, ANY_VERSION for `*`."""
    if if_match is None:
        return None
    value = if_match.strip()
    if value == "*":
        return ANY_VERSION
    match = _ETAG.fullmatch(value)
    if match is None:
        raise Problem(
            f'If-Match must be an ETag this API gave out, like W/"3" (got {value[:40]!r}).',
            status=400,
            title="Invalid If-Match",
        )
    return int(match.group(1))


def check_version(current: int, expected: int | None, *, what: str, required: bool = True) -> None:
    """`required=False`: without If-Match the change goes ahead (a delete, say); with one, it must match."""
    if expected is None:
        if not required:
            return
        raise PreconditionRequired(
            f'Send If-Match with the ETag of the {what} you read (like W/"{current}"), so '
            "that you do not overwrite a change you have not seen."
        )
    if expected not in (ANY_VERSION, current):
        raise PreconditionFailed(
            f"The {what} changed since you read it (now version {current}); read it again and re-apply your change.",
            current_version=current,
        )
