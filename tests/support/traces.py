"""Spans kept in memory: every in-process app (gateway, services) gets its own SDK provider, named as in
production (`liaison-<service>`), all writing to one `InMemorySpanExporter`."""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.kit import tracing


class _KeepExporting(SimpleSpanProcessor):
    """One app stopping (its provider shut down) must not stop the exporter the others still write to."""

    def shutdown(self) -> None:
        return None


def provider_for(service: str, exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: f"liaison-{service}"}))
    provider.add_span_processor(_KeepExporting(exporter))
    return provider


def record_spans(monkeypatch) -> InMemorySpanExporter:
    """Makes every app started afterwards record and export to the returned exporter (as with OTLP)."""
    exporter = InMemorySpanExporter()
    monkeypatch.setattr(tracing, "make_provider", lambda service: (provider_for(service, exporter), True))
    return exporter


@dataclass(frozen=True)
class SpanRow:
    name: str
    service: str
    span_id: str
    parent: str | None
    trace_id: str


def rows(spans: tuple[ReadableSpan, ...] | list[ReadableSpan]) -> list[SpanRow]:
    return [
        SpanRow(
            name=span.name,
            service=str(span.resource.attributes.get(SERVICE_NAME)),
            span_id=format(span.context.span_id, "016x"),
            parent=format(span.parent.span_id, "016x") if span.parent else None,
            trace_id=format(span.context.trace_id, "032x"),
        )
        for span in sorted(spans, key=lambda s: s.start_time or 0)
    ]


def _short(name: str) -> str:
    """A SQL span is named after its database, for SQLite a file's whole path: its name is enough here."""
    operation, _, database = name.partition(" /")
    return f"{operation} {database.rsplit('/', 1)[-1]}" if database.endswith(".db") else name


def table(spans: tuple[ReadableSpan, ...] | list[ReadableSpan]) -> str:
    """The spans as a table (name, service, parent's name), in start order, for a test to print."""
    found = rows(spans)
    names = {row.span_id: row for row in found}
    lines = [f"{'span':<48} {'service':<22} parent"]
    for row in found:
        parent = names[row.parent].name if row.parent in names else ("(remote)" if row.parent else "-")
        lines.append(f"{_short(row.name):<48} {row.service:<22} {_short(parent)}")
    return "\n".join(lines)
