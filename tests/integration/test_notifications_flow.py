"""Notifications end to end: events on the real broker → the notifications process (real
PostgreSQL) → inbox, an email in a real SMTP server, a signed webhook at a local receiver.

Engagement events are produced to liaison.engagements.v1 the way the engagements relay does (its
POST and read endpoints arrive with the engagements issue); a restricted engagement's details come
from an in-process stand-in of the engagements service, served over HTTP. REST calls go straight to
the notifications service with a signed identity (tests.support.identity); one test checks that the
gateway routes the notifications paths for a logged-in user and applies its role policy.
"""

import json
import time
import uuid

import httpx
import pytest

from services.kit.identity import Caller
from services.notifications.channels.webhook import verify
from services.notifications.tests import factories as f
from services.notifications.tests.stubs import engagements_stub
from tests.contract.schemas import validator
from tests.support.gateway import start_gateway, user_headers
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs
from tests.support.processes import ServiceProcess
from tests.support.servers import ThreadedServer
from tests.support.smtp import SmtpSink
from tests.support.topics import produce, read_topic
from tests.support.webhooks import LOOPBACK_RECEIVERS, WebhookReceiver

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]
TOPIC = "liaison.engagements.v1"
HOOK_SECRET = "e2e-webhook-secret-0123456789"
INTEGRATION = Caller("bi-e2e@example.test", frozenset({"integration"}))


@pytest.fixture(scope="module")
def stack(kafka_broker, pg_cluster, tmp_path_factory):
    logs = tmp_path_factory.mktemp("notifications-logs")
    smtp, receiver = SmtpSink().start(), WebhookReceiver().start()
    restricted: dict[str, dict] = {}
    engagements = ThreadedServer(engagements_stub(restricted, secret=TEST_IDENTITY_SECRET)).start()
    prefix = "LIAISON_NOTIFICATIONS_"
    env = {
        prefix + "DATABASE_URL": pg_cluster.create_database(f"e2e_notifications_{uuid.uuid4().hex[:6]}"),
        **kafka_broker.service_env("notifications"),
        prefix + "ENVIRONMENT": "test",
        prefix + "IDENTITY_SECRET": TEST_IDENTITY_SECRET,
        prefix + "SMTP_HOST": "127.0.0.1",
        prefix + "SMTP_PORT": str(smtp.port),
        prefix + "ENGAGEMENTS_URL": engagements.url,
        prefix + "RETRY_BASE_SECONDS": "0.2",
        prefix + "DISPATCH_IDLE_SECONDS": "0.05",
        prefix + "RELAY_IDLE_SECONDS": "0.2",
        prefix + "WEBHOOK_TIMEOUT_SECONDS": "2",
        **LOOPBACK_RECEIVERS,
    }
    service = ServiceProcess("notifications", env=env, log_dir=logs).start().wait_ready()
    # Only notifications runs here, so the gateway is waited for on /healthz, not /readyz.
    gateway = start_gateway({"notifications": service.url}, f"sqlite:///{logs}/gateway.db", logs, wait="/healthz")
    yield {
        "service": service,
        "gateway": gateway,
        "smtp": smtp,
        "receiver": receiver,
        "restricted": restricted,
        "kafka": kafka_broker.connection(),
    }
    for process in (gateway, service):
        process.stop()
    engagements.stop()
    receiver.stop()
    smtp.stop()


def api(stack, caller: Caller) -> httpx.Client:
    return httpx.Client(base_url=stack["service"].url, auth=SignedAs(caller), timeout=10)


def officer(name: str, roles=("officer",)) -> Caller:
    return Caller(f"{name}-{uuid.uuid4().hex[:6]}@example.test", frozenset(roles))


def follow(stack, caller: Caller, partner, channels=("inbox", "email"), email=True):
    with api(stack, caller) as client:
        if email:
            assert (
                client.put(
                    "/api/v1/notifications/preferences",
                    json={"email": caller.user.replace("@example.test", "@mail.test"), "language": "fr"},
                ).status_code
                == 200
            )
        created = client.post(
            "/api/v1/subscriptions", json={"kind": "partner", "target": str(partner), "channels": list(channels)}
        )
        assert created.status_code == 201, created.text


def register_webhook(stack, path: str, event_types=("liaison.engagement.logged",)) -> dict:
    with api(stack, INTEGRATION) as client:
        created = client.post(
            "/api/v1/webhooks",
            json={"url": stack["receiver"].url + path, "secret": HOOK_SECRET, "event_types": list(event_types)},
        )
        assert created.status_code == 201, created.text
        return created.json()


def publish(stack, event) -> None:
    produce(stack["kafka"], TOPIC, key=event.subject.encode(), value=event.to_json().encode())


def inbox_of(stack, caller: Caller, *, expect: int = 1, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    with api(stack, caller) as client:
        while True:
            inbox = client.get("/api/v1/notifications").json()
            if inbox["total"] >= expect or time.monotonic() > deadline:
                return inbox
            time.sleep(0.05)


def test_an_engagement_about_a_followed_partner_reaches_inbox_email_and_a_signed_webhook(stack):
    partner, ana = uuid.uuid4(), officer("ana")
    follow(stack, ana, partner)
    path = f"/e2e-{uuid.uuid4().hex[:8]}"
    hook = register_webhook(stack, path)
    event = f.engagement_event(f.engagement(partner_ids=[partner], title="Mission économique"))

    publish(stack, event)

    inbox = inbox_of(stack, ana)
    assert inbox["total"] == 1 and inbox["unread"] == 1
    assert inbox["items"][0]["title"] == "Rencontre consignée : Mission économique"
    [mail] = stack["smtp"].wait_for(ana.user.replace("@example.test", "@mail.test"))
    assert mail.message["Subject"] == "Rencontre consignée : Mission économique"
    assert "Mission économique" in mail.part("plain") and "<h1>" in mail.part("html")
    [request] = stack["receiver"].wait_for(path)
    verify(request.headers["liaison-signature"], request.body, secret=HOOK_SECRET)
    assert json.loads(request.body) == json.loads(event.to_json()), "the CloudEvent as published"

    with api(stack, Caller("admin-e2e@example.test", frozenset({"admin"}))) as admin:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            log = [
                d
                for d in admin.get("/api/v1/deliveries", params={"trigger_id": event.id}).json()["items"]
                if d["recipient"] in (ana.user, f"webhook:{hook['id']}")
            ]  # other tests' webhooks listen too
            if len(log) == 3 and all(d["status"] == "sent" for d in log):
                break
            time.sleep(0.05)
    assert sorted((d["channel"], d["recipient"]) for d in log) == sorted(
        [("inbox", ana.user), ("email", ana.user), ("webhook", f"webhook:{hook['id']}")]
    )
    assert all(d["status"] == "sent" for d in log)

    ids = {d["id"] for d in log}
    sent = read_topic(
        stack["kafka"],
        "liaison.notifications.v1",
        expect=3,
        match=lambda r: r.key is not None and r.key.decode() in ids,
    )
    assert {r.key.decode() for r in sent} == ids
    for record in sent:
        document = json.loads(record.value)
        validator(document["dataschema"]).validate(document)


def test_a_receiver_that_fails_twice_then_succeeds_gets_exactly_one_successful_delivery(stack):
    path = f"/flaky-{uuid.uuid4().hex[:8]}"
    stack["receiver"].scripts[path] = [500, 502]
    hook = register_webhook(stack, path)
    event = f.engagement_event(f.engagement())

    publish(stack, event)

    stack["receiver"].wait_for(path, count=1, ok_only=True)
    time.sleep(1.0)  # room for a wrong extra attempt to show up
    assert [r.answered for r in stack["receiver"].at(path)] == [500, 502, 200]
    assert len({r.headers["liaison-delivery"] for r in stack["receiver"].at(path)}) == 1
    with api(stack, INTEGRATION) as client:
        [delivery] = client.get(
            "/api/v1/deliveries", params={"trigger_id": event.id, "recipient": f"webhook:{hook['id']}"}
        ).json()["items"]
        detail = client.get(f"/api/v1/deliveries/{delivery['id']}").json()
    assert detail["status"] == "sent" and detail["attempts"] == 3
    assert [(a["ok"], a["status_code"]) for a in detail["log"]] == [(False, 500), (False, 502), (True, 200)]


def test_a_restricted_engagement_reaches_only_its_officers_through_the_engagements_service(stack):
    partner, on_it, curious = uuid.uuid4(), officer("on-it"), officer("curious")
    follow(stack, on_it, partner, channels=("inbox",), email=False)
    follow(stack, curious, partner, channels=("inbox", "email"))
    data = f.engagement(
        partner_ids=[partner], confidentiality="restricted", officers=[on_it.user], title="Négociation confidentielle"
    )
    stack["restricted"][data["id"]] = data

    publish(stack, f.restricted_event(data))

    assert inbox_of(stack, on_it)["items"][0]["title"] == "Rencontre consignée : Négociation confidentielle"
    # The same event was handled in one transaction: had the curious officer been told, it would show now.
    assert inbox_of(stack, curious, expect=0)["total"] == 0
    assert stack["smtp"].to(curious.user.replace("@example.test", "@mail.test")) == []


def test_malformed_events_go_to_the_dead_letter_topic_and_the_service_goes_on(stack):
    partner, ana = uuid.uuid4(), officer("dlq")
    follow(stack, ana, partner, channels=("inbox",), email=False)
    marker = uuid.uuid4().hex
    key = str(partner).encode()  # one key: one partition, so these come in this order
    produce(stack["kafka"], TOPIC, key=key, value=f"not an event {marker}".encode())
    unusable = f.engagement_event(f.engagement(partner_ids=[partner], confidentiality="top-secret", title=marker))
    produce(stack["kafka"], TOPIC, key=key, value=unusable.to_json().encode())
    good = f.engagement_event(f.engagement(partner_ids=[partner]))
    produce(stack["kafka"], TOPIC, key=key, value=good.to_json().encode())

    assert inbox_of(stack, ana)["items"][0]["subject_id"] == good.data["id"]
    letters = read_topic(
        stack["kafka"], TOPIC + ".dlq", expect=2, match=lambda r: r.value is not None and marker.encode() in r.value
    )
    assert sorted(dict(r.headers)["dlq.error.type"] for r in letters) == [b"MalformedEvent", b"RejectedEvent"]
    assert all(dict(r.headers)["dlq.consumer"] == b"notifications" for r in letters)
    assert httpx.get(stack["service"].url + "/readyz").status_code == 200


def test_the_gateway_routes_the_notifications_paths_to_the_service(stack):
    gateway = stack["gateway"]
    officer = user_headers(gateway.url, "officer@example.test", {"officer"})
    response = httpx.get(gateway.url + "/api/v1/notifications", headers=officer)
    assert response.status_code == 200
    assert set(response.json()) == {"items", "next_cursor", "total", "unread"}
    deliveries = httpx.get(gateway.url + "/api/v1/deliveries", headers=officer)
    assert deliveries.status_code == 403, "the delivery log is for admins and integrations"
    assert deliveries.headers["content-type"] == "application/problem+json"
