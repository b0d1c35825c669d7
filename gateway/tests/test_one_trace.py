"""One trace from the gateway to the consumer that handles the event: the gateway, the partners service
and the engagements service in-process, each with its own tracer provider (its service name) on one
in-memory exporter; the relay publishes to a recording producer whose messages the engagements
consumer then handles, as it would from Kafka."""

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.tests.conftest import bearer, token_for
from services.engagements.app import create_app as create_engagements_app
from services.engagements.settings import EngagementsSettings
from services.kit.db import make_engine
from services.kit.outbox import OutboxMessage
from services.kit.relay import OutboxRelay
from services.partners.app import create_app as create_partners_app
from services.partners.settings import PartnersSettings
from tests.support.databases import migrate
from tests.support.doubles import Record, RecordingProducer
from tests.support.identity import TEST_IDENTITY_SECRET
from tests.support.traces import record_spans, rows, table

OFFICER = bearer(token_for("officer"))
UNIT = {"environment": "test", "kafka_enabled": False, "identity_secret": TEST_IDENTITY_SECRET}


@pytest.fixture
def spans(monkeypatch):
    return record_spans(monkeypatch)


@pytest.fixture
def started(tmp_path):
    """`started(create_app, settings, "partners")` -> the app, its lifespan run, on its own migrated SQLite."""
    clients, engines = [], []

    def start(create_app, settings, service):
        engines.append(make_engine(migrate(service, f"sqlite:///{tmp_path}/{service}.db")))
        app = create_app(settings, engine=engines[-1])
        clients.append(TestClient(app).__enter__())
        return app

    yield start
    for client in clients:
        client.__exit__(None, None, None)
    for engine in engines:
        engine.dispose()


def test_a_partner_created_at_the_gateway_and_the_engagements_consumers_handling_share_one_trace(
    spans, started, make_gateway
):
    partners = started(create_partners_app, PartnersSettings(**UNIT), "partners")
    engagements = started(create_engagements_app, EngagementsSettings(**UNIT), "engagements")
    gateway = make_gateway({"partners": partners})

    created = gateway.post(
        "/api/v1/partners", json={"kind": "state", "name_fr": "Kenya", "country": "KE"}, headers=OFFICER
    )
    assert created.status_code == 201, created.text
    producer = RecordingProducer()
    relay = OutboxRelay(
        session_factory=partners.state.sessions,
        producer_factory=lambda: producer,
        tracer=partners.state.tracing.tracer("liaison.relay"),
    )
    assert relay.run_once() == 1
    [message] = producer.sent
    record = Record(value=message["value"], topic=message["topic"], key=message["key"])
    engagements.state.consumer.handle_batch({(message["topic"], 0): [record]})

    found = rows(spans.get_finished_spans())
    print("\n" + table(spans.get_finished_spans()))
    by_name = {(row.service, row.name): row for row in found}
    gateway_span = by_name[("liaison-gateway", "POST /api/v1/partners")]
    handling = by_name[("liaison-engagements", "process liaison.partner.created")]
    assert handling.trace_id == gateway_span.trace_id
    assert created.headers["traceparent"].split("-")[1] == gateway_span.trace_id
    assert json.loads(message["value"])["traceparent"].split("-")[1] == gateway_span.trace_id
    # Every span of the path is in that one trace, each under the one before it.
    service_span = by_name[("liaison-partners", "POST /api/v1/partners")]
    send = by_name[("liaison-partners", "send liaison.partners.v1")]
    assert {row.trace_id for row in found} == {gateway_span.trace_id}
    ids = {row.span_id: row for row in found}
    assert ids[service_span.parent].service == "liaison-gateway"  # the gateway's client call to the service
    assert send.parent == service_span.span_id and handling.parent == service_span.span_id
    partner_sql = [row for row in found if row.service == "liaison-partners" and row.name.startswith("INSERT")]
    assert partner_sql and all(ids[row.parent].service == "liaison-partners" for row in partner_sql)
    handler_sql = [row for row in found if row.service == "liaison-engagements" and row.parent == handling.span_id]
    assert handler_sql, "the handler's statements are children of the consumer's span"


@pytest.mark.parametrize("sdk", ["no exporter", "disabled"])
def test_without_an_exporter_the_callers_trace_still_reaches_the_event(started, make_gateway, monkeypatch, sdk):
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true" if sdk == "disabled" else "false")
    partners = started(create_partners_app, PartnersSettings(**UNIT), "partners")
    gateway = make_gateway({"partners": partners})
    incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    body = {"kind": "state", "name_fr": "Chili", "country": "CL"}
    created = gateway.post("/api/v1/partners", json=body, headers={**OFFICER, "traceparent": incoming})
    assert created.status_code == 201, created.text

    with partners.state.sessions() as session:
        [row] = session.execute(select(OutboxMessage)).scalars().all()
    assert row.traceparent.split("-")[1] == "0af7651916cd43dd8448eb211c80319c"
    assert json.loads(row.payload)["traceparent"] == row.traceparent
    if sdk == "disabled":
        assert row.traceparent == incoming, "no span of its own: the caller's context, as it came"
