"""liaison.partner.snapshot (a resync): the read copy rebuilt from empty, never taken back in time."""

import uuid

import pytest
from sqlmodel import select

from services.engagements.models import PartnerCopy, PartnerRelationship
from services.engagements.tests.support import add_partner, deliver, log, outbox_events, partner_data
from services.kit.consumer import RejectedEvent

SNAPSHOT = "liaison.partner.snapshot"


def relationship(partner_id, target_id, *, version=1, rel_id=None, type="part_of"):
    return {
        "id": str(rel_id or uuid.uuid4()),
        "partner_id": str(partner_id),
        "type": type,
        "target_id": str(target_id),
        "membership_status": None,
        "since": None,
        "until": None,
        "version": version,
    }


def snapshot(sessions, partner_id, *, relationships=(), **changes):
    data = partner_data(partner_id, **changes) | {"relationships": list(relationships)}
    return deliver(sessions, SNAPSHOT, str(partner_id), data)


def copy_of(sessions, partner_id):
    with sessions() as session:
        return session.get(PartnerCopy, partner_id)


def test_snapshots_build_an_empty_copy_with_relationships_and_merges(client, sessions):
    germany, bavaria, duplicate = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    snapshot(sessions, germany, name_en="Germany", kind="state", version=4)
    snapshot(sessions, bavaria, version=7, relationships=[relationship(bavaria, germany, version=3)])
    snapshot(sessions, duplicate, version=2, status="archived", merged_into=str(bavaria))

    copy = copy_of(sessions, bavaria)
    assert (copy.name_en, copy.version, copy.aliases, copy.merged_into) == ("Bavaria", 7, ["Freistaat Bayern"], None)
    assert copy_of(sessions, duplicate).merged_into == bavaria
    with sessions() as session:
        (link,) = session.scalars(select(PartnerRelationship)).all()
    assert (link.partner_id, link.target_id, link.version, link.removed) == (bavaria, germany, 3, False)
    # The copy works as one built from the events: the duplicate is re-pointed, members are found.
    engagement = log(client, [duplicate])
    assert engagement["partner_ids"] == [str(bavaria)]
    history = client.get(f"/api/v1/partners/{germany}/history", params={"include": "members"}).json()
    assert [i["engagement"]["id"] for i in history["items"]] == [engagement["id"]]


def test_a_snapshot_older_than_the_copy_changes_nothing(client, sessions):
    partner = add_partner(sessions, version=5, name_en="Free State of Bavaria")
    rel_id, germany = uuid.uuid4(), uuid.uuid4()
    removal = relationship(partner, germany, version=2, rel_id=rel_id)
    deliver(sessions, "liaison.relationship.removed", str(partner), removal)
    older = relationship(partner, germany, rel_id=rel_id)
    snapshot(sessions, partner, version=4, name_en="Old name", relationships=[older])
    assert copy_of(sessions, partner).name_en == "Free State of Bavaria"
    with sessions() as session:
        assert session.get(PartnerRelationship, rel_id).removed, "an older snapshot cannot revive a removal"


def test_a_newer_snapshot_renames_and_reindexes_and_a_repeat_is_quiet(client, sessions, engagements_engine):
    partner = add_partner(sessions)
    engagement = log(client, [partner])
    snapshot(sessions, partner, version=2, aliases=["Bayern"])
    found = client.get("/api/v1/engagements", params={"q": "Bayern"}).json()["items"]
    assert [e["id"] for e in found] == [engagement["id"]]
    events_before = len(outbox_events(engagements_engine))
    snapshot(sessions, partner, version=2, aliases=["Bayern"])
    snapshot(sessions, partner, version=2, aliases=["Bayern"], merged_into=None)
    assert len(outbox_events(engagements_engine)) == events_before, "a resync repeated publishes nothing"


def test_a_merged_duplicate_snapshot_repoints_engagements_once(client, sessions, engagements_engine):
    survivor, duplicate = add_partner(sessions), add_partner(sessions)
    engagement = log(client, [duplicate])
    for _ in range(2):
        snapshot(sessions, duplicate, version=2, status="archived", merged_into=str(survivor))
    assert client.get(f"/api/v1/engagements/{engagement['id']}").json()["partner_ids"] == [str(survivor)]
    updates = [e for e in outbox_events(engagements_engine) if e["type"] == "liaison.engagement.updated"]
    assert [u["subject"] for u in updates] == [engagement["id"]]


SOMEONE, OTHER = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"


@pytest.mark.parametrize(
    "data",
    [
        {"id": SOMEONE},  # no kind, status, version
        partner_data(uuid.UUID(SOMEONE)) | {"relationships": "none"},
        partner_data(uuid.UUID(SOMEONE)) | {"merged_into": SOMEONE, "relationships": []},
        partner_data(uuid.UUID(SOMEONE)) | {"relationships": [relationship(SOMEONE, OTHER, type="friend_of")]},
        partner_data(uuid.UUID(SOMEONE)) | {"relationships": [relationship(OTHER, SOMEONE)]},
        partner_data(uuid.UUID(SOMEONE)) | {"relationships": [relationship(SOMEONE, OTHER, version=0)]},
    ],
)
def test_unusable_snapshots_are_rejected_for_the_dead_letter_topic_and_change_nothing(sessions, data):
    with pytest.raises(RejectedEvent):
        deliver(sessions, SNAPSHOT, SOMEONE, data)
    assert copy_of(sessions, uuid.UUID(SOMEONE)) is None
