"""What partner events do to the read copy and to engagements (updated, archived, merged, relationships, erasure)."""

import uuid

import pytest

from services.engagements.events import HANDLERS
from services.engagements.tests.support import OFFICER, add_partner, deliver, log, outbox_events, partner_data
from services.kit.consumer import RejectedEvent


def test_every_partner_event_it_needs_has_a_handler():
    assert set(HANDLERS) == {
        "liaison.partner.created",
        "liaison.partner.updated",
        "liaison.partner.archived",
        "liaison.partner.restored",
        "liaison.partner.merged",
        "liaison.partner.snapshot",
        "liaison.relationship.added",
        "liaison.relationship.removed",
        "liaison.contact.erased",
        "liaison.user.created",
        "liaison.user.updated",
        "liaison.user.disabled",
    }


def test_a_renamed_partner_is_found_by_its_new_name(client, sessions):
    partner = add_partner(sessions)
    engagement = log(client, [partner])
    add_partner(
        sessions,
        partner_id=partner,
        version=2,
        event="liaison.partner.updated",
        name_en="Free State of Bavaria",
        aliases=["Bayern"],
        changed_fields=["name_en", "aliases"],
        new_field_from_the_future=True,
    )
    found = client.get("/api/v1/engagements", params={"q": "Bayern"}).json()["items"]
    assert [e["id"] for e in found] == [engagement["id"]]
    assert found[0]["partners"][0]["name_en"] == "Free State of Bavaria"
    add_partner(sessions, partner_id=partner, version=1, event="liaison.partner.updated", name_en="Stale")
    assert client.get(f"/api/v1/partners/{partner}/history").json()["partner"]["name_en"] == "Free State of Bavaria"


def test_a_merge_repoints_engagements_and_later_requests_to_the_survivor(client, sessions, engagements_engine):
    survivor, duplicate, other = (
        add_partner(sessions),
        add_partner(sessions, name_en="Bavaria (dup)"),
        add_partner(sessions),
    )
    only_dup = log(client, [duplicate, other])
    both = log(client, [survivor, duplicate])
    follow_up = client.post(
        f"/api/v1/engagements/{only_dup['id']}/follow-ups", json={"description": "x", "assignee": OFFICER.user}
    ).json()
    deliver(
        sessions,
        "liaison.partner.merged",
        str(duplicate),
        {
            "id": str(duplicate),
            "merged_into": str(survivor),
            "survivor": partner_data(survivor, version=2, aliases=["Freistaat Bayern", "Bavaria (dup)"]),
        },
    )

    assert client.get(f"/api/v1/engagements/{only_dup['id']}").json()["partner_ids"] == [str(survivor), str(other)]
    assert client.get(f"/api/v1/engagements/{both['id']}").json()["partner_ids"] == [str(survivor)]
    history = client.get(f"/api/v1/partners/{duplicate}/history").json()
    assert history["partner"]["id"] == str(survivor), "the duplicate's history is its survivor's"
    assert {i["engagement"]["id"] for i in history["items"]} == {only_dup["id"], both["id"]}
    assert (
        client.get("/api/v1/follow-ups", params={"partner_id": str(survivor)}).json()["items"][0]["id"]
        == follow_up["id"]
    )
    created = log(client, [duplicate])
    assert created["partner_ids"] == [str(survivor)], "a request naming the duplicate is re-pointed"
    updates = [e for e in outbox_events(engagements_engine) if e["type"] == "liaison.engagement.updated"]
    assert {u["subject"] for u in updates} == {only_dup["id"], both["id"]}
    assert all(u["data"]["changed_fields"] == ["partner_ids"] and u["data"]["version"] == 2 for u in updates)
    assert all(u["data"]["updated_by"] == "service:partners" for u in updates), "the event named nobody"
    [merged] = client.get(f"/api/v1/engagements/{both['id']}/audit").json()["items"][:1]
    assert merged["action"] == "partner_merged" and merged["actor"] == "service:partners"
    assert merged["changes"] == {"partner_ids": {"before": [str(survivor), str(duplicate)], "after": [str(survivor)]}}


def test_a_merge_is_put_down_to_who_merged(client, sessions):
    survivor, duplicate = add_partner(sessions), add_partner(sessions)
    engagement = log(client, [duplicate])
    merge = {"id": str(duplicate), "merged_into": str(survivor)}
    merge["survivor"] = partner_data(survivor, version=2, updated_by="admin@example.test")
    deliver(sessions, "liaison.partner.merged", str(duplicate), merge)
    assert client.get(f"/api/v1/engagements/{engagement['id']}").json()["updated_by"] == "admin@example.test"


def test_a_merge_replayed_changes_nothing_more(client, sessions):
    survivor, duplicate = add_partner(sessions), add_partner(sessions)
    engagement = log(client, [duplicate])
    merge = {"id": str(duplicate), "merged_into": str(survivor), "survivor": partner_data(survivor, version=2)}
    deliver(sessions, "liaison.partner.merged", str(duplicate), merge)
    deliver(sessions, "liaison.partner.merged", str(duplicate), merge)
    assert client.get(f"/api/v1/engagements/{engagement['id']}").json()["version"] == 2


def test_relationships_feed_history_with_members(client, sessions):
    germany = add_partner(sessions, name_en="Germany", kind="state")
    bavaria, munich = add_partner(sessions), add_partner(sessions, name_en="Munich")
    for rel, (member, target) in enumerate([(bavaria, germany), (munich, bavaria)]):
        deliver(
            sessions,
            "liaison.relationship.added",
            str(member),
            {
                "id": f"00000000-0000-4000-8000-00000000000{rel}",
                "partner_id": str(member),
                "type": "part_of",
                "target_id": str(target),
                "membership_status": "member",
                "since": "1949-05-23",
                "until": None,
            },
        )
    in_germany, in_munich = (
        log(client, [germany]),
        log(client, [munich], starts_at="2026-04-01T10:00:00Z", ends_at="2026-04-01T11:00:00Z"),
    )
    plain = client.get(f"/api/v1/partners/{germany}/history").json()
    assert [i["engagement"]["id"] for i in plain["items"]] == [in_germany["id"]]
    members = client.get(f"/api/v1/partners/{germany}/history", params={"include": "members"}).json()
    assert [i["engagement"]["id"] for i in members["items"]] == [in_munich["id"], in_germany["id"]]
    assert set(members["included_partner_ids"]) == {str(germany), str(bavaria), str(munich)}
    removed = {
        "id": "00000000-0000-4000-8000-000000000000",
        "partner_id": str(bavaria),
        "type": "part_of",
        "target_id": str(germany),
        "membership_status": "member",
        "since": "1949-05-23",
        "until": None,
    }  # as published before relationships had versions: applied as it comes
    deliver(sessions, "liaison.relationship.removed", str(bavaria), removed)
    after = client.get(f"/api/v1/partners/{germany}/history", params={"include": "members"}).json()
    assert [i["engagement"]["id"] for i in after["items"]] == [in_germany["id"]]


def test_an_erased_contact_leaves_every_engagement(client, sessions, engagements_engine):
    partner = add_partner(sessions)
    contact, kept = uuid.uuid4(), uuid.uuid4()
    engagement = log(client, [partner], contact_ids=[str(contact), str(kept)])
    deliver(sessions, "liaison.contact.erased", str(partner), {"id": str(contact), "partner_id": str(partner)})
    after = client.get(f"/api/v1/engagements/{engagement['id']}").json()
    assert after["contact_ids"] == [str(kept)] and after["version"] == 2
    [update] = [e for e in outbox_events(engagements_engine) if e["type"] == "liaison.engagement.updated"]
    assert str(contact) not in str(update)
    assert after["updated_by"] == "service:partners"
    trail = client.get(f"/api/v1/engagements/{engagement['id']}/audit").json()["items"]
    assert [i["action"] for i in trail] == ["contact_erased", "logged"]
    assert str(contact) not in str(trail) and str(kept) in str(trail), "no trace of the erased person only"


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        ("liaison.partner.updated", {"id": "x"}),
        ("liaison.partner.merged", {"id": str(uuid.uuid4())}),
        (
            "liaison.partner.merged",
            {"id": "00000000-0000-4000-8000-000000000001", "merged_into": "00000000-0000-4000-8000-000000000001"},
        ),
        (
            "liaison.relationship.added",
            {
                "id": str(uuid.uuid4()),
                "partner_id": str(uuid.uuid4()),
                "type": "friend_of",
                "target_id": str(uuid.uuid4()),
            },
        ),
        (
            "liaison.relationship.added",
            {"id": str(uuid.uuid4()), "partner_id": "x", "type": "part_of", "target_id": str(uuid.uuid4())},
        ),
        ("liaison.relationship.removed", {}),
        ("liaison.contact.erased", {"id": 42}),
    ],
)
def test_unusable_events_are_rejected_for_the_dead_letter_topic_and_change_nothing(sessions, event_type, data):
    with pytest.raises(RejectedEvent):
        deliver(sessions, event_type, "x", data)


def relationship(rel_id, partner_id, target_id, version):
    return {
        "id": str(rel_id),
        "partner_id": str(partner_id),
        "type": "part_of",
        "target_id": str(target_id),
        "membership_status": None,
        "since": None,
        "until": None,
        "version": version,
    }


@pytest.mark.parametrize("order", ["in order", "add first"])
def test_a_relationship_moved_by_a_merge_survives_its_events_in_either_order(client, sessions, order):
    """Defect: the merge's removed (old owner) applied after its added (new owner) deleted the link by id."""
    germany = add_partner(sessions, name_en="Germany", kind="state")
    survivor, duplicate = add_partner(sessions), add_partner(sessions, name_en="Bavaria (dup)")
    rel = uuid.uuid4()
    deliver(sessions, "liaison.relationship.added", str(duplicate), relationship(rel, duplicate, germany, 1))
    removed = ("liaison.relationship.removed", str(duplicate), relationship(rel, duplicate, germany, 2))
    added = ("liaison.relationship.added", str(survivor), relationship(rel, survivor, germany, 3))
    for event in [removed, added] if order == "in order" else [added, removed]:
        deliver(sessions, *event)

    in_germany = log(client, [survivor])
    members = client.get(f"/api/v1/partners/{germany}/history", params={"include": "members"}).json()
    assert str(survivor) in members["included_partner_ids"]
    assert [i["engagement"]["id"] for i in members["items"]] == [in_germany["id"]]


def test_a_replayed_older_relationship_event_cannot_undo_a_removal(client, sessions):
    germany = add_partner(sessions, name_en="Germany", kind="state")
    bavaria = add_partner(sessions)
    rel = uuid.uuid4()
    deliver(sessions, "liaison.relationship.added", str(bavaria), relationship(rel, bavaria, germany, 1))
    deliver(sessions, "liaison.relationship.removed", str(bavaria), relationship(rel, bavaria, germany, 2))
    deliver(sessions, "liaison.relationship.added", str(bavaria), relationship(rel, bavaria, germany, 1))
    members = client.get(f"/api/v1/partners/{germany}/history", params={"include": "members"}).json()
    assert members["included_partner_ids"] == [str(germany)]
