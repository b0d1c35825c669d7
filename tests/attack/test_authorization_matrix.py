"""Who may call what, tried on the real system: every route of the gateway's policy table with every
kind of caller, then, where a route reaches something owned or restricted, with its owner, an insider
and an outsider.

The cases are generated from the policy table (`gateway/policy.py`); what each caller must get comes
from `EXPECTED` below, written apart from the table on purpose. A route of a service without a policy
row, a policy row without an `EXPECTED` row, or an owned route without a relation case (or a reason
it has none) fails the test: a new route cannot ship without deciding who may call it.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass

import httpx
import pytest

from gateway.policy import API_PREFIX, DEFAULT_POLICY, GATEWAY, POLICY, Rule
from tests.attack.relations import NOT_OWNED, RELATION_CASES, Relations, owned
from tests.support.gateway import bearer, login
from tests.test_gateway_policy_covers_services import ROUTERS, sample, service_routes

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]

ANONYMOUS = "anonymous"
USERS = ("viewer", "officer", "admin", "integration")  # people (and systems) with a login
KEYS = ("key:read", "key:webhooks")  # API keys, by scope
CALLERS = (ANONYMOUS, *USERS, *KEYS)

EVERYONE = frozenset(CALLERS)
READERS = frozenset({"viewer", "officer", "admin", "integration", "key:read"})
SESSIONS = frozenset(USERS)  # a logged-in session (a key has no session to end)
STAFF = frozenset({"viewer", "officer", "admin"})
WRITERS = frozenset({"officer", "admin"})
ADMINS = frozenset({"admin"})
HOOKS = frozenset({"admin", "integration", "key:webhooks"})

# Who gets past authorization, per route: the decision, spelled out apart from the policy table.
EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/partners"): READERS,
    ("POST", "/partners"): WRITERS,
    ("POST", "/partners/imports"): WRITERS,
    ("GET", "/partners/imports/{id}"): STAFF,  # a job is its starter's (or an admin's): no integration
    ("GET", "/partners/export.csv"): READERS,
    ("GET", "/partners/duplicates"): ADMINS,
    ("POST", "/partners/duplicates/dismissals"): ADMINS,
    ("GET", "/partners/{id}"): READERS,
    ("PATCH", "/partners/{id}"): WRITERS,
    ("GET", "/partners/{id}/contacts"): READERS,
    ("POST", "/partners/{id}/contacts"): WRITERS,
    ("GET", "/partners/{id}/relationships"): READERS,
    ("POST", "/partners/{id}/relationships"): WRITERS,
    ("DELETE", "/partners/{id}/relationships/{relationship_id}"): WRITERS,
    ("GET", "/partners/{id}/attachments"): READERS,
    ("POST", "/partners/{id}/attachments"): WRITERS,
    ("GET", "/partners/{id}/attachments/{attachment_id}"): READERS,
    ("DELETE", "/partners/{id}/attachments/{attachment_id}"): WRITERS,
    ("POST", "/partners/{id}/merge"): ADMINS,
    ("POST", "/partners/{id}/archive"): ADMINS,
    ("POST", "/partners/{id}/restore"): ADMINS,
    ("GET", "/partners/{id}/audit"): STAFF,  # the audit names colleagues: no integration
    ("GET", "/partners/{id}/history"): READERS,
    ("GET", "/partners/{id}/overview"): READERS,
    ("GET", "/partners/{id}/briefing"): READERS,
    ("GET", "/contacts/{id}"): READERS,
    ("PATCH", "/contacts/{id}"): WRITERS,
    ("DELETE", "/contacts/{id}"): WRITERS,
    ("GET", "/contacts/{id}/key"): READERS,
    ("GET", "/engagements"): READERS,
    ("POST", "/engagements"): WRITERS,
    ("GET", "/engagements/{id}"): READERS,
    ("PATCH", "/engagements/{id}"): WRITERS,
    ("DELETE", "/engagements/{id}"): WRITERS,
    ("POST", "/engagements/{id}/confirm"): WRITERS,
    ("GET", "/engagements/{id}/audit"): STAFF,  # the audit names colleagues: no integration
    ("GET", "/engagements/{id}/follow-ups"): READERS,
    ("POST", "/engagements/{id}/follow-ups"): WRITERS,
    ("GET", "/engagements/{id}/attachments"): READERS,
    ("POST", "/engagements/{id}/attachments"): WRITERS,
    ("GET", "/engagements/{id}/attachments/{attachment_id}"): READERS,
    ("DELETE", "/engagements/{id}/attachments/{attachment_id}"): WRITERS,
    ("GET", "/follow-ups"): READERS,
    ("GET", "/follow-ups/overdue"): READERS,
    ("GET", "/follow-ups/{id}"): READERS,
    ("PATCH", "/follow-ups/{id}"): WRITERS,
    ("GET", "/thrusts"): READERS,
    ("GET", "/reports/thrusts"): READERS,
    ("GET", "/calendar/feeds"): STAFF,  # a person's own secret addresses: no integration
    ("POST", "/calendar/feeds"): STAFF,
    ("DELETE", "/calendar/feeds/{id}"): STAFF,
    ("GET", "/calendar/feeds/{secret}.ics"): EVERYONE,  # the secret in the address is the credential
    ("GET", "/calendar/{officer}.ics"): READERS,
    ("GET", "/notifications/preferences"): STAFF,
    ("PUT", "/notifications/preferences"): STAFF,
    ("POST", "/notifications/read-all"): STAFF,
    ("GET", "/notifications"): STAFF,
    ("POST", "/notifications/{id}/read"): STAFF,
    ("GET", "/subscriptions"): WRITERS,
    ("POST", "/subscriptions"): WRITERS,
    ("DELETE", "/subscriptions/{id}"): WRITERS,
    ("GET", "/webhooks"): HOOKS,
    ("POST", "/webhooks"): HOOKS,
    ("DELETE", "/webhooks/{id}"): HOOKS,
    ("GET", "/deliveries"): HOOKS,
    ("GET", "/deliveries/{id}"): HOOKS,
    ("POST", "/deliveries/{id}/replay"): HOOKS,
    ("POST", "/auth/token"): EVERYONE,
    ("POST", "/auth/logout"): SESSIONS,
    ("GET", "/auth/me"): READERS,
    ("GET", "/users"): ADMINS,
    ("POST", "/users"): ADMINS,
    ("GET", "/users/{username}"): ADMINS,
    ("PATCH", "/users/{username}"): ADMINS,
    ("GET", "/people"): STAFF,
    ("GET", "/teams"): STAFF,
    ("POST", "/teams"): ADMINS,
    ("GET", "/teams/{id}"): STAFF,
    ("PATCH", "/teams/{id}"): ADMINS,
    ("DELETE", "/teams/{id}"): ADMINS,
    ("GET", "/keys"): ADMINS,
    ("POST", "/keys"): ADMINS,
    ("GET", "/keys/{id}"): ADMINS,
    ("DELETE", "/keys/{id}"): ADMINS,
    ("GET", "/openapi.json"): EVERYONE,
    ("POST", "/admin/partners/resync"): ADMINS,
    **{
        (method, f"/admin/{service}/{path}"): ADMINS
        for service in ("partners", "engagements", "notifications")
        for method, path in (("GET", "outbox/failed"), ("POST", "outbox/{id}/retry"), ("POST", "outbox/{id}/skip"))
    },
    **{
        (method, f"/admin/{service}/{path}"): ADMINS
        for service in ("engagements", "notifications")
        for method, path in (
            ("GET", "dlq"),
            ("GET", "dlq/{topic}/{partition}/{offset}"),
            ("POST", "dlq/{topic}/{partition}/{offset}/replay"),
        )
    },
}

# A value for each path parameter: nothing that exists (the role cases change nothing).
PARAMETERS = {
    "id": "0c0ffee0-0000-4000-8000-000000000000",
    "relationship_id": "0c0ffee0-0000-4000-8000-000000000001",
    "attachment_id": "0c0ffee0-0000-4000-8000-000000000002",
    "username": "nobody-here",
    "officer": "nobody-here",
    "topic": "liaison.nothing.v1",
    "partition": "0",
    "offset": "0",
    "secret": "no-such-calendar-address-secret",
}
PLACEHOLDER = re.compile(r"\{(\w+)(?::path)?\}")


@dataclass
class Caller:
    name: str
    headers: dict[str, str]
    username: str | None = None
    password: str | None = None

    def fresh_session(self, gateway: str) -> dict[str, str]:
        """A token of its own, for the one case that ends the session it is sent with."""
        return bearer(login(gateway, self.username, self.password)) if self.username else self.headers


def concrete(rule: Rule) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        assert name in PARAMETERS, f"no value for the path parameter {{{name}}} of {rule.template}"
        return PARAMETERS[name]

    return API_PREFIX + PLACEHOLDER.sub(value, rule.template)


def request_for(rule: Rule) -> dict:
    if rule.template == "/auth/token":
        return {"data": {"grant_type": "password", "username": "nobody-here", "password": "not this one"}}
    if rule.template == "/partners/imports":
        return {"content": b"", "headers": {"content-type": "text/csv"}}
    return {"json": {}} if rule.method in ("POST", "PUT", "PATCH") else {}


@pytest.fixture(scope="module")
def callers(attack_system, admin_api) -> dict[str, Caller]:
    gateway = attack_system["gateway"]
    made = {ANONYMOUS: Caller(ANONYMOUS, {})}
    for role in USERS:
        username, password = f"matrix-{role}-{uuid.uuid4().hex[:6]}", f"pw-{uuid.uuid4().hex}"
        admin_api.post("/users", json={"username": username, "password": password, "roles": [role]}).raise_for_status()
        made[role] = Caller(role, bearer(login(gateway, username, password)), username, password)
    for key in KEYS:
        created = admin_api.post("/keys", json={"name": f"matrix {key}", "scopes": [key.split(":")[1]]})
        created.raise_for_status()
        made[key] = Caller(key, {"X-API-Key": created.json()["key"]})
    return made


def test_every_route_has_a_policy_row_and_every_row_an_expectation():
    rows = {(rule.method, rule.template) for rule in POLICY}
    assert sorted(rows - set(EXPECTED)) == [], "policy rows without an expectation in EXPECTED"
    assert sorted(set(EXPECTED) - rows) == [], "expectations for routes the policy table does not have"
    for service, routers in ROUTERS.items():
        unrouted = [
            f"{method} {path}"
            for method, path in service_routes(routers)
            if (rule := DEFAULT_POLICY.match(method, sample(path)).rule) is None or rule.target != service
        ]
        assert unrouted == [], f"routes of {service} without a policy row"
    from gateway.api import router as accounts_router
    from gateway.calendar_api import router as calendar_router
    from gateway.views import router as views_router

    own = [
        f"{method} {path}"
        for method, path in service_routes([accounts_router, calendar_router, views_router])
        if (rule := DEFAULT_POLICY.match(method, sample(path)).rule) is None or rule.target != GATEWAY
    ]
    assert own == [], "the gateway's own API routes without a policy row"
    unowned = sorted(
        f"{rule.method} {rule.template}"
        for rule in POLICY
        if owned(rule)
        and (rule.method, rule.template) not in {(c.method, c.template) for c in RELATION_CASES}
        and (rule.method, rule.template) not in NOT_OWNED
    )
    assert unowned == [], "routes to owned or restricted data without a relation case (tests/attack/relations.py)"


def test_every_route_answers_every_caller_as_expected(attack_system, callers):
    gateway = attack_system["gateway"]
    wrong, cases = [], 0
    started = time.monotonic()
    with httpx.Client(base_url=gateway, timeout=30) as client:
        for rule in POLICY:
            allowed = EXPECTED[(rule.method, rule.template)]
            for name in CALLERS:
                caller = callers[name]
                spec = request_for(rule)
                headers = {**spec.pop("headers", {})}
                headers |= caller.fresh_session(gateway) if rule.template == "/auth/logout" else caller.headers
                response = client.request(rule.method, concrete(rule), headers=headers, **spec)
                cases += 1
                status = response.status_code
                problem = response.json() if response.headers.get("content-type") == "application/problem+json" else {}
                if status >= 500 or problem.get("title") == "No such route":
                    verdict = "broken"
                elif name in allowed:
                    verdict = "ok" if status not in (401, 403) or rule.template == "/auth/token" else "refused"
                elif name == ANONYMOUS:
                    verdict = "ok" if status == 401 else "let in"
                else:
                    verdict = "ok" if status == 403 else "let in"
                if verdict != "ok":
                    wrong.append(f"{rule.method} {rule.template} as {name}: {status} ({verdict}) {response.text[:160]}")
    print(
        f"\nauthorization: {cases} role cases ({len(POLICY)} routes x {len(CALLERS)} callers) "
        f"in {time.monotonic() - started:.0f} s"
    )
    assert wrong == []


def test_owned_and_restricted_data_answers_owner_insider_and_outsider_as_expected(attack_system, admin_api, callers):
    relations = Relations.seed(
        attack_system["gateway"], admin_api, callers, engagements_database=attack_system["databases"]["engagements"]
    )
    wrong, cases = [], 0
    started = time.monotonic()
    for case in RELATION_CASES:
        for relation, expected in case.expected.items():
            cases += 1
            outcome = case.run(relations, relation)
            if outcome != expected:
                wrong.append(f"{case.method} {case.template} ({case.what}) as {relation}: {outcome}, not {expected}")
    relations.client.close()
    print(f"\nauthorization: {cases} owner/insider/outsider cases in {time.monotonic() - started:.0f} s")
    assert wrong == []
