"""Who may do what on the event bus: the one table of principals and what their ACLs grant.

Each service is its own principal (SCRAM user named after it): it writes its own topic, and the
dead-letter topics of the topics it consumes (that is where its consumer puts what it cannot handle);
it reads what it consumes, in its own consumer group (`liaison-<service>`), and, without a group, its
own topic (the relay looks up whether a send whose answer was lost reached the broker) and its
dead letters (listed and replayed by the operators' `liaison dlq`). An integration user
(`liaison kafka-users add NAME`) reads every service topic, in consumer groups named `NAME.*`, and
writes nothing. `admin` is the broker's super user, for the project's own tools only. Anything not
granted here is refused (`allow.everyone.if.no.acl.found=false`), and a client without credentials
cannot even connect. `tests/infra/test_kafka_acls.py` keeps this table true to the services' code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kafka.admin import ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType, ResourcePattern, ResourceType

from services.kit.kafka import consumer_group

ADMIN = "admin"
DEAD_LETTER_SUFFIX = ".dlq"
ANY_HOST = "*"
INTEGRATION_NAME = re.compile(r"^[a-z][a-z0-9-]{1,48}$")


@dataclass(frozen=True)
class ServiceAccess:
    name: str
    publishes: str
    consumes: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        return consumer_group(self.name)

    @property
    def writes(self) -> tuple[str, ...]:
        return (self.publishes, *(topic + DEAD_LETTER_SUFFIX for topic in self.consumes))

    @property
    def reads(self) -> tuple[str, ...]:
        return (self.publishes, *self.consumes, *(topic + DEAD_LETTER_SUFFIX for topic in self.consumes))


PARTNERS_TOPIC, ENGAGEMENTS_TOPIC, NOTIFICATIONS_TOPIC, DIRECTORY_TOPIC = (
    "liaison.partners.v1",
    "liaison.engagements.v1",
    "liaison.notifications.v1",
    "liaison.directory.v1",
)
SERVICES = (
    # The gateway publishes the people directory (its users) and consumes nothing.
    ServiceAccess("gateway", DIRECTORY_TOPIC),
    ServiceAccess("partners", PARTNERS_TOPIC),
    ServiceAccess("engagements", ENGAGEMENTS_TOPIC, (PARTNERS_TOPIC, DIRECTORY_TOPIC)),
    ServiceAccess("notifications", NOTIFICATIONS_TOPIC, (ENGAGEMENTS_TOPIC, PARTNERS_TOPIC, DIRECTORY_TOPIC)),
)
SERVICE_TOPICS = tuple(service.publishes for service in SERVICES)
RESERVED_NAMES = frozenset({ADMIN, *(service.name for service in SERVICES)})


def principal(user: str) -> str:
    return f"User:{user}"


def _allow(user: str, operation: ACLOperation, kind: ResourceType, name: str, *, prefixed: bool = False) -> ACL:
    pattern = ACLResourcePatternType.PREFIXED if prefixed else ACLResourcePatternType.LITERAL
    return ACL(
        principal=principal(user),
        host=ANY_HOST,
        operation=operation,
        permission_type=ACLPermissionType.ALLOW,
        resource_pattern=ResourcePattern(kind, name, pattern),
    )


def service_acls(service: ServiceAccess) -> list[ACL]:
    # READ and WRITE imply DESCRIBE (metadata); an idempotent producer needs WRITE on some topic.
    acls = [_allow(service.name, ACLOperation.WRITE, ResourceType.TOPIC, topic) for topic in service.writes]
    acls += [_allow(service.name, ACLOperation.READ, ResourceType.TOPIC, topic) for topic in service.reads]
    if service.consumes:
        acls.append(_allow(service.name, ACLOperation.READ, ResourceType.GROUP, service.group))
    return acls


def integration_acls(name: str) -> list[ACL]:
    acls = [_allow(name, ACLOperation.READ, ResourceType.TOPIC, topic) for topic in SERVICE_TOPICS]
    acls.append(_allow(name, ACLOperation.READ, ResourceType.GROUP, f"{name}.", prefixed=True))
    return acls


def check_integration_name(name: str) -> None:
    if name in RESERVED_NAMES:
        raise ValueError(f"{name!r} is reserved (the broker's admin and the services' own principals)")
    if not INTEGRATION_NAME.match(name):
        raise ValueError(f"{name!r}: use 2 to 49 characters, a-z 0-9 and '-', starting with a letter")
