"""Reading and writing topics directly, as an integration or a curious operator would."""

from __future__ import annotations

import time
import uuid

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from infra.kafka.admin import create_topics
from services.kit.kafka import KafkaConnection


def new_topic(connection: KafkaConnection, *, with_dlq: bool = True) -> str:
    """A topic of the test's own (and its .dlq twin), so tests sharing the broker never see each other."""
    name = f"test.{uuid.uuid4().hex[:12]}.v1"
    create_topics(connection, [name, name + ".dlq"] if with_dlq else [name])
    return name


def read_topic(
    connection: KafkaConnection, topic: str, *, expect: int, timeout: float = 20.0, match=lambda record: True
) -> list:
    """Every record from the start of the topic that `match`es, once at least `expect` have come
    (or the timeout passes). Reads without a group, so it changes no committed offsets."""
    consumer = KafkaConsumer(
        **connection.client_options(), enable_auto_commit=False, group_id=None, client_id="test-reader"
    )
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        found = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                found.extend(record for record in records if match(record))
            if len(found) >= expect and all(
                consumer.position(tp) >= end for tp, end in consumer.end_offsets(partitions).items()
            ):
                break
        return found
    finally:
        consumer.close(autocommit=False)


def produce(connection: KafkaConnection, topic: str, *, key: bytes | None, value: bytes | None, headers=None) -> None:
    producer = KafkaProducer(**connection.client_options(), acks="all")
    try:
        producer.send(topic, key=key, value=value, headers=headers or []).get(timeout=30)
    finally:
        producer.close(timeout=5)
