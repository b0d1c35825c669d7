"""The owner / insider / outsider half of the authorization matrix: real data with an owner, and what
each relation to it must get.

`Relations.seed` makes, through the gateway: a partner; a restricted engagement logged by an officer
(the owner) who lists a second officer (an insider), with a follow-up; the owner's subscription and an
inbox notification (from an engagement a third officer, the outsider, logs about the partner); a
webhook of an API key. Each `RelationCase` names a policy route, a relation per caller and what that
caller must get: an HTTP status, or `seen` / `unseen` for a list or document that must (not) hold the
restricted engagement.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from gateway.policy import Rule
from tests.support.gateway import bearer, login
from tests.support.people import wait_until_known

OWNER, INSIDER, OUTSIDER = "owner", "insider", "outsider"
SEEN, UNSEEN = "seen", "unseen"
# Everyone who must not learn of a restricted engagement, and everyone who must.
INSIDERS = {OWNER: 200, INSIDER: 200, "admin": 200}
OUTSIDERS = {OUTSIDER: 404, "viewer": 404, "integration": 404, "key:read": 404}


def owned(rule: Rule) -> bool:
    """Routes that reach data with an owner or a confidentiality: each needs a relation case."""
    template = rule.template
    prefixes = ("/engagements/{id}", "/follow-ups/{id}", "/subscriptions/{id}", "/notifications/{id}")
    prefixes += ("/webhooks/{id}", "/deliveries/{id}", "/calendar/")
    return template.startswith(prefixes) or template in (
        "/partners/{id}/history",
        "/partners/{id}/overview",
        "/partners/{id}/briefing",
    )


# Owned routes with no relation case here, and why.
NOT_OWNED = {
    ("GET", "/deliveries/{id}"): "a delivery needs a webhook call; notifications' tests hold deliveries to "
    "their webhook's owner (services/notifications/tests)",
    ("POST", "/deliveries/{id}/replay"): "as GET /deliveries/{id}",
    ("GET", "/calendar/feeds"): "lists the caller's own addresses only (gateway/tests/test_calendar_feeds.py)",
    ("POST", "/calendar/feeds"): "makes an address for the caller only",
    ("DELETE", "/calendar/feeds/{id}"): "another person's address is a 404 (gateway/tests/test_calendar_feeds.py)",
    ("GET", "/calendar/feeds/{secret}.ics"): "reads its own person's calendar as a viewer: the engagements "
    "service's rules apply as to GET /calendar/{officer}.ics (gateway/tests/test_calendar_feeds.py)",
    ("POST", "/engagements/{id}/confirm"): "only a draft's author may confirm it, anyone else gets 404 "
    "(services/engagements/tests/test_mail_in.py); the seed holds no draft (drafts come by e-mail)",
}


@dataclass
class Relations:
    gateway: str
    headers: dict[str, dict[str, str]]  # relation or caller name -> credential headers
    names: dict[str, str]  # relation -> username
    partner_id: str = ""
    engagement: dict = field(default_factory=dict)
    follow_up: dict = field(default_factory=dict)
    attachment: dict = field(default_factory=dict)
    notification_id: str = ""
    webhook_id: str = ""
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))  # one pool for every call

    def call(self, relation: str, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {**self.headers[relation], **kwargs.pop("headers", {})}
        return self.client.request(method, f"{self.gateway}/api/v1{path}", headers=headers, **kwargs)

    def new_engagement(self, relation: str = OWNER, **fields) -> dict:
        body = {
            "type": "meeting",
            "title": f"Matrix {uuid.uuid4().hex[:10]}",
            "starts_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
            "partner_ids": [self.partner_id],
            "thrusts": ["trade.investment"],
            "confidentiality": "restricted",
            "officers": [self.names[INSIDER]],
            **fields,
        }
        answer = self.call(relation, "POST", "/engagements", json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def attach(self, relation: str = OWNER) -> dict:
        """A file on the restricted engagement (a new one each time)."""
        answer = self.call(
            relation,
            "POST",
            f"/engagements/{self.engagement['id']}/attachments",
            files={"file": ("minutes.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")},
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    @classmethod
    def seed(cls, gateway: str, admin_api: httpx.Client, callers: dict, *, engagements_database: str) -> Relations:
        headers = {name: caller.headers for name, caller in callers.items()}
        names = {}
        for relation in (OWNER, INSIDER, OUTSIDER):
            username, password = f"matrix-{relation}-{uuid.uuid4().hex[:6]}", f"pw-{uuid.uuid4().hex}"
            made = admin_api.post("/users", json={"username": username, "password": password, "roles": ["officer"]})
            made.raise_for_status()
            headers[relation], names[relation] = bearer(login(gateway, username, password)), username
        wait_until_known(engagements_database, *names.values())  # officers and assignees below
        seeded = cls(gateway, headers, names)
        partner = admin_api.post(
            "/partners", params={"allow_duplicate": "true"}, json={"kind": "ngo", "name_fr": "Matrice"}
        )
        assert partner.status_code == 201, partner.text
        seeded.partner_id = partner.json()["id"]
        seeded._wait(lambda: admin_api.get(f"/partners/{seeded.partner_id}/history").status_code == 200)
        follow = seeded.call(
            OWNER,
            "POST",
            "/subscriptions",
            json={"kind": "partner", "target": seeded.partner_id, "channels": ["inbox"]},
        )
        assert follow.status_code == 201, follow.text
        seeded.engagement = seeded.new_engagement()
        follow_up = seeded.call(
            OWNER,
            "POST",
            f"/engagements/{seeded.engagement['id']}/follow-ups",
            json={"description": "Send the minutes", "assignee": names[OWNER]},
        )
        assert follow_up.status_code == 201, follow_up.text
        seeded.follow_up = follow_up.json()
        seeded.attachment = seeded.attach()
        # The outsider's internal engagement about the partner reaches the owner's inbox (over Kafka).
        seeded.new_engagement(OUTSIDER, confidentiality="internal", officers=[])
        inbox = seeded._wait(lambda: seeded.call(OWNER, "GET", "/notifications").json()["items"])
        seeded.notification_id = inbox[0]["id"]
        seeded.webhook_id = _fresh_webhook(seeded)
        return seeded

    @staticmethod
    def _wait(fetch: Callable, timeout: float = 60.0):  # the notification rides Kafka: generous on a busy machine
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = fetch()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError("the system did not get there in time")


@dataclass
class RelationCase:
    method: str
    template: str
    what: str
    expected: dict[str, int | str]
    run: Callable[[Relations, str], int | str]


def status(response: httpx.Response) -> int:
    return response.status_code


def holds(text: str, response: httpx.Response) -> str:
    assert response.status_code == 200, response.text[:300]
    return SEEN if text in response.text else UNSEEN


def seen_by_insiders_only() -> dict[str, str]:
    return dict.fromkeys(INSIDERS, SEEN) | dict.fromkeys(OUTSIDERS, UNSEEN)


def _fresh_subscription(r: Relations) -> str:
    answer = r.call(
        OWNER, "POST", "/subscriptions", json={"kind": "engagement_type", "target": "visit", "channels": ["inbox"]}
    )
    if answer.status_code == 409:  # followed by an earlier case: a new one each time
        r.call(OWNER, "DELETE", f"/subscriptions/{answer.json()['subscription_id']}")
        return _fresh_subscription(r)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def _fresh_webhook(r: Relations) -> str:
    answer = r.call(
        "key:webhooks",
        "POST",
        "/webhooks",
        json={
            "url": "https://hooks.example.org/liaison",
            "secret": "matrix-webhook-secret-0123456789",
            "event_types": ["liaison.engagement.logged"],
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


ANY = {"If-Match": "*"}  # past the version check: what is tried is who may write, not what they read

RELATION_CASES = [
    RelationCase(
        "GET",
        "/engagements/{id}/audit",
        "the audit trail of a restricted engagement",
        # Integrations and keys never read an audit (the policy); people outside it never learn it exists.
        INSIDERS | {OUTSIDER: 404, "viewer": 404, "integration": 403, "key:read": 403},
        lambda r, who: status(r.call(who, "GET", f"/engagements/{r.engagement['id']}/audit")),
    ),
    RelationCase(
        "GET",
        "/engagements/{id}",
        "a restricted engagement",
        INSIDERS | OUTSIDERS,
        lambda r, who: status(r.call(who, "GET", f"/engagements/{r.engagement['id']}")),
    ),
    RelationCase(
        "GET",
        "/engagements/{id}/follow-ups",
        "the follow-ups of a restricted engagement",
        INSIDERS | OUTSIDERS,
        lambda r, who: status(r.call(who, "GET", f"/engagements/{r.engagement['id']}/follow-ups")),
    ),
    RelationCase(
        "GET",
        "/engagements/{id}/attachments",
        "the files of a restricted engagement",
        INSIDERS | OUTSIDERS,
        lambda r, who: status(r.call(who, "GET", f"/engagements/{r.engagement['id']}/attachments")),
    ),
    RelationCase(
        "GET",
        "/engagements/{id}/attachments/{attachment_id}",
        "a file of a restricted engagement, downloaded",
        INSIDERS | OUTSIDERS,
        lambda r, who: status(
            r.call(who, "GET", f"/engagements/{r.engagement['id']}/attachments/{r.attachment['id']}")
        ),
    ),
    RelationCase(
        "POST",
        "/engagements/{id}/attachments",
        "a file attached to a restricted engagement",
        {OUTSIDER: 404, INSIDER: 201, OWNER: 201},
        lambda r, who: status(
            r.call(
                who,
                "POST",
                f"/engagements/{r.engagement['id']}/attachments",
                files={"file": (f"by {who}.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")},
            )
        ),
    ),
    RelationCase(
        "DELETE",
        "/engagements/{id}/attachments/{attachment_id}",
        "a file of a restricted engagement deleted (a new one each time)",
        {OUTSIDER: 404, INSIDER: 204, OWNER: 204},
        lambda r, who: status(
            r.call(who, "DELETE", f"/engagements/{r.engagement['id']}/attachments/{r.attach()['id']}")
        ),
    ),
    RelationCase(
        "GET",
        "/follow-ups/{id}",
        "a follow-up of a restricted engagement",
        INSIDERS | OUTSIDERS,
        lambda r, who: status(r.call(who, "GET", f"/follow-ups/{r.follow_up['id']}")),
    ),
    RelationCase(
        "GET",
        "/engagements",
        "the list, searched for a restricted engagement's title",
        seen_by_insiders_only(),
        lambda r, who: holds(
            r.engagement["id"], r.call(who, "GET", "/engagements", params={"q": r.engagement["title"]})
        ),
    ),
    RelationCase(
        "GET",
        "/follow-ups",
        "every follow-up (a restricted engagement's among them)",
        seen_by_insiders_only(),
        lambda r, who: holds(r.follow_up["id"], r.call(who, "GET", "/follow-ups", params={"limit": 100})),
    ),
    RelationCase(
        "GET",
        "/partners/{id}/history",
        "the partner's history",
        seen_by_insiders_only(),
        lambda r, who: holds(r.engagement["id"], r.call(who, "GET", f"/partners/{r.partner_id}/history")),
    ),
    RelationCase(
        "GET",
        "/partners/{id}/overview",
        "the partner 360",
        seen_by_insiders_only(),
        lambda r, who: holds(r.engagement["id"], r.call(who, "GET", f"/partners/{r.partner_id}/overview")),
    ),
    RelationCase(
        "GET",
        "/partners/{id}/briefing",
        "the briefing note",
        seen_by_insiders_only(),
        lambda r, who: holds(r.engagement["title"], r.call(who, "GET", f"/partners/{r.partner_id}/briefing")),
    ),
    RelationCase(
        "GET",
        "/calendar/{officer}.ics",
        "the owner's calendar",
        seen_by_insiders_only(),
        lambda r, who: holds(r.engagement["title"], r.call(who, "GET", f"/calendar/{r.names[OWNER]}.ics")),
    ),
    RelationCase(
        "PATCH",
        "/engagements/{id}",
        "a summary written into a restricted engagement",
        {OUTSIDER: 404, INSIDER: 200, OWNER: 200, "admin": 200},
        lambda r, who: status(
            r.call(who, "PATCH", f"/engagements/{r.engagement['id']}", headers=ANY, json={"summary": f"by {who}"})
        ),
    ),
    RelationCase(
        "POST",
        "/engagements/{id}/follow-ups",
        "a follow-up added to a restricted engagement",
        {OUTSIDER: 404, INSIDER: 201, OWNER: 201},
        lambda r, who: status(
            r.call(
                who,
                "POST",
                f"/engagements/{r.engagement['id']}/follow-ups",
                json={"description": f"by {who}", "assignee": r.names[OWNER]},
            )
        ),
    ),
    RelationCase(
        "PATCH",
        "/follow-ups/{id}",
        "a follow-up of a restricted engagement, changed",
        {OUTSIDER: 404, INSIDER: 200, OWNER: 200},
        lambda r, who: status(
            r.call(who, "PATCH", f"/follow-ups/{r.follow_up['id']}", headers=ANY, json={"description": f"by {who}"})
        ),
    ),
    # Deleting by a listed officer is the rule issue 10 defect 2 changes (author or admin only): its own
    # branch tests it; here, the outsider and the author.
    RelationCase(
        "DELETE",
        "/engagements/{id}",
        "a restricted engagement deleted (a new one each time)",
        {OUTSIDER: 404, OWNER: 204, "admin": 204},
        lambda r, who: status(r.call(who, "DELETE", f"/engagements/{r.new_engagement()['id']}")),
    ),
    RelationCase(
        "POST",
        "/notifications/{id}/read",
        "the owner's notification marked read",
        {OUTSIDER: 404, "viewer": 404, OWNER: 200},
        lambda r, who: status(r.call(who, "POST", f"/notifications/{r.notification_id}/read")),
    ),
    RelationCase(
        "DELETE",
        "/subscriptions/{id}",
        "the owner's subscription (a new one each time)",
        {OUTSIDER: 404, INSIDER: 404, OWNER: 204},
        lambda r, who: status(r.call(who, "DELETE", f"/subscriptions/{_fresh_subscription(r)}")),
    ),
    RelationCase(
        "DELETE",
        "/webhooks/{id}",
        "a key's webhook (a new one each time)",
        {"integration": 404, "key:webhooks": 204, "admin": 204},
        lambda r, who: status(r.call(who, "DELETE", f"/webhooks/{_fresh_webhook(r)}")),
    ),
    RelationCase(
        "GET",
        "/webhooks",
        "the webhooks listed",
        {"integration": UNSEEN, "key:webhooks": SEEN, "admin": SEEN},
        lambda r, who: holds(r.webhook_id, r.call(who, "GET", "/webhooks")),
    ),
]
