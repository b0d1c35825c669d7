"""The REST surface: subscriptions, preferences, the inbox, webhooks and the delivery log."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from services.kit.identity import Caller
from services.notifications.app import create_app
from services.notifications.models import Delivery, KnownPartner, Notification, Recipient, Subscription, Webhook
from services.notifications.tests.conftest import ADMIN, INTEGRATION, OFFICER, as_
from tests.support.apps import service_client

PARTNER = str(uuid.uuid4())
FOLLOW = {"kind": "partner", "target": PARTNER, "channels": ["inbox", "email"]}
HOOK = {
    "url": "https://bi.example.test/hooks",
    "secret": "a-secret-of-16-chars+",
    "event_types": ["liaison.engagement.logged"],
}


def count(engine, model, *where) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


# --- subscriptions ------------------------------------------------------------------------------------


def has_email(client):
    assert client.put("/api/v1/notifications/preferences", json={"email": "ana@mail.test"}).status_code == 200


def test_an_officer_follows_a_partner_and_lists_and_unfollows(client, notifications_engine):
    has_email(client)
    created = client.post("/api/v1/subscriptions", json=FOLLOW)
    assert created.status_code == 201
    body = created.json()
    assert body | {"id": None, "created_at": None} == FOLLOW | {
        "rhythm": "immediate",
        "user": OFFICER.user,
        "id": None,
        "created_at": None,
        "target_label": None,
    }
    assert created.headers["location"] == f"/api/v1/subscriptions/{body['id']}"
    with Session(notifications_engine) as session:
        assert session.get(Recipient, OFFICER.user).roles == ["officer"], "the roles are kept for restricted checks"

    listed = client.get("/api/v1/subscriptions").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"] and listed["next_cursor"] is None
    assert client.delete(f"/api/v1/subscriptions/{body['id']}").status_code == 204
    assert client.get("/api/v1/subscriptions").json()["total"] == 0


def test_following_the_same_thing_twice_is_a_conflict(client):
    has_email(client)
    client.post("/api/v1/subscriptions", json=FOLLOW)
    again = client.post("/api/v1/subscriptions", json=FOLLOW)
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"


def test_following_by_email_without_an_address_on_file_is_refused(client, notifications_engine):
    refused = client.post("/api/v1/subscriptions", json=FOLLOW)
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["title"] == "No e-mail address" and "preferences" in refused.json()["detail"]
    assert count(notifications_engine, Subscription) == 0
    by_inbox = client.post("/api/v1/subscriptions", json=FOLLOW | {"channels": ["inbox"]})
    assert by_inbox.status_code == 201, "the inbox needs no address"


def test_following_by_email_while_email_is_switched_off_is_refused(settings, notifications_engine, clock):
    off = settings.model_copy(update={"smtp_host": None})
    with service_client(create_app, off, caller=OFFICER, engine=notifications_engine, clock=clock) as client:
        has_email(client)
        refused = client.post("/api/v1/subscriptions", json=FOLLOW)
        assert refused.status_code == 422 and refused.json()["title"] == "E-mail unavailable"
        assert count(notifications_engine, Subscription) == 0


def test_listed_subscriptions_name_what_they_follow(client, notifications_engine):
    with Session(notifications_engine) as session:
        session.add(KnownPartner(id=uuid.UUID(PARTNER), name_fr="Bavière", name_en="Bavaria", version=1))
        session.commit()
    unknown = str(uuid.uuid4())
    for kind, target in (
        ("partner", PARTNER),
        ("partner", unknown),
        ("thrust", "trade"),
        ("region", "europe"),
        ("engagement_type", "call"),
    ):
        body = {"kind": kind, "target": target, "channels": ["inbox"]}
        assert client.post("/api/v1/subscriptions", json=body).status_code == 201
    labels = {s["target"]: s["target_label"] for s in client.get("/api/v1/subscriptions").json()["items"]}
    assert labels[PARTNER] == {"fr": "Bavière", "en": "Bavaria"}
    assert labels[unknown] is None, "a partner not heard of yet has no name to show"
    assert labels["trade"]["fr"] and labels["trade"]["en"] and labels["trade"]["fr"] != "trade"
    assert labels["europe"] == {"fr": "Europe", "en": "Europe"}
    assert labels["call"] == {"fr": "Appel", "en": "Call"}


def test_subscriptions_are_listed_by_pages_and_filtered(client):
    for code in ("trade", "culture", "security", "climate"):
        assert (
            client.post(
                "/api/v1/subscriptions", json={"kind": "thrust", "target": code, "channels": ["inbox"]}
            ).status_code
            == 201
        ), code
    client.post("/api/v1/subscriptions", json={"kind": "region", "target": "europe", "channels": ["inbox"]})
    first = client.get("/api/v1/subscriptions", params={"kind": "thrust", "limit": 3}).json()
    assert first["total"] == 4 and len(first["items"]) == 3 and first["next_cursor"]
    rest = client.get(
        "/api/v1/subscriptions", params={"kind": "thrust", "limit": 3, "cursor": first["next_cursor"]}
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert {i["target"] for i in first["items"] + rest["items"]} == {"trade", "culture", "security", "climate"}
    assert client.get("/api/v1/subscriptions", params={"cursor": "garbage!"}).status_code == 400


def test_one_cannot_see_or_delete_another_users_subscription(client):
    has_email(client)
    mine = client.post("/api/v1/subscriptions", json=FOLLOW).json()
    as_(client, Caller("someone@example.test", frozenset({"officer"})))
    assert client.get("/api/v1/subscriptions").json()["total"] == 0
    assert client.delete(f"/api/v1/subscriptions/{mine['id']}").status_code == 404


def test_integrations_do_not_subscribe(client):
    response = as_(client, INTEGRATION).post("/api/v1/subscriptions", json=FOLLOW)
    assert response.status_code == 403 and "roles" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        FOLLOW | {"kind": "planet"},
        FOLLOW | {"target": "not-a-uuid"},
        FOLLOW | {"channels": []},
        FOLLOW | {"channels": ["pigeon"]},
        FOLLOW | {"rhythm": "hourly"},
        {"kind": "thrust", "target": "trade.nothing", "channels": ["inbox"]},
        {"kind": "region", "target": "mars", "channels": ["inbox"]},
        {"kind": "engagement_type", "target": "party", "channels": ["inbox"]},
    ],
)
def test_bad_subscriptions_are_422_and_write_nothing(client, notifications_engine, body):
    response = client.post("/api/v1/subscriptions", json=body)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert count(notifications_engine, Subscription) == 0


def test_a_malformed_subscription_id_is_422(client):
    assert client.delete("/api/v1/subscriptions/xyz").status_code == 422


# --- preferences --------------------------------------------------------------------------------------


def test_preferences_default_to_french_without_email_and_can_be_set(client):
    assert client.get("/api/v1/notifications/preferences").json() | {"updated_at": None} == {
        "user": OFFICER.user,
        "email": None,
        "language": "fr",
        "timezone": None,
        "updated_at": None,
    }
    put = client.put("/api/v1/notifications/preferences", json={"email": " ana@mail.test ", "language": "en"})
    assert put.status_code == 200 and put.json()["email"] == "ana@mail.test"
    assert client.get("/api/v1/notifications/preferences").json()["language"] == "en"


def test_a_reader_chooses_the_time_zone_of_their_notifications(client):
    put = client.put("/api/v1/notifications/preferences", json={"language": "fr", "timezone": "Europe/Paris"})
    assert put.status_code == 200 and put.json()["timezone"] == "Europe/Paris"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "nope"},
        {"language": "de"},
        {"email": "a@b"},
        {"timezone": "Mars/Olympus"},
        {"timezone": "../../etc/passwd"},
        {"timezone": "America"},
    ],
)
def test_bad_preferences_are_422_and_change_nothing(client, notifications_engine, body):
    assert client.put("/api/v1/notifications/preferences", json=body).status_code == 422
    assert count(notifications_engine, Recipient) == 0


# --- the inbox ----------------------------------------------------------------------------------------


def add_notifications(engine, clock, user, n):
    with Session(engine) as session:
        for i in range(n):
            session.add(
                Notification(
                    user=user,
                    trigger_id=f"t{i}-{uuid.uuid4()}",
                    kind="engagement",
                    event_type="liaison.engagement.logged",
                    subject_id="s",
                    title=f"N{i}",
                    body="",
                    created_at=clock() + timedelta(minutes=i),
                )
            )
        session.commit()


def test_the_inbox_is_mine_newest_first_with_an_unread_count(client, notifications_engine, clock):
    add_notifications(notifications_engine, clock, OFFICER.user, 3)
    add_notifications(notifications_engine, clock, "other@example.test", 2)

    inbox = client.get("/api/v1/notifications").json()
    assert [i["title"] for i in inbox["items"]] == ["N2", "N1", "N0"]
    assert inbox["total"] == 3 and inbox["unread"] == 3

    read = client.post(f"/api/v1/notifications/{inbox['items'][0]['id']}/read")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    after = client.get("/api/v1/notifications").json()
    assert after["unread"] == 2
    assert [i["title"] for i in client.get("/api/v1/notifications", params={"unread": True}).json()["items"]] == [
        "N1",
        "N0",
    ]
    assert client.post("/api/v1/notifications/read-all").json() == {"marked_read": 2}
    assert client.get("/api/v1/notifications").json()["unread"] == 0


def test_the_inbox_pages_by_cursor(client, notifications_engine, clock):
    add_notifications(notifications_engine, clock, OFFICER.user, 5)
    first = client.get("/api/v1/notifications", params={"limit": 2}).json()
    second = client.get("/api/v1/notifications", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    third = client.get("/api/v1/notifications", params={"limit": 2, "cursor": second["next_cursor"]}).json()
    assert [i["title"] for i in first["items"] + second["items"] + third["items"]] == ["N4", "N3", "N2", "N1", "N0"]
    assert third["next_cursor"] is None


def test_someone_elses_notification_cannot_be_marked_read(client, notifications_engine, clock):
    add_notifications(notifications_engine, clock, "other@example.test", 1)
    with Session(notifications_engine) as session:
        other = session.execute(select(Notification)).scalar_one()
    assert client.post(f"/api/v1/notifications/{other.id}/read").status_code == 404
    assert client.post("/api/v1/notifications/not-an-id/read").status_code == 422
    assert client.get("/api/v1/notifications", params={"limit": 0}).status_code == 422


# --- webhooks -----------------------------------------------------------------------------------------


def test_integrations_register_list_and_remove_webhooks_and_never_see_the_secret(client):
    as_(client, INTEGRATION)
    created = client.post("/api/v1/webhooks", json=HOOK)
    assert created.status_code == 201 and "secret" not in created.json()
    assert created.json()["owner"] == INTEGRATION.user
    assert [h["id"] for h in client.get("/api/v1/webhooks").json()["items"]] == [created.json()["id"]]
    assert as_(client, ADMIN).get("/api/v1/webhooks").json()["total"] == 1, "admins see every webhook"
    assert as_(client, INTEGRATION).delete(f"/api/v1/webhooks/{created.json()['id']}").status_code == 204
    assert client.get("/api/v1/webhooks").json()["total"] == 0
    assert client.delete(f"/api/v1/webhooks/{created.json()['id']}").status_code == 404


def test_officers_do_not_manage_webhooks(client):
    assert client.post("/api/v1/webhooks", json=HOOK).status_code == 403
    assert client.get("/api/v1/webhooks").status_code == 403


def test_one_integration_cannot_remove_anothers_webhook(client):
    hook = as_(client, INTEGRATION).post("/api/v1/webhooks", json=HOOK).json()
    other = Caller("archives@example.test", frozenset({"integration"}))
    assert as_(client, other).delete(f"/api/v1/webhooks/{hook['id']}").status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"url": "ftp://x.test/"},
        {"url": "not a url"},
        {"secret": "short"},
        {"event_types": []},
        {"event_types": ["liaison.partner.created"]},
    ],
)
def test_bad_webhooks_are_422_and_write_nothing(client, notifications_engine, change):
    assert as_(client, ADMIN).post("/api/v1/webhooks", json=HOOK | change).status_code == 422
    assert count(notifications_engine, Webhook) == 0


# --- the delivery log ---------------------------------------------------------------------------------


def add_delivery(engine, clock, *, recipient, status="failed", channel="webhook") -> Delivery:
    with Session(engine, expire_on_commit=False) as session:
        delivery = Delivery(
            trigger_id=str(uuid.uuid4()),
            trigger_type="liaison.engagement.logged",
            recipient=recipient,
            channel=channel,
            status=status,
            payload="{}",
            attempts=5,
            created_at=clock(),
        )
        session.add(delivery)
        session.commit()
        return delivery


def test_admins_read_the_delivery_log_and_replay_a_failed_delivery(client, notifications_engine, clock):
    failed = add_delivery(notifications_engine, clock, recipient="webhook:x")
    add_delivery(notifications_engine, clock, recipient="ana@example.test", status="sent", channel="inbox")
    as_(client, ADMIN)

    log = client.get("/api/v1/deliveries").json()
    assert log["total"] == 2
    assert client.get("/api/v1/deliveries", params={"status": "failed"}).json()["items"][0]["id"] == str(failed.id)
    detail = client.get(f"/api/v1/deliveries/{failed.id}").json()
    assert detail["status"] == "failed" and detail["log"] == []

    replayed = client.post(f"/api/v1/deliveries/{failed.id}/replay")
    assert replayed.status_code == 202
    assert replayed.json()["status"] == "pending" and replayed.json()["attempts"] == 0
    again = client.post(f"/api/v1/deliveries/{failed.id}/replay")
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"


def test_integrations_see_only_their_own_webhooks_deliveries(client, notifications_engine, clock):
    hook = as_(client, INTEGRATION).post("/api/v1/webhooks", json=HOOK).json()
    theirs = add_delivery(notifications_engine, clock, recipient=f"webhook:{hook['id']}")
    someone_elses = add_delivery(notifications_engine, clock, recipient="webhook:other")
    assert [d["id"] for d in client.get("/api/v1/deliveries").json()["items"]] == [str(theirs.id)]
    assert client.post(f"/api/v1/deliveries/{someone_elses.id}/replay").status_code == 404
    assert client.post(f"/api/v1/deliveries/{theirs.id}/replay").status_code == 202


def test_officers_do_not_read_the_delivery_log(client):
    assert client.get("/api/v1/deliveries").status_code == 403


def test_bad_delivery_queries_are_422(client):
    as_(client, ADMIN)
    assert client.get("/api/v1/deliveries", params={"status": "lost"}).status_code == 422
    assert client.get("/api/v1/deliveries", params={"channel": "fax"}).status_code == 422
    assert client.post("/api/v1/deliveries/nope/replay").status_code == 422
    assert client.get("/healthz").json() == {"status": "ok"}
