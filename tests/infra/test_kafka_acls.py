"""The Kafka ACL table (infra/kafka/acls.py) says what the services' code does: each publishes the
topic it says, consumes the topics it says, and may do nothing more."""

from __future__ import annotations

import pytest
from kafka.admin import ACLOperation, ACLResourcePatternType, ResourceType

from infra.kafka.acls import SERVICES, check_integration_name, integration_acls, service_acls
from services.engagements import events as engagements_events
from services.kit.event_models.directory import DIRECTORY_TOPIC
from services.notifications import consumers as notifications_consumers
from services.notifications import events as notifications_events
from services.partners import events as partners_events

CODE = {
    "gateway": (DIRECTORY_TOPIC, ()),
    "partners": (partners_events.TOPIC, ()),
    "engagements": (engagements_events.TOPIC, tuple(engagements_events.CONSUMES)),
    "notifications": (notifications_events.TOPIC, tuple(notifications_consumers.CONSUMES)),
}


def grants(acls) -> set[tuple[str, str, str, str]]:
    return {
        (
            acl.operation.name,
            acl.resource_pattern.resource_type.name,
            acl.resource_pattern.resource_name,
            acl.resource_pattern.pattern_type.name,
        )
        for acl in acls
    }


def test_every_service_and_only_they_have_a_row_that_matches_their_code():
    assert {service.name: (service.publishes, service.consumes) for service in SERVICES} == CODE


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_a_service_writes_its_topic_and_dead_letters_and_reads_them_and_what_it_consumes_only(service):
    publishes, consumes = CODE[service.name]
    dead_letters = {topic + ".dlq" for topic in consumes}
    expected = {("WRITE", "TOPIC", topic, "LITERAL") for topic in {publishes, *dead_letters}}
    # Its own topic (the relay checks whether a send whose answer was lost arrived) and its dead
    # letters (listed and replayed by `liaison dlq`) are read without a group.
    expected |= {("READ", "TOPIC", topic, "LITERAL") for topic in {publishes, *consumes, *dead_letters}}
    if consumes:
        expected.add(("READ", "GROUP", f"liaison-{service.name}", "LITERAL"))
    assert grants(service_acls(service)) == expected
    assert all(acl.principal == f"User:{service.name}" for acl in service_acls(service))


def test_an_integration_reads_the_service_topics_in_its_own_groups_and_writes_nothing():
    acls = integration_acls("warehouse")
    assert {acl.operation for acl in acls} == {ACLOperation.READ}
    assert {
        acl.resource_pattern.resource_name for acl in acls if acl.resource_pattern.resource_type == ResourceType.TOPIC
    } == {topic for topic, _ in CODE.values()}
    [group] = [acl.resource_pattern for acl in acls if acl.resource_pattern.resource_type == ResourceType.GROUP]
    assert (group.resource_name, group.pattern_type) == ("warehouse.", ACLResourcePatternType.PREFIXED)


@pytest.mark.parametrize("name", ["admin", "partners", "Warehouse", "x", "bad name", "a" * 60, "-lead"])
def test_integration_names_are_simple_and_never_a_service_or_the_admin(name):
    with pytest.raises(ValueError):
        check_integration_name(name)


@pytest.mark.parametrize("taken", ["partners", "admin"])
def test_liaison_kafka_users_will_not_give_a_service_or_the_admin_name_away(taken, monkeypatch, capsys, tmp_path):
    from cli.__main__ import main

    monkeypatch.setenv("LIAISON_SECRETS_FILE", str(tmp_path / "none.env"))
    monkeypatch.setenv("LIAISON_KAFKA_ADMIN_PASSWORD", "a" * 32)
    monkeypatch.setenv("LIAISON_KAFKA_BOOTSTRAP", "127.0.0.1:1")  # refused before any connection
    assert main(["kafka-users", "add", taken]) == 1
    assert "reserved" in capsys.readouterr().err
