"""The whole system as its users meet it: every process real (partners, engagements, notifications,
the gateway), the real broker, real PostgreSQL, a real SMTP server and a webhook receiver.

Officers log engagements through the gateway; the people who follow the partner hear about it by
the channels they chose, once; a restricted engagement reaches only those allowed to know, which the
notifications service learns by asking the real engagements service with its own identity.
"""

import json
import time
import uuid

import httpx
import pytest

from services.notifications.channels.webhook import verify
from tests.support.gateway import user_headers
from tests.support.people import wait_until_known
from tests.support.smtp import SmtpSink
from tests.support.system import SERVICES, start_system, stop_system
from tests.support.webhooks import WebhookReceiver

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]
HOOK_SECRET = "whole-system-webhook-secret-0123"


@pytest.fixture(scope="module")
def system(kafka_broker, pg_cluster, tmp_path_factory):
    smtp, receiver = SmtpSink().start(), WebhookReceiver().start()
    databases = {
        name: pg_cluster.create_database(f"system_{name}_{uuid.uuid4().hex[:6]}") for name in (*SERVICES, "gateway")
    }
    system = start_system(
        kafka=kafka_broker,
        database_urls=databases,
        logs=tmp_path_factory.mktemp("system-logs"),
        smtp_port=smtp.port,
    )
    yield system | {"smtp": smtp, "receiver": receiver, "databases": databases, "kafka": kafka_broker}
    stop_system(system)
    receiver.stop()
    smtp.stop()


def eventually(fetch, done, *, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def person(system, name: str) -> tuple[str, dict]:
    """A new officer, once the engagements service knows them (they may be named officer or assignee)."""
    user = f"{name}-{uuid.uuid4().hex[:6]}@mrif.example"
    headers = user_headers(system["gateway"], user, {"officer"})
    wait_until_known(system["databases"]["engagements"], user)
    return user, headers


def follow(system, headers: dict, user: str, partner_id: str) -> str:
    """Subscribes `user` to the partner by inbox and email; returns the address mail goes to."""
    address = user.replace("@mrif.example", "@mail.example")
    gateway = system["gateway"]
    assert (
        httpx.put(
            f"{gateway}/api/v1/notifications/preferences", headers=headers, json={"email": address, "language": "fr"}
        ).status_code
        == 200
    )
    subscribed = httpx.post(
        f"{gateway}/api/v1/subscriptions",
        headers=headers,
        json={"kind": "partner", "target": partner_id, "channels": ["inbox", "email"]},
    )
    assert subscribed.status_code == 201, subscribed.text
    return address


def inbox(system, headers: dict) -> dict:
    return httpx.get(f"{system['gateway']}/api/v1/notifications", headers=headers).json()


def new_partner(system, name_fr: str, name_en: str, country: str) -> str:
    gateway, admin = system["gateway"], system["admin"]
    partner = httpx.post(
        f"{gateway}/api/v1/partners",
        headers=admin,
        json={"kind": "federated_state", "name_fr": name_fr, "name_en": name_en, "country": country},
    ).json()
    history = eventually(
        lambda: httpx.get(f"{gateway}/api/v1/partners/{partner['id']}/history", headers=admin),
        lambda r: r.status_code == 200,
    )
    assert history.status_code == 200, "the partner reached engagements"
    return partner["id"]


def log(system, headers: dict, partner_id: str, title: str, **fields) -> dict:
    logged = httpx.post(
        f"{system['gateway']}/api/v1/engagements",
        headers=headers,
        json={
            "type": "meeting",
            "title": title,
            "starts_at": "2026-11-24T15:00:00+00:00",
            "partner_ids": [partner_id],
            "thrusts": ["trade.investment"],
            "summary": "Deux investisseurs intéressés.",
            **fields,
        },
    )
    assert logged.status_code == 201, logged.text
    return logged.json()


def test_an_engagement_logged_at_the_gateway_reaches_followers_by_inbox_email_and_signed_webhook(system):
    partner_id = new_partner(system, "Flandre", "Flanders", "BE")
    ana, ana_headers = person(system, "ana")
    _carl, carl_headers = person(system, "carl")
    address = follow(system, ana_headers, ana, partner_id)
    path = f"/hooks/{uuid.uuid4().hex[:8]}"
    hook = httpx.post(
        f"{system['gateway']}/api/v1/webhooks",
        headers=system["admin"],
        json={
            "url": system["receiver"].url + path,
            "secret": HOOK_SECRET,
            "event_types": ["liaison.engagement.logged"],
        },
    )
    assert hook.status_code == 201, hook.text

    engagement = log(system, carl_headers, partner_id, "Investissements flamands au Québec")

    mine = eventually(lambda: inbox(system, ana_headers), lambda box: box["total"] >= 1)
    assert mine["total"] == 1 and mine["unread"] == 1
    assert "Investissements flamands au Québec" in mine["items"][0]["title"]
    [mail] = system["smtp"].wait_for(address)
    assert "Investissements flamands au Québec" in mail.message["Subject"]
    assert "Investissements flamands au Québec" in mail.part("plain")
    [request] = system["receiver"].wait_for(path)
    verify(request.headers["liaison-signature"], request.body, secret=HOOK_SECRET)
    delivered = json.loads(request.body)
    assert delivered["type"] == "liaison.engagement.logged" and delivered["data"]["id"] == engagement["id"]
    assert inbox(system, carl_headers)["total"] == 0, "the author is not told about his own engagement"

    time.sleep(1.0)  # whatever Kafka or the dispatcher might repeat would have come by now
    assert inbox(system, ana_headers)["total"] == 1
    assert len(system["smtp"].to(address)) == 1
    assert len([hit for hit in system["receiver"].received if hit.path == path]) == 1


def test_a_restricted_engagement_reaches_only_followers_allowed_to_know(system):
    partner_id = new_partner(system, "Écosse", "Scotland", "GB")
    ana, ana_headers = person(system, "ana")
    dave, dave_headers = person(system, "dave")
    _carl, carl_headers = person(system, "carl")
    for user, headers in ((ana, ana_headers), (dave, dave_headers)):
        follow(system, headers, user, partner_id)

    log(system, carl_headers, partner_id, "Entretien confidentiel", confidentiality="restricted", officers=[dave])
    log(system, carl_headers, partner_id, "Rencontre ouverte", confidentiality="internal")

    daves = eventually(lambda: inbox(system, dave_headers), lambda box: box["total"] >= 2)
    titles = [item["title"] for item in daves["items"]]
    assert len(titles) == 2 and any("Entretien confidentiel" in title for title in titles), (
        "an officer on the restricted engagement hears of it"
    )
    eventually(lambda: inbox(system, ana_headers), lambda box: box["total"] >= 1)
    time.sleep(1.0)  # the restricted one, were it coming to her, would have come by now
    anas = inbox(system, ana_headers)
    assert [item["title"] for item in anas["items"] if "Entretien confidentiel" in item["title"]] == []
    assert anas["total"] == 1, "ana hears of the internal one only"


def test_a_user_created_at_the_gateway_reaches_the_directory_topic_and_the_services_copies(system):
    """The gateway's outbox and relay put the person on liaison.directory.v1, as its contract says;
    engagements and notifications keep them (kit/people.py), disabled once the admin disables them."""
    from sqlalchemy import create_engine, text

    from tests.contract.schemas import validator
    from tests.support.topics import read_topic

    username = f"lea-{uuid.uuid4().hex[:6]}"
    created = httpx.post(
        f"{system['gateway']}/api/v1/users",
        headers=system["admin"],
        timeout=30,
        json={
            "username": username,
            "password": "a long enough password",
            "roles": ["officer"],
            "display_name": "Léa Gagnon",
            "email": f"{username}@mrif.example",
            "language": "fr",
        },
    )
    assert created.status_code == 201, created.text
    person_id = created.json()["id"]
    disabled = httpx.patch(
        f"{system['gateway']}/api/v1/users/{username}",
        headers={**system["admin"], "If-Match": 'W/"1"'},
        json={"disabled": True},
        timeout=30,
    )
    assert disabled.status_code == 200, disabled.text

    records = read_topic(
        system["kafka"].connection(),
        "liaison.directory.v1",
        expect=2,
        match=lambda record: record.key == person_id.encode(),
    )
    events = [json.loads(record.value) for record in records]
    assert [e["type"] for e in events] == ["liaison.user.created", "liaison.user.disabled"]
    for event in events:
        assert [e.message for e in validator(event["dataschema"]).iter_errors(event)] == []
    assert events[0]["data"]["display_name"] == "Léa Gagnon"

    for service, table in (("engagements", "people"), ("notifications", "known_people")):
        engine = create_engine(system["databases"][service])
        try:

            def copy(engine=engine, table=table):
                with engine.connect() as connection:
                    query = text(f"SELECT display_name, disabled, version FROM {table} WHERE username = :u")  # noqa: S608
                    return connection.execute(query, {"u": username}).first()

            assert tuple(eventually(copy, lambda row: row is not None and row[2] == 2) or ()) == (
                "Léa Gagnon",
                True,
                2,
            ), service
        finally:
            engine.dispose()
