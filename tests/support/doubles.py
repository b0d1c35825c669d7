"""Stand-ins for Kafka clients in unit tests of the relay and consumer logic.

They are for fast tests of what our code does with each answer; the same paths run against the
real broker in tests/integration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kafka.errors import KafkaTimeoutError


class _Done:
    is_done = True

    def __init__(self, error: Exception | None = None) -> None:
        self._error = error

    def get(self, timeout=None):
        if self._error is not None:
            raise self._error
        return


@dataclass
class RecordingProducer:
    """Keeps what was sent; `fail_keys` makes the sends for those keys fail as a broker would,
    `fail_next` fails only that many next sends of a key, `errors` sets the error a key gets."""

    sent: list[dict] = field(default_factory=list)
    fail_keys: set[bytes] = field(default_factory=set)
    fail_next: dict[bytes, int] = field(default_factory=dict)
    errors: dict[bytes, Exception] = field(default_factory=dict)
    closed: bool = False

    def send(self, topic, *, key=None, value=None, headers=None):
        if self.fail_next.get(key, 0) > 0:
            self.fail_next[key] -= 1
            return _Done(self.errors.get(key) or KafkaTimeoutError(f"no ack for {key!r}"))
        if key in self.fail_keys:
            return _Done(self.errors.get(key) or KafkaTimeoutError(f"no ack for {key!r}"))
        self.sent.append({"topic": topic, "key": key, "value": value, "headers": dict(headers or [])})
        return _Done()

    def flush(self, timeout=None) -> None:
        return None

    def close(self, timeout=None) -> None:
        self.closed = True


@dataclass
class Record:
    """The fields of a kafka-python ConsumerRecord that the runner reads."""

    value: bytes | None
    topic: str = "liaison.partners.v1"
    partition: int = 0
    offset: int = 0
    key: bytes | None = b"key"
