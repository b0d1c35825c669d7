"""After the storm: what is on the topics (read with librdkafka, not the kafka-python the services use),
against what the databases say was committed.

- every committed change is on its topic exactly once: each outbox row sent is there once, nothing else;
- per-key order: on each key, the events come in the order their rows were committed;
- every read copy equals its source of truth (partners → engagements, notifications);
- every follower has each notification once; nothing in a `.dlq` but the poison the suite planted.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from confluent_kafka import Consumer, TopicPartition
from sqlalchemy import create_engine, text

from services.kit.kafka import KafkaConnection

TOPICS = ("liaison.partners.v1", "liaison.engagements.v1", "liaison.notifications.v1")


def librdkafka(connection: KafkaConnection, **options) -> dict:
    """The librdkafka settings for this connection (the broker lets no one in without SASL)."""
    return {
        "bootstrap.servers": connection.bootstrap,
        "security.protocol": connection.security_protocol,
        "sasl.mechanism": connection.mechanism,
        "sasl.username": connection.username,
        "sasl.password": connection.password,
        **options,
    }


@dataclass
class Message:
    topic: str
    partition: int
    offset: int
    key: str
    event: dict


def read_all(connection: KafkaConnection, topic: str, timeout: float = 60.0) -> list[Message]:
    """Every message of every partition, from the first offset to the end as it is now."""
    consumer = Consumer(
        librdkafka(
            connection,
            **{
                "group.id": "fault-audit",
                "enable.auto.commit": False,
                "enable.partition.eof": True,
                "auto.offset.reset": "earliest",
            },
        )
    )
    try:
        metadata = consumer.list_topics(topic, timeout=10)
        partitions = sorted(metadata.topics[topic].partitions)
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
        todo = {p for p, end in ends.items() if end > 0}
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        found: list[Message] = []
        deadline = time.monotonic() + timeout
        while todo and time.monotonic() < deadline:
            record = consumer.poll(0.5)
            if record is None:
                continue
            if record.error():
                if record.error().code() == -191:  # _PARTITION_EOF
                    todo.discard(record.partition())
                continue
            value = record.value()
            found.append(
                Message(
                    topic,
                    record.partition(),
                    record.offset(),
                    (record.key() or b"").decode(),
                    json.loads(value) if value else {},
                )
            )
            if record.offset() + 1 >= ends[record.partition()]:
                todo.discard(record.partition())
        assert not todo, f"could not read {topic} to its end: partitions {sorted(todo)}"
        return found
    finally:
        consumer.close()


@dataclass
class TopicFigures:
    topic: str
    events: int = 0
    committed: int = 0
    duplicates: int = 0
    lost: int = 0
    phantoms: int = 0
    reordered_keys: int = 0
    version_repeats: int = 0
    examples: list[str] = field(default_factory=list)


CONSUMERS = {
    "liaison-engagements": ("liaison.partners.v1",),
    "liaison-notifications": ("liaison.engagements.v1", "liaison.partners.v1"),
}


def lag(connection: KafkaConnection) -> dict[str, int]:
    """Per consumer group, how many events it has not committed yet (asked without joining the group)."""
    behind: dict[str, int] = {}
    for group, topics in CONSUMERS.items():
        consumer = Consumer(librdkafka(connection, **{"group.id": group, "enable.auto.commit": False}))
        try:
            total = 0
            for topic in topics:
                partitions = sorted(consumer.list_topics(topic, timeout=10).topics[topic].partitions)
                committed = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=10)
                for tp in committed:
                    end = consumer.get_watermark_offsets(TopicPartition(topic, tp.partition), timeout=10)[1]
                    total += end - max(tp.offset, 0)
            behind[group] = total
        finally:
            consumer.close()
    return behind


def check_topic(
    connection: KafkaConnection, topic: str, database_url: str, *, planted: set[str] = frozenset()
) -> TopicFigures:
    messages = read_all(connection, topic)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, event_id, key, status FROM outbox WHERE topic = :t ORDER BY id"), {"t": topic}
            ).all()
    finally:
        engine.dispose()
    figures = TopicFigures(topic, events=len(messages))
    sent = [r for r in rows if r.status == "sent"]
    figures.committed = len(rows)
    unsent = [r for r in rows if r.status != "sent"]
    if unsent:
        figures.examples.append(f"{len(unsent)} outbox rows not sent: {Counter(r.status for r in unsent)}")
    on_topic = Counter(m.event.get("id") for m in messages)
    figures.duplicates = sum(n - 1 for n in on_topic.values() if n > 1)
    committed_ids = {r.event_id for r in rows}
    figures.lost = sum(1 for r in rows if on_topic[r.event_id] == 0)
    figures.phantoms = sum(1 for event_id in on_topic if event_id not in committed_ids and event_id not in planted)
    # Per key, the first time each event shows must follow the order its rows were committed in.
    expected: dict[str, list[str]] = defaultdict(list)
    for row in sent:
        expected[row.key].append(row.event_id)
    seen: dict[str, list[str]] = defaultdict(list)
    by_partition = sorted(messages, key=lambda m: (m.partition, m.offset))
    for message in by_partition:
        event_id = message.event.get("id")
        if event_id not in seen[message.key]:
            seen[message.key].append(event_id)
    for key, order in expected.items():
        if [e for e in seen.get(key, []) if e in set(order)] != order:
            figures.reordered_keys += 1
            if len(figures.examples) < 5:
                figures.examples.append(f"key {key}: committed {order}, on the topic {seen.get(key)}")
    # Exactly once per version: one event per (type, aggregate, version).
    versions = Counter(
        (m.event.get("type"), m.event.get("data", {}).get("id"), m.event.get("data", {}).get("version"))
        for m in messages
        if isinstance(m.event.get("data", {}).get("version"), int)
    )
    figures.version_repeats = sum(n - 1 for n in versions.values() if n > 1)
    return figures


def dead_letters(connection: KafkaConnection) -> list[Message]:
    return [m for topic in TOPICS for m in read_all(connection, topic + ".dlq")]


def copies_match(databases: dict[str, str]) -> list[str]:
    """Differences between the partners service's truth and the copies the others keep."""
    problems: list[str] = []
    partners = create_engine(databases["partners"])
    engagements = create_engine(databases["engagements"])
    notifications = create_engine(databases["notifications"])
    try:
        with partners.connect() as p, engagements.connect() as e, notifications.connect() as n:
            truth = {
                str(r.id): r
                for r in p.execute(text("SELECT id, version, name_fr, name_en, status, merged_into FROM partners"))
            }
            copies = {
                str(r.id): r
                for r in e.execute(
                    text("SELECT id, version, name_fr, name_en, status, merged_into FROM partner_copies")
                )
            }
            known = {str(r.id): r for r in n.execute(text("SELECT id, version, name_fr, name_en FROM known_partners"))}
            for partner_id, row in truth.items():
                copy = copies.get(partner_id)
                if row.merged_into is not None:
                    if copy is None or str(copy.merged_into) != str(row.merged_into):
                        problems.append(f"engagements: {partner_id} not a redirect to {row.merged_into}")
                    continue
                wanted = (row.version, row.name_fr, row.name_en, row.status)
                if copy is None or (copy.version, copy.name_fr, copy.name_en, copy.status) != wanted:
                    problems.append(f"engagements: partner {partner_id} is {copy and tuple(copy)} not {wanted}")
                mine = known.get(partner_id)
                if mine is None or (mine.version, mine.name_fr, mine.name_en) != wanted[:3]:
                    problems.append(f"notifications: partner {partner_id} is {mine and tuple(mine)} not {wanted[:3]}")
            links = {
                tuple(map(str, r)) for r in p.execute(text("SELECT id, partner_id, type, target_id FROM relationships"))
            }
            copied = {
                tuple(map(str, r))
                for r in e.execute(
                    text("SELECT id, partner_id, type, target_id FROM partner_relationships WHERE NOT removed")
                )
            }
            problems.extend(f"engagements lacks relationship {link}" for link in sorted(links - copied))
            problems.extend(
                f"engagements keeps a relationship partners has not: {link}" for link in sorted(copied - links)
            )
    finally:
        for engine in (partners, engagements, notifications):
            engine.dispose()
    return problems


def notifications_per_follower(
    connection: KafkaConnection, database_url: str, followers: list[str]
) -> tuple[int, int, int]:
    """(expected, missing, doubled): each public engagement event tagged trade.* tells each follower once."""
    events = [
        m.event
        for m in read_all(connection, "liaison.engagements.v1")
        if m.event.get("type") in ("liaison.engagement.logged", "liaison.engagement.updated")
        and any(str(t).startswith("trade") for t in m.event.get("data", {}).get("thrusts", []))
    ]
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            told = Counter(
                (r.trigger_id, r.user) for r in connection.execute(text('SELECT trigger_id, "user" FROM notifications'))
            )
    finally:
        engine.dispose()
    expected = {(e["id"], user) for e in events for user in followers}
    missing = sum(1 for pair in expected if told[pair] == 0)
    doubled = sum(1 for pair in expected if told[pair] > 1)
    return len(expected), missing, doubled
