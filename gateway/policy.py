"""The one table that says, for every public route, who may call it and who answers it.

`method + path template -> roles, target`. The gateway refuses what the table does not allow
(401 without a valid credential, 403 with the wrong role), answers 404 for a path that is not in
it and 405 for a method it does not list; the services then enforce confidentiality and re-check
their own admin-only actions. The matrix test (gateway/tests/test_policy_matrix.py) walks this
table with every role and every kind of bad credential.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from services.kit.roles import ADMINS, ASSIGNABLE, EDITORS, INTEGRATORS, READERS, STAFF, Role

API_PREFIX = "/api/v1"

# The roles and their groups are the kit's (services check the same ones).
ROLES = ASSIGNABLE
INTEGRATION = Role.INTEGRATION.value
PUBLIC = frozenset({"*"})  # no credential needed

READ = READERS
STAFF_READ = STAFF  # people, not integrations
WRITE = EDITORS
ADMIN_ONLY = ADMINS
WEBHOOKS = INTEGRATORS

# API key scopes: what an integration's key may do within the integration role.
SCOPE_READ, SCOPE_WEBHOOKS = "read", "webhooks"
KEY_SCOPES = (SCOPE_READ, SCOPE_WEBHOOKS)

GATEWAY = "gateway"  # answered by the gateway itself


@dataclass(frozen=True)
class Rule:
    method: str
    template: str  # under API_PREFIX; {name} is one segment, {name:path} the rest of the path
    roles: frozenset[str]
    target: str
    large_body: bool = False  # takes files (CSV import, attachments): the larger of the gateway's two body limits
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        def segment(text: str) -> str:
            if text.startswith("{") and text.endswith(":path}"):
                return ".+"
            return "[^/]+" if text.startswith("{") else re.escape(text)

        regex = "/".join(segment(part) for part in self.template.split("/"))
        object.__setattr__(self, "pattern", re.compile(f"^{re.escape(API_PREFIX)}{regex}/?$"))

    @property
    def public(self) -> bool:
        return self.roles is PUBLIC

    @property
    def key_scope(self) -> str | None:
        """The API key scope that grants this route (keys act as `integration`, narrowed by scope)."""
        if INTEGRATION not in self.roles:
            return None
        if self.template.startswith(("/webhooks", "/deliveries")):
            return SCOPE_WEBHOOKS
        return SCOPE_READ if self.method == "GET" else None

    def allows(self, roles: frozenset[str]) -> bool:
        return self.public or bool(self.roles & roles)


def _rules(target: str, template: str, *, large_body: bool = False, **by_method: frozenset[str]) -> list[Rule]:
    return [Rule(method, template, roles, target, large_body) for method, roles in by_method.items()]


P, E, N = "partners", "engagements", "notifications"


def _outbox_rules(service: str) -> list[Rule]:
    return [
        *_rules(service, f"/admin/{service}/outbox/failed", GET=ADMIN_ONLY),
        *_rules(service, f"/admin/{service}/outbox/{{id}}/retry", POST=ADMIN_ONLY),
        *_rules(service, f"/admin/{service}/outbox/{{id}}/skip", POST=ADMIN_ONLY),
    ]


def _dead_letter_rules(service: str) -> list[Rule]:
    letter = f"/admin/{service}/dlq/{{topic}}/{{partition}}/{{offset}}"
    return [
        *_rules(service, f"/admin/{service}/dlq", GET=ADMIN_ONLY),
        *_rules(service, letter, GET=ADMIN_ONLY),
        *_rules(service, f"{letter}/replay", POST=ADMIN_ONLY),
    ]


POLICY: list[Rule] = [
    # Literal segments before the {id} that would swallow them.
    *_rules(P, "/partners", GET=READ, POST=WRITE),
    *_rules(P, "/partners/imports", large_body=True, POST=WRITE),
    # The service shows a job only to whoever started it, or an administrator.
    *_rules(P, "/partners/imports/{id}", GET=STAFF_READ),
    *_rules(P, "/partners/export.csv", GET=READ),
    *_rules(P, "/partners/duplicates", GET=ADMIN_ONLY),
    *_rules(P, "/partners/duplicates/dismissals", POST=ADMIN_ONLY),
    *_rules(P, "/partners/{id}", GET=READ, PATCH=WRITE),
    *_rules(P, "/partners/{id}/contacts", GET=READ, POST=WRITE),
    *_rules(P, "/partners/{id}/relationships", GET=READ, POST=WRITE),
    *_rules(P, "/partners/{id}/relationships/{relationship_id}", DELETE=WRITE),
    *_rules(P, "/partners/{id}/attachments", large_body=True, GET=READ, POST=WRITE),
    *_rules(P, "/partners/{id}/attachments/{attachment_id}", GET=READ, DELETE=WRITE),
    *_rules(P, "/partners/{id}/merge", POST=ADMIN_ONLY),
    *_rules(P, "/partners/{id}/archive", POST=ADMIN_ONLY),
    *_rules(P, "/partners/{id}/restore", POST=ADMIN_ONLY),
    *_rules(P, "/partners/{id}/audit", GET=STAFF_READ),
    *_rules(E, "/partners/{id}/history", GET=READ),
    *_rules(GATEWAY, "/partners/{id}/overview", GET=READ),
    *_rules(GATEWAY, "/partners/{id}/briefing", GET=READ),
    *_rules(P, "/contacts/{id}", GET=READ, PATCH=WRITE, DELETE=WRITE),
    *_rules(P, "/contacts/{id}/key", GET=READ),
    *_rules(E, "/engagements", GET=READ, POST=WRITE),
    *_rules(E, "/engagements/{id}", GET=READ, PATCH=WRITE, DELETE=WRITE),
    *_rules(E, "/engagements/{id}/confirm", POST=WRITE),  # a draft made from an e-mail (its author only)
    *_rules(E, "/engagements/{id}/follow-ups", GET=READ, POST=WRITE),
    *_rules(E, "/engagements/{id}/audit", GET=STAFF_READ),
    # Files: the service lets in only those who may read (list, download) or change (upload, delete) it.
    *_rules(E, "/engagements/{id}/attachments", large_body=True, GET=READ, POST=WRITE),
    *_rules(E, "/engagements/{id}/attachments/{attachment_id}", GET=READ, DELETE=WRITE),
    *_rules(E, "/follow-ups", GET=READ),
    *_rules(E, "/follow-ups/overdue", GET=READ),
    *_rules(E, "/follow-ups/{id}", GET=READ, PATCH=WRITE),
    *_rules(E, "/thrusts", GET=READ),
    *_rules(E, "/reports/thrusts", GET=READ),
    # Literal segments before the {officer} that would swallow them. The .ics of a secret address is
    # public: its secret is its credential (gateway/calendar_feeds.py).
    *_rules(GATEWAY, "/calendar/feeds", GET=STAFF_READ, POST=STAFF_READ),
    *_rules(GATEWAY, "/calendar/feeds/{id}", DELETE=STAFF_READ),
    *_rules(GATEWAY, "/calendar/feeds/{secret}.ics", GET=PUBLIC),
    *_rules(E, "/calendar/{officer}.ics", GET=READ),
    # Literal segments before the {id} that would swallow them.
    *_rules(N, "/notifications/preferences", GET=STAFF_READ, PUT=STAFF_READ),
    *_rules(N, "/notifications/read-all", POST=STAFF_READ),
    *_rules(N, "/notifications", GET=STAFF_READ),
    *_rules(N, "/notifications/{id}/read", POST=STAFF_READ),
    *_rules(N, "/subscriptions", GET=WRITE, POST=WRITE),
    *_rules(N, "/subscriptions/{id}", DELETE=WRITE),
    *_rules(N, "/webhooks", GET=WEBHOOKS, POST=WEBHOOKS),
    *_rules(N, "/webhooks/{id}", DELETE=WEBHOOKS),
    *_rules(N, "/deliveries", GET=WEBHOOKS),
    *_rules(N, "/deliveries/{id}", GET=WEBHOOKS),
    *_rules(N, "/deliveries/{id}/replay", POST=WEBHOOKS),
    *_rules(GATEWAY, "/auth/token", POST=PUBLIC),
    *_rules(GATEWAY, "/auth/logout", POST=READ),
    *_rules(GATEWAY, "/auth/me", GET=READ),
    *_rules(GATEWAY, "/users", GET=ADMIN_ONLY, POST=ADMIN_ONLY),
    *_rules(GATEWAY, "/users/{username}", GET=ADMIN_ONLY, PATCH=ADMIN_ONLY),
    *_rules(GATEWAY, "/people", GET=STAFF_READ),
    *_rules(GATEWAY, "/teams", GET=STAFF_READ, POST=ADMIN_ONLY),
    *_rules(GATEWAY, "/teams/{id}", GET=STAFF_READ, PATCH=ADMIN_ONLY, DELETE=ADMIN_ONLY),
    *_rules(GATEWAY, "/keys", GET=ADMIN_ONLY, POST=ADMIN_ONLY),
    *_rules(GATEWAY, "/keys/{id}", GET=ADMIN_ONLY, DELETE=ADMIN_ONLY),
    *_rules(GATEWAY, "/openapi.json", GET=PUBLIC),
    # Operations (services/kit/admin_api.py): each service's outbox rows that gave up, and its dead letters.
    *[rule for service in (P, E, N) for rule in _outbox_rules(service)],
    *[rule for service in (E, N) for rule in _dead_letter_rules(service)],
    # The directory republished as snapshots, for the other services to rebuild their copies (liaison resync).
    *_rules(P, "/admin/partners/resync", POST=ADMIN_ONLY),
]


@dataclass(frozen=True)
class Match:
    rule: Rule | None
    allowed_methods: tuple[str, ...] = ()  # when the path is known but not with this method


class Policy:
    """Looks a request up in the table; indexed by the first path segment so a lookup tries few rules."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        self._by_segment: dict[str, list[Rule]] = {}
        for rule in rules:
            self._by_segment.setdefault(rule.template.split("/")[1], []).append(rule)

    def match(self, method: str, path: str) -> Match:
        if not path.startswith(API_PREFIX + "/"):
            return Match(None)
        segment = path[len(API_PREFIX) + 1 :].split("/", 1)[0]
        # HEAD is a GET without the body: whoever may GET may HEAD.
        wanted = "GET" if method == "HEAD" else method
        others: list[str] = []
        for rule in self._by_segment.get(segment, ()):
            if rule.pattern.match(path):
                if rule.method == wanted:
                    return Match(rule)
                others.append(rule.method)
        return Match(None, tuple(dict.fromkeys(others)))


DEFAULT_POLICY = Policy(POLICY)


def service_for(path: str, method: str = "GET") -> str | None:
    """The service that answers `method path`, or None (unknown, or answered by the gateway)."""
    rule = DEFAULT_POLICY.match(method, path).rule
    return None if rule is None or rule.target == GATEWAY else rule.target
