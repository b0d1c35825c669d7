"""Traces with OpenTelemetry: the standard `OTEL_*` settings; trace ids always, spans exported only when asked.

How a process runs, from its environment:
- an exporter configured (`OTEL_TRACES_EXPORTER=otlp` or `console`, or just `OTEL_EXPORTER_OTLP_ENDPOINT` /
  `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`): the SDK records and exports in batches (OTLP over HTTP/protobuf)
  the HTTP server and client spans, SQL, the outbox row, the relay's send, the consumer's handling and
  the deliveries; everything else the exporter, sampler and batch processor need is theirs to read
  (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`, `OTEL_RESOURCE_ATTRIBUTES`...);
- nothing configured: the SDK still makes ids (no span kept, no SQL or client span made), so the trace
  context goes from the gateway onto the events, across Kafka, and into every log line;
- `OTEL_SDK_DISABLED=true`: the API's no-op; a caller's `traceparent` is still carried through as it came.

An event carries its trace context as the CloudEvents distributed-tracing extension (`traceparent`,
`tracestate` attributes of the envelope), stamped by `record_event()` with the context of the span
that wrote it (the request's, a handler's) and kept on the outbox row (`traceparent` column); the
relay's `send` span and the consumer's `process` span are that span's children, so a request, its
events and what they cause are one trace.

Nothing here is built at import time: `Tracing` is made with an app (no I/O) and started in its lifespan.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer, TracerProvider
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    import aiohttp
    import httpx
    from fastapi import FastAPI
    from sqlalchemy import Engine

    from services.kit.events import CloudEvent
    from services.kit.outbox import OutboxMessage

log = logging.getLogger("liaison.tracing")

TRACE_ATTRIBUTES = ("traceparent", "tracestate")
# Probes and scrapes would be most of the spans and say nothing about a request.
EXCLUDED_URLS = "/healthz,/readyz,/metrics"


class TraceSettings(BaseSettings):
    """The few standard variables that decide how tracing runs (the SDK reads the others itself)."""

    model_config = SettingsConfigDict(env_prefix="OTEL_", extra="ignore")

    sdk_disabled: bool = False
    traces_exporter: str = ""
    exporter_otlp_endpoint: str = ""
    exporter_otlp_traces_endpoint: str = ""
    service_name: str = ""

    def exporters(self) -> list[str]:
        """Off unless configured: OpenTelemetry's own default (`otlp`) applies only once an endpoint is given."""
        if self.sdk_disabled:
            return []
        names = [name.strip().lower() for name in self.traces_exporter.split(",") if name.strip()]
        if not names and (self.exporter_otlp_endpoint or self.exporter_otlp_traces_endpoint):
            names = ["otlp"]
        return [name for name in names if name != "none"]


def make_provider(service: str) -> tuple[TracerProvider, bool]:
    """The process's provider from the environment, and whether it exports (tests replace this function)."""
    settings = TraceSettings()
    if settings.sdk_disabled:
        return trace.NoOpTracerProvider(), False
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over this default (Resource.create reads them).
    attributes = {} if settings.service_name else {SERVICE_NAME: f"liaison-{service}"}
    provider = SdkTracerProvider(resource=Resource.create(attributes))
    exporting = False
    for name in settings.exporters():
        exporter: SpanExporter
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter()
        elif name == "console":
            exporter = ConsoleSpanExporter()
        else:
            log.warning("unknown OTEL_TRACES_EXPORTER entry ignored", extra={"exporter": name})
            continue
        provider.add_span_processor(BatchSpanProcessor(exporter))
        exporting = True
    return provider, exporting


class Tracing:
    """One app's tracing: made with the app (it must instrument the app before it starts), started in
    its lifespan. Until then, and when the SDK is disabled, its tracers are the API's no-op ones."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.provider: TracerProvider = trace.NoOpTracerProvider()
        # Recording for an exporter: only then are SQL statements and outgoing HTTP calls spans of their own.
        self.exporting = False
        self._engines: list[Engine] = []

    def start(self) -> None:
        self.provider, self.exporting = make_provider(self.service)

    def stop(self) -> None:
        for engine in self._engines:
            _remove_engine_listeners(engine)
        self._engines.clear()
        shutdown = getattr(self.provider, "shutdown", None)
        if shutdown is not None:
            shutdown()  # the batch processor's last spans go out
        self.provider = trace.NoOpTracerProvider()

    def tracer(self, name: str) -> Tracer:
        return _LateTracer(self, name)

    # --- what gets instrumented ---------------------------------------------------------------------

    def instrument_app(self, app: FastAPI) -> None:
        """A server span per request (named by route template), continuing the caller's `traceparent`."""
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(
            app, tracer_provider=_LateProvider(self), excluded_urls=EXCLUDED_URLS, exclude_spans=["receive", "send"]
        )

    def instrument_engine(self, engine: Engine) -> None:
        """A span per SQL statement made inside a span (never a trace of its own: a worker's polling)."""
        if not self.exporting:
            return
        from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
        from opentelemetry.metrics import NoOpMeter

        usage = NoOpMeter("liaison").create_up_down_counter("db.client.connections.usage")
        # The instrumentation's own entry point would wrap every engine of the process; this one is the app's.
        EngineTracer(_ChildTracer(self.provider.get_tracer("liaison.sql")), engine, usage)  # type: ignore[no-untyped-call]
        self._engines.append(engine)

    def instrument_httpx(self, client: httpx.Client | httpx.AsyncClient) -> None:
        if self.exporting:
            from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

            HTTPXClientInstrumentor.instrument_client(client, tracer_provider=self.provider)

    def aiohttp_trace_configs(self) -> list[aiohttp.TraceConfig]:
        if not self.exporting:
            return []
        from opentelemetry.instrumentation.aiohttp_client import create_trace_config

        return [create_trace_config(tracer_provider=self.provider)]


# --- the trace context on the wire and in the log lines --------------------------------------------


def inject(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`headers` with the current trace context (`traceparent`, `tracestate`) put in, replacing any."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    kept = [(name, value) for name, value in headers if name.lower() not in carrier]
    return [*kept, *carrier.items()]


def current_ids() -> tuple[str, str] | None:
    """The current span's trace and span ids, as hex, for the log lines."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x")


def context_of(carrier: Mapping[str, Any]) -> Context:
    """The trace context an event or a row carries; anything invalid is dropped (a new trace starts)."""
    return propagate.extract({key: value for key in TRACE_ATTRIBUTES if isinstance(value := carrier.get(key), str)})


def current_traceparent() -> str | None:
    """The current trace context as a `traceparent` value, to keep with work done later (a delivery row)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def traceparent_of(carrier: Mapping[str, Any]) -> str | None:
    value = carrier.get("traceparent")
    return value if isinstance(value, str) else None


# --- the event's path: outbox row, relay, consumer ------------------------------------------------


def stamp(event: CloudEvent) -> CloudEvent:
    """The event with the current trace context (the request's or the handler's span, or the caller's
    own when nothing records) as its CloudEvents distributed-tracing extension; one that carries a
    context already keeps it."""
    if event.model_extra and "traceparent" in event.model_extra:
        return event
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    extension = {key: value for key, value in carrier.items() if key in TRACE_ATTRIBUTES}
    return event.model_copy(update=extension) if extension else event


class SendSpans:
    """The relay's `send` spans: one per row it sends, a child of the row's own trace context,
    ended when the row's outcome is known."""

    def __init__(self, tracer: Tracer | None) -> None:
        self._tracer = tracer or trace.get_tracer("liaison.relay")
        self._open: dict[int, trace.Span] = {}

    def start(self, row: OutboxMessage) -> None:
        attributes = {
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.destination.name": row.topic,
            "messaging.kafka.message.key": row.key,
            "cloudevents.event_id": row.event_id,
            "cloudevents.event_type": row.event_type,
        }
        parent = context_of({"traceparent": row.traceparent})
        self._open[row.id] = self._tracer.start_span(
            f"send {row.topic}", context=parent, kind=SpanKind.PRODUCER, attributes=attributes
        )

    def finish(self, *, sent: list[int], failed: Mapping[int, str]) -> None:
        for row_id in sent:
            if (span := self._open.pop(row_id, None)) is not None:
                span.end()
        for row_id, error in failed.items():
            if (span := self._open.pop(row_id, None)) is not None:
                span.set_status(Status(StatusCode.ERROR, error[:300]))
                span.end()
        for span in self._open.values():  # held back behind a failed row: not sent this round
            span.end()
        self._open.clear()


@contextmanager
def processing(tracer: Tracer | None, event: CloudEvent, *, consumer: str) -> Iterator[trace.Span]:
    """The consumer's span for one event, a child of the trace context the event carries (a new trace
    when it carries none, or one that is not valid)."""
    tracer = tracer or trace.get_tracer("liaison.consumer")
    attributes = _event_attributes(event, None, "process") | {"messaging.consumer.group.name": f"liaison-{consumer}"}
    parent = context_of(event.model_extra or {})
    with tracer.start_as_current_span(
        f"process {event.type}", context=parent, kind=SpanKind.CONSUMER, attributes=attributes
    ) as span:
        yield span


@contextmanager
def delivering(
    tracer: Tracer | None, *, channel: str, traceparent: str | None, attributes: Mapping[str, str]
) -> Iterator[trace.Span]:
    """A delivery's span (an e-mail, a webhook call), a child of the context its row kept: the handling
    of the event that caused it. Current while it runs, so the webhook request carries it."""
    tracer = tracer or trace.get_tracer("liaison.deliveries")
    with tracer.start_as_current_span(
        f"deliver {channel}",
        context=context_of({"traceparent": traceparent}),
        kind=SpanKind.CLIENT,
        attributes=attributes,
    ) as span:
        yield span


def _event_attributes(event: CloudEvent, topic: str | None, operation: str) -> dict[str, str]:
    attributes = {
        "messaging.system": "kafka",
        "messaging.operation.type": operation,
        "cloudevents.event_id": event.id,
        "cloudevents.event_type": event.type,
        "cloudevents.event_source": event.source,
    }
    if topic:
        attributes["messaging.destination.name"] = topic
    return attributes


# --- plumbing ---------------------------------------------------------------------------------------


class _LateProvider(TracerProvider):
    """Handed to instrumentations that take their tracer when the app is built, before its lifespan."""

    def __init__(self, tracing: Tracing) -> None:
        self._tracing = tracing

    def get_tracer(
        self,
        instrumenting_module_name: str,
        instrumenting_library_version: str | None = None,
        schema_url: str | None = None,
        attributes: Any = None,  # noqa: ARG002 (the API's signature; the late tracer asks the real provider)
    ) -> Tracer:
        return _LateTracer(self._tracing, instrumenting_module_name, instrumenting_library_version, schema_url)


class _LateTracer(Tracer):
    """Asks the app's provider of the moment (the one its lifespan started) for each span."""

    def __init__(self, tracing: Tracing, name: str, version: str | None = None, schema_url: str | None = None) -> None:
        self._tracing = tracing
        self._args = (name, version, schema_url)
        self._provider: TracerProvider | None = None
        self._tracer: Tracer = trace.NoOpTracer()

    def _current(self) -> Tracer:
        if self._provider is not self._tracing.provider:
            self._provider = self._tracing.provider
            self._tracer = self._provider.get_tracer(*self._args)
        return self._tracer

    def start_span(self, *args: Any, **kwargs: Any) -> trace.Span:
        return self._current().start_span(*args, **kwargs)

    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:
        return self._current().start_as_current_span(*args, **kwargs)


class _ChildTracer(Tracer):
    """Spans only inside another span: a statement outside any (a worker polling) is no trace of its own."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    def start_span(self, name: str, context: Context | None = None, *args: Any, **kwargs: Any) -> trace.Span:
        if not trace.get_current_span(context).get_span_context().is_valid:
            return trace.INVALID_SPAN
        return self._tracer.start_span(name, context, *args, **kwargs)

    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:
        return self._tracer.start_as_current_span(*args, **kwargs)


def _remove_engine_listeners(engine: Engine) -> None:
    """Undo `instrument_engine` (a test's engine outlives the app it was handed to)."""
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from sqlalchemy import event

    for entry in list(EngineTracer._remove_event_listener_params):
        target, identifier, function = entry
        if target() is engine:
            if event.contains(engine, identifier, function):
                event.remove(engine, identifier, function)
            EngineTracer._remove_event_listener_params.remove(entry)
