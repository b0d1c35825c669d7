"""The partner read copy, kept from liaison.partner.* events."""

import uuid

import pytest

from services.engagements.events import HANDLERS, on_partner_changed
from services.engagements.models import PartnerCopy
from services.kit.consumer import RejectedEvent
from services.kit.events import new_event


def partner_event(partner_id: uuid.UUID, *, version: int = 1, **changes):
    data = {
        "id": str(partner_id),
        "kind": "international_organization",
        "name_fr": "Organisation internationale de la Francophonie",
        "name_en": None,
        "acronyms": ["OIF"],
        "aliases": [],
        "country": None,
        "region": "global",
        "status": "active",
        "version": version,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    } | changes
    return new_event(type="liaison.partner.created", source="/liaison/partners", subject=str(partner_id), data=data)


def apply(sessions, event) -> None:
    with sessions() as session:
        on_partner_changed(event, session=session)
        session.commit()


def read_copy(sessions, partner_id):
    with sessions() as session:
        return session.get(PartnerCopy, partner_id)


def test_partner_created_is_registered_for_the_consumer():
    assert HANDLERS["liaison.partner.created"] == [on_partner_changed]


def test_a_created_partner_lands_in_the_read_copy(sessions):
    partner_id = uuid.uuid4()
    apply(sessions, partner_event(partner_id))

    copy = read_copy(sessions, partner_id)
    assert copy.name_fr == "Organisation internationale de la Francophonie"
    assert copy.acronyms == ["OIF"] and copy.status == "active" and copy.version == 1


def test_an_older_version_never_overwrites_a_newer_one(sessions):
    partner_id = uuid.uuid4()
    apply(sessions, partner_event(partner_id, version=3, name_en="OIF"))
    apply(sessions, partner_event(partner_id, version=2, name_en="stale"))
    assert read_copy(sessions, partner_id).name_en == "OIF"


def test_a_newer_version_replaces_the_copy(sessions):
    partner_id = uuid.uuid4()
    apply(sessions, partner_event(partner_id, version=1))
    apply(sessions, partner_event(partner_id, version=2, status="archived"))
    assert read_copy(sessions, partner_id).status == "archived"


@pytest.mark.parametrize(
    "changes",
    [
        {"id": "not-a-uuid"},
        {"version": "three"},
        {"kind": None} | {"status": None, "version": None},
    ],
)
def test_unusable_partner_data_is_rejected_for_the_dead_letter_topic(sessions, changes):
    event = partner_event(uuid.uuid4(), **changes)
    with pytest.raises(RejectedEvent):
        apply(sessions, event)


def test_missing_fields_are_rejected(sessions):
    event = new_event(type="liaison.partner.created", source="/liaison/partners", subject="x", data={"id": "x"})
    with pytest.raises(RejectedEvent, match="does not fit its model"):
        apply(sessions, event)
