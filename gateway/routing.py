"""Which service answers which public path. The services serve the same paths, so they pass through untouched."""
from __future__ import annotations

import re

API_PREFIX = "/api/v1"

# Checked in order: the first match wins, so the specific rules come before the broad ones.
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^/api/v1/partners/[^/]+/history/?$"), "engagements"),
    (re.compile(r"^/api/v1/(partners|contacts)(/|$)"), "partners"),
    (re.compile(r"^/api/v1/(engagements|follow-ups|thrusts|reports|calendar)(/|$)"), "engagements"),
    (re.compile(r"^/api/v1/(notifications|subscriptions|webhooks|deliveries)(/|$)"), "notifications"),
]


def service_for(path: str) -> str | None:
    for pattern, service in _RULES:
        if pattern.match(path):
            return service
    return None
