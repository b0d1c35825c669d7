"""Traces: the settings, the trace context on the outbox row and the event, the relay's and the
consumer's spans, the ids in the log lines (kit/tracing.py)."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from opentelemetry import context, propagate, trace
from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select

from services.kit import tracing
from services.kit.consumer import ConsumerRunner
from services.kit.db import make_engine, make_session_factory
from services.kit.events import new_event
from services.kit.logging import JsonFormatter
from services.kit.outbox import OutboxMessage, record_event
from services.kit.relay import BrokerAway, OutboxRelay
from tests.support.doubles import Record, RecordingProducer
from tests.support.traces import provider_for

OTEL_VARIABLES = (
    "OTEL_SDK_DISABLED",
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_SERVICE_NAME",
)


@pytest.fixture
def environment(monkeypatch):
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def exporter():
    return InMemorySpanExporter()


@pytest.fixture
def tracer(exporter):
    return provider_for("test", exporter).get_tracer("test")


@pytest.fixture
def sessions(new_database):
    engine = make_engine(new_database("partners"))
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def inbox_sessions(new_database):
    engine = make_engine(new_database("engagements"))
    yield make_session_factory(engine)
    engine.dispose()


def traceparent(span) -> str:
    carrier = {}
    propagate.inject(carrier, context=trace.set_span_in_context(span))
    return carrier["traceparent"]


def an_event(**extension):
    event = new_event(type="liaison.partner.created", source="/liaison/partners", subject="p1", data={"n": 1})
    return event.model_copy(update=extension) if extension else event


def outbox_rows(sessions) -> list[OutboxMessage]:
    with sessions() as session:
        return list(session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


class JsonLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter("test"))
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def log_lines():
    handler = JsonLines()
    logger = logging.getLogger("liaison.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)


# --- settings ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "exporters"),
    [
        ({}, []),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, ["otlp"]),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, ["otlp"]),
        ({"OTEL_TRACES_EXPORTER": "console"}, ["console"]),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, []),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "true"}, []),
    ],
)
def test_spans_are_exported_only_when_an_exporter_is_configured(environment, variables, exporters):
    for name, value in variables.items():
        environment.setenv(name, value)
    assert tracing.TraceSettings().exporters() == exporters


def test_without_an_exporter_the_sdk_still_makes_ids_for_the_service(environment):
    provider, exporting = tracing.make_provider("partners")
    assert not exporting
    assert isinstance(provider, SdkTracerProvider)
    assert provider.resource.attributes["service.name"] == "liaison-partners"
    with provider.get_tracer("t").start_as_current_span("request") as span:
        assert span.get_span_context().is_valid
    provider.shutdown()


def test_the_standard_service_name_and_exporter_are_read(environment):
    environment.setenv("OTEL_SERVICE_NAME", "ministry-partners")
    environment.setenv("OTEL_TRACES_EXPORTER", "console")
    provider, exporting = tracing.make_provider("partners")
    assert exporting
    assert provider.resource.attributes["service.name"] == "ministry-partners"
    provider.shutdown()


def test_with_an_otlp_endpoint_spans_go_to_the_collector_over_http(environment):
    received = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(
                (self.path, self.headers["Content-Type"], self.rfile.read(int(self.headers["Content-Length"])))
            )
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    environment.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    try:
        provider, exporting = tracing.make_provider("partners")
        with provider.get_tracer("t").start_as_current_span("POST /api/v1/partners"):
            pass
        provider.shutdown()  # the batch goes out
    finally:
        server.shutdown()
    assert exporting
    [(path, content_type, body)] = received
    assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
    assert b"POST /api/v1/partners" in body and b"liaison-partners" in body


def test_a_disabled_sdk_is_the_apis_no_op(environment):
    environment.setenv("OTEL_SDK_DISABLED", "true")
    provider, exporting = tracing.make_provider("partners")
    assert isinstance(provider, trace.NoOpTracerProvider) and not exporting


# --- the outbox row and the event ---------------------------------------------------------------


def test_an_outbox_row_and_its_event_carry_the_trace_context_it_was_written_in(sessions, tracer):
    with sessions() as session:
        with tracer.start_as_current_span("POST /api/v1/partners") as span:
            record_event(session=session, event=an_event(), topic="liaison.partners.v1")
        record_event(session=session, event=an_event(), topic="liaison.partners.v1")  # outside any span
        session.commit()

    traced, untraced = outbox_rows(sessions)
    assert traced.traceparent == traceparent(span)
    assert json.loads(traced.payload)["traceparent"] == traced.traceparent, "the CloudEvents extension"
    assert untraced.traceparent is None
    assert "traceparent" not in json.loads(untraced.payload)


def test_with_the_sdk_off_the_callers_trace_context_is_carried_as_it_came(sessions):
    incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    no_op = trace.NoOpTracerProvider().get_tracer("t")
    token = context.attach(propagate.extract({"traceparent": incoming, "tracestate": "vendor=1"}))
    try:
        with sessions() as session, no_op.start_as_current_span("POST /api/v1/partners"):
            record_event(session=session, event=an_event(), topic="liaison.partners.v1")
            session.commit()
    finally:
        context.detach(token)

    [row] = outbox_rows(sessions)
    assert row.traceparent == incoming
    assert json.loads(row.payload)["tracestate"] == "vendor=1"


def test_the_relay_publishes_the_event_with_its_traceparent_in_a_send_span_of_that_trace(sessions, tracer, exporter):
    with sessions() as session:
        with tracer.start_as_current_span("POST /api/v1/partners") as span:
            record_event(session=session, event=an_event(), topic="liaison.partners.v1")
        session.commit()
    producer = RecordingProducer()
    relay = OutboxRelay(session_factory=sessions, producer_factory=lambda: producer, tracer=tracer)

    assert relay.run_once() == 1

    [message] = producer.sent
    assert json.loads(message["value"])["traceparent"] == traceparent(span)
    [send] = [s for s in exporter.get_finished_spans() if s.name == "send liaison.partners.v1"]
    assert send.kind == SpanKind.PRODUCER
    assert send.parent.span_id == span.get_span_context().span_id
    assert send.context.trace_id == span.get_span_context().trace_id
    assert send.status.is_ok


def test_a_failed_send_ends_its_span_in_error(sessions, tracer, exporter):
    with sessions() as session:
        record_event(session=session, event=an_event(), topic="liaison.partners.v1")
        session.commit()
    producer = RecordingProducer(fail_keys={b"p1"})
    relay = OutboxRelay(session_factory=sessions, producer_factory=lambda: producer, tracer=tracer)

    with pytest.raises(BrokerAway):  # the only row failed on the broker
        relay.run_once()

    [send] = exporter.get_finished_spans()
    assert send.status.status_code == trace.StatusCode.ERROR


# --- the consumer --------------------------------------------------------------------------------


def consumer_of(sessions, tracer, handler) -> ConsumerRunner:
    return ConsumerRunner(
        name="engagements",
        session_factory=sessions,
        registry={"liaison.partner.created": [handler]},
        consumer_factory=lambda: None,
        producer_factory=RecordingProducer,
        retry_pause=0,
        tracer=tracer,
    )


@pytest.mark.parametrize("path", ["one event", "a partition's batch"])
def test_the_consumers_span_continues_the_events_trace_and_its_log_lines_carry_the_ids(
    inbox_sessions, tracer, exporter, log_lines, path
):
    sender = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    event = an_event(traceparent=sender)
    consumer = consumer_of(inbox_sessions, tracer, lambda e, session: logging.getLogger("liaison.test").info("handled"))
    record = Record(value=event.to_json().encode())

    if path == "one event":
        assert consumer.handle(record).status == "handled"
    else:
        consumer.handle_batch({("liaison.partners.v1", 0): [record]})

    [process] = exporter.get_finished_spans()
    assert (process.name, process.kind) == ("process liaison.partner.created", SpanKind.CONSUMER)
    assert f"{process.context.trace_id:032x}" == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert f"{process.parent.span_id:016x}" == "00f067aa0ba902b7" and process.parent.is_remote
    assert process.attributes["cloudevents.event_id"] == event.id
    [line] = log_lines
    assert line["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert line["span_id"] == f"{process.context.span_id:016x}"


@pytest.mark.parametrize(
    "invalid", ["garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "01-zz-yy-00", 42, None]
)
def test_an_invalid_traceparent_on_an_event_starts_a_new_trace_and_the_event_is_handled(
    inbox_sessions, tracer, exporter, invalid
):
    handled = []
    consumer = consumer_of(inbox_sessions, tracer, lambda e, session: handled.append(e.id))
    event = an_event(traceparent=invalid)

    assert consumer.handle(Record(value=event.to_json().encode())).status == "handled"

    assert handled == [event.id]
    [process] = exporter.get_finished_spans()
    assert process.parent is None, "a root span: the event's context was not usable"
    assert process.context.trace_id != 0


def test_log_lines_outside_any_span_carry_no_trace_ids(log_lines, tracer):
    logging.getLogger("liaison.test").info("idle")
    with tracer.start_as_current_span("work") as span:
        logging.getLogger("liaison.test").info("busy")
    idle, busy = log_lines
    assert "trace_id" not in idle and "span_id" not in idle
    assert busy["trace_id"] == f"{span.get_span_context().trace_id:032x}"
    assert busy["span_id"] == f"{span.get_span_context().span_id:016x}"
