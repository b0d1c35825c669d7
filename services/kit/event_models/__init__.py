"""The typed events: one set of pydantic models that producers build and consumers parse, for every
event type in `contracts/events/` (tests/contract/test_event_models.py holds them to the schemas).

Each event type maps to the model of its `data`. Models are tolerant readers: fields a consumer does
not know are kept (`extra="allow"`), fields added to the contract later are optional, so an old event
replayed from a topic still parses. A producer builds the model and `new_event` dumps only what it set
(a restricted engagement's event must not even name the fields it leaves out). A consumer's handler
gets a `TypedEvent` whose `data` is the model; data that does not fit its model is poison (→ `.dlq`).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from services.kit.event_models.base import EventData
from services.kit.event_models.directory import (
    DIRECTORY_SOURCE,
    DIRECTORY_TOPIC,
    UserDisabled,
    UserState,
    UserUpdated,
)
from services.kit.event_models.engagements import (
    ENGAGEMENTS_SOURCE,
    ENGAGEMENTS_TOPIC,
    EngagementDeleted,
    EngagementState,
    EngagementUpdated,
    FollowUpReassigned,
    FollowUpState,
)
from services.kit.event_models.notifications import NOTIFICATIONS_SOURCE, NOTIFICATIONS_TOPIC, NotificationState
from services.kit.event_models.partners import (
    PARTNERS_SOURCE,
    PARTNERS_TOPIC,
    ContactErased,
    ContactState,
    PartnerMerged,
    PartnerSnapshot,
    PartnerState,
    PartnerUpdated,
    RelationshipState,
)
from services.kit.events import CloudEvent

DataT = TypeVar("DataT", bound=EventData)


class TypedEvent(CloudEvent, Generic[DataT]):
    """A CloudEvent whose `data` is its type's model."""

    data: DataT  # type: ignore[assignment]

    def to_json(self) -> str:
        # As it came: the fields it had (a restricted engagement's four), and those the model did not know.
        return self.model_dump_json(exclude_unset=True)


# event type -> (the model of its data, the topic it travels on, its source)
CATALOG: dict[str, tuple[type[EventData], str, str]] = {
    "liaison.partner.created": (PartnerState, PARTNERS_TOPIC, PARTNERS_SOURCE),
    "liaison.partner.updated": (PartnerUpdated, PARTNERS_TOPIC, PARTNERS_SOURCE),
    "liaison.partner.archived": (PartnerState, PARTNERS_TOPIC, PARTNERS_SOURCE),
    "liaison.partner.restored": (PartnerState, PARTNERS_TOPIC, PARTNERS_SOURCE),
    "liaison.partner.merged": (PartnerMerged, PARTNERS_TOPIC, PARTNERS_SOURCE),
    "liaison.partner.snapshot": (PartnerSnapshot, PARTNERS_TOPIC, PARTNERS_SOURCE),
    "liaison.relationship.added": (RelationshipState, PARTNERS_TOPIC, PARTNERS_SOURCE),
    "liaison.relationship.removed": (RelationshipState, PARTNERS_TOPIC, PARTNERS_SOURCE),
    "liaison.contact.added": (ContactState, PARTNERS_TOPIC, PARTNERS_SOURCE),
    "liaison.contact.updated": (ContactState, PARTNERS_TOPIC, PARTNERS_SOURCE),
    "liaison.contact.erased": (ContactErased, PARTNERS_TOPIC, PARTNERS_SOURCE),
    "liaison.engagement.logged": (EngagementState, ENGAGEMENTS_TOPIC, ENGAGEMENTS_SOURCE),
    "liaison.engagement.updated": (EngagementUpdated, ENGAGEMENTS_TOPIC, ENGAGEMENTS_SOURCE),
    "liaison.engagement.deleted": (EngagementDeleted, ENGAGEMENTS_TOPIC, ENGAGEMENTS_SOURCE),
    "liaison.followup.created": (FollowUpState, ENGAGEMENTS_TOPIC, ENGAGEMENTS_SOURCE),
    "liaison.followup.completed": (FollowUpState, ENGAGEMENTS_TOPIC, ENGAGEMENTS_SOURCE),
    "liaison.followup.reassigned": (FollowUpReassigned, ENGAGEMENTS_TOPIC, ENGAGEMENTS_SOURCE),
    "liaison.notification.sent": (NotificationState, NOTIFICATIONS_TOPIC, NOTIFICATIONS_SOURCE),
    "liaison.notification.failed": (NotificationState, NOTIFICATIONS_TOPIC, NOTIFICATIONS_SOURCE),
    "liaison.user.created": (UserState, DIRECTORY_TOPIC, DIRECTORY_SOURCE),
    "liaison.user.updated": (UserUpdated, DIRECTORY_TOPIC, DIRECTORY_SOURCE),
    "liaison.user.disabled": (UserDisabled, DIRECTORY_TOPIC, DIRECTORY_SOURCE),
}


class UnknownEventType(KeyError):
    pass


def model_of(event_type: str) -> type[EventData]:
    try:
        return CATALOG[event_type][0]
    except KeyError:
        raise UnknownEventType(event_type) from None


def typed(event: CloudEvent) -> TypedEvent[EventData]:
    """The event with its data parsed into its model (pydantic's ValidationError if it does not fit)."""
    model = model_of(event.type)
    # The model is chosen at run time: mypy cannot read a variable as a type argument.
    parameterised: type[TypedEvent[EventData]] = TypedEvent[model]  # type: ignore[valid-type]
    return parameterised.model_validate(event.model_dump() | {"data": model.model_validate(event.data)})


def dump(data: BaseModel | dict[str, Any]) -> dict[str, Any]:
    """What goes on the topic: the fields the producer set (JSON mode), and nothing it left out."""
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", exclude_unset=True)
    return data


__all__ = [
    "CATALOG",
    "ContactErased",
    "ContactState",
    "EngagementDeleted",
    "EngagementState",
    "EngagementUpdated",
    "EventData",
    "FollowUpReassigned",
    "FollowUpState",
    "NotificationState",
    "PartnerMerged",
    "PartnerSnapshot",
    "PartnerState",
    "PartnerUpdated",
    "RelationshipState",
    "TypedEvent",
    "UserDisabled",
    "UserState",
    "UserUpdated",
    "dump",
    "model_of",
    "typed",
]
