"""Dead letters: list, inspect and replay what a consumer sent to `<topic>.dlq`.

One `.dlq` topic serves every consumer of its topic; each letter names its consumer in the
`dlq.consumer` header, and a service sees and replays only its own. Replay hands the letter to the
service's own consumer runner as if it came from its topic (same handlers, same inbox), so it is
idempotent: a letter already replayed, or an event handled meanwhile, is a `duplicate` and changes
nothing. A letter that is still poison is dead-lettered again, with the new reason.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import select
from sqlmodel import Session, col

from services.kit.consumer import DLQ_SUFFIX, ConsumerRunner
from services.kit.inbox import InboxMessage
from services.kit.kafka import KafkaConnection


class NoSuchLetter(LookupError):
    pass


@dataclass(frozen=True)
class Letter:
    topic: str  # the .dlq topic
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]

    @property
    def consumer(self) -> str:
        return self.headers.get("dlq.consumer", "")

    def event(self) -> dict[str, Any] | None:
        try:
            document = json.loads(self.value or b"")
        except ValueError:
            return None
        return document if isinstance(document, dict) else None

    def summary(self, *, handled: bool) -> dict[str, Any]:
        event = self.event() or {}
        return {
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "key": self.key.decode(errors="replace") if self.key else None,
            "event_id": event.get("id"),
            "event_type": event.get("type"),
            "error": self.headers.get("dlq.error"),
            "error_type": self.headers.get("dlq.error.type"),
            "original": {
                "topic": self.headers.get("dlq.original.topic"),
                "partition": _int(self.headers.get("dlq.original.partition")),
                "offset": _int(self.headers.get("dlq.original.offset")),
            },
            "consumer": self.consumer,
            "at": self.headers.get("dlq.at"),
            "handled": handled,
        }

    def detail(self, *, handled: bool) -> dict[str, Any]:
        value = self.value.decode(errors="replace") if self.value is not None else None
        return self.summary(handled=handled) | {"value": value, "headers": self.headers}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class _Replayed:
    """A letter dressed as the record it was on its topic, for ConsumerRunner.handle."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


class DeadLetters:
    def __init__(self, *, connection: KafkaConnection, consumer_name: str, topics: list[str], client_id: str) -> None:
        """`topics`: the topics the consumer reads; their `.dlq` twins are searched."""
        self.connection = connection
        self.consumer_name = consumer_name
        self.dlq_topics = [t + DLQ_SUFFIX for t in topics]
        self.client_id = client_id

    def _reader(self) -> KafkaConsumer:
        return KafkaConsumer(
            **self.connection.client_options(),
            client_id=self.client_id,
            group_id=None,
            enable_auto_commit=False,
            request_timeout_ms=10_000,
        )

    def letters(self, *, limit: int = 500) -> list[Letter]:
        """This consumer's letters, oldest first per partition (at most `limit`)."""
        reader = self._reader()
        try:
            partitions = [
                TopicPartition(topic, p)
                for topic in self.dlq_topics
                for p in sorted(reader.partitions_for_topic(topic) or [])
            ]
            if not partitions:
                return []
            ends = {tp: end for tp, end in reader.end_offsets(partitions).items() if end > 0}
            if not ends:
                return []
            reader.assign(list(ends))
            reader.seek_to_beginning(*ends)
            found: list[Letter] = []
            deadline = time.monotonic() + 20
            while ends and time.monotonic() < deadline and len(found) < limit:
                for tp, records in reader.poll(timeout_ms=200).items():
                    found.extend(_letter(r) for r in records if _header(r, "dlq.consumer") == self.consumer_name)
                    if reader.position(tp) >= ends.get(tp, 0):
                        ends.pop(tp, None)
            return found[:limit]
        finally:
            reader.close(autocommit=False)

    def letter(self, topic: str, partition: int, offset: int) -> Letter:
        if topic not in self.dlq_topics:
            raise NoSuchLetter(f"{topic} is not a dead-letter topic of {self.consumer_name}")
        reader = self._reader()
        try:
            tp = TopicPartition(topic, partition)
            if partition not in (reader.partitions_for_topic(topic) or set()):
                raise NoSuchLetter(f"{topic} has no partition {partition}")
            if offset >= reader.end_offsets([tp])[tp]:
                raise NoSuchLetter(f"{topic}[{partition}] has no offset {offset}")
            reader.assign([tp])
            reader.seek(tp, offset)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                for record in reader.poll(timeout_ms=200).get(tp, []):
                    if record.offset == offset:
                        letter = _letter(record)
                        if letter.consumer != self.consumer_name:
                            raise NoSuchLetter(f"{topic}[{partition}]@{offset} belongs to {letter.consumer!r}")
                        return letter
                    if record.offset > offset:
                        raise NoSuchLetter(f"{topic}[{partition}]@{offset} is gone (retention)")
            raise TimeoutError(f"could not read {topic}[{partition}]@{offset}")
        finally:
            reader.close(autocommit=False)

    @staticmethod
    def handled(session: Session, consumer: str, letters: list[Letter]) -> set[str]:
        """The letters' event ids this consumer has handled since (replayed, or redelivered)."""
        ids = [e["id"] for e in (letter.event() for letter in letters) if e and isinstance(e.get("id"), str)]
        if not ids:
            return set()
        return set(
            session.scalars(
                select(col(InboxMessage.event_id)).where(
                    col(InboxMessage.consumer) == consumer, col(InboxMessage.event_id).in_(ids)
                )
            )
        )


def replay(runner: ConsumerRunner, letter: Letter) -> str:
    """Hand the letter to the consumer again; returns handled | duplicate | ignored | dead_lettered.
    A transient failure (a dependency still down) is raised: nothing changed, try again later."""
    original_topic = letter.headers.get("dlq.original.topic") or letter.topic.removesuffix(DLQ_SUFFIX)
    record = _Replayed(
        topic=original_topic,
        partition=_int(letter.headers.get("dlq.original.partition")) or 0,
        offset=_int(letter.headers.get("dlq.original.offset")) or 0,
        key=letter.key,
        value=letter.value,
    )
    return runner.handle(record).status


def _header(record: Any, name: str) -> str | None:
    for key, value in record.headers or []:
        if key == name:
            return bytes(value).decode(errors="replace")
    return None


def _letter(record: Any) -> Letter:
    return Letter(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value,
        headers={k: v.decode(errors="replace") for k, v in record.headers or []},
    )
