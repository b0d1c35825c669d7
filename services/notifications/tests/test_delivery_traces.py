"""A delivery continues the trace of the event handling that queued it (kit/tracing.py): its row keeps
the handler's trace context, its span is that context's child, and the webhook call carries it on."""

import asyncio
from datetime import UTC
from ipaddress import ip_network

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.notifications.deliveries import DeliveryBatch, Trigger
from services.notifications.dispatcher import Dispatcher
from services.notifications.models import Delivery, Webhook
from tests.support.traces import provider_for
from tests.support.webhooks import WebhookReceiver


@pytest.fixture
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


def test_a_webhook_delivery_is_a_span_of_the_handlings_trace_and_the_receiver_gets_its_traceparent(
    sessions, settings, clock, receiver
):
    exporter = InMemorySpanExporter()
    tracer = provider_for("notifications", exporter).get_tracer("test")
    with sessions() as session:
        hook = Webhook(owner="bi@example.test", url=receiver.url + "/traced", secret="s" * 27, event_types=["x"])
        session.add(hook)
        session.flush()
        with tracer.start_as_current_span("process liaison.engagement.logged") as handling:
            batch = DeliveryBatch(
                session=session,
                trigger=Trigger("e1", "liaison.engagement.logged", "engagement", "s"),
                now=clock(),
                email_enabled=False,
                zone=UTC,
            )
            batch.webhook(hook, '{"id": "e1"}')
        session.commit()
        [delivery_id] = [d.id for d in batch.created]
    allowed = settings.model_copy(update={"webhook_allowed_networks": [ip_network("127.0.0.0/8")]})
    dispatcher = Dispatcher(sessions=sessions, settings=allowed, clock=clock, tracer=tracer)

    assert asyncio.run(dispatcher.run_once()) == ["sent"]

    handled = handling.get_span_context()
    with sessions() as session:
        assert session.get(Delivery, delivery_id).traceparent.split("-")[1:3] == [
            f"{handled.trace_id:032x}",
            f"{handled.span_id:016x}",
        ]
    [deliver] = [s for s in exporter.get_finished_spans() if s.name == "deliver webhook"]
    assert deliver.kind == SpanKind.CLIENT
    assert deliver.parent.span_id == handled.span_id and deliver.context.trace_id == handled.trace_id
    [received] = receiver.wait_for("/traced")
    _version, trace_id, span_id, _flags = received.headers["traceparent"].split("-")
    assert (trace_id, span_id) == (f"{handled.trace_id:032x}", f"{deliver.context.span_id:016x}")
