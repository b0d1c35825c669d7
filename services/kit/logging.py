"""JSON logs, one object per line, each carrying the request id of the request it belongs to and the
trace and span ids of the span it was written in (kit/tracing.py)."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

from services.kit.tracing import current_ids

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        if ids := current_ids():
            entry["trace_id"], entry["span_id"] = ids
        entry.update(
            (key, value)
            for key, value in record.__dict__.items()
            if key not in _STANDARD_ATTRS and not key.startswith("_")
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # kafka-python is chatty at INFO about every connection it opens.
    logging.getLogger("kafka").setLevel(logging.WARNING)
    # ...and warns on every SASL_PLAINTEXT connection that SCRAM credentials go "in the clear": they do
    # not (SCRAM proves the password without sending it); SASL_PLAINTEXT is the loopback broker's choice.
    logging.getLogger("kafka.net.sasl.scram").setLevel(logging.ERROR)
    # httpx logs every request at INFO; the gateway's access log already has one line per request.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Our middleware writes the access log, with the request id; uvicorn's would be a second line.
    logging.getLogger("uvicorn.access").disabled = True
