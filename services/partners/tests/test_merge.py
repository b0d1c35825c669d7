"""Merging a duplicate B into A: everything moves to A, B becomes a redirect, events tell the others."""

import uuid

from services.partners.tests.conftest import ADMIN, BAVARIA, GERMANY, OIF, create, events, signed

DUPLICATE = {
    "kind": "federated_state",
    "name_fr": "État libre de Bavière",
    "name_en": "Free State of Bavaria",
    "acronyms": ["BAY"],
    "aliases": ["Bayern"],
    "country": "DE",
    "region": "europe",
    "website": "https://www.bayern.de",
    "thrusts": ["trade"],
}


def merge(client, survivor, duplicate, **kwargs):
    return client.post(
        f"/api/v1/partners/{survivor['id']}/merge",
        json={"duplicate_id": duplicate["id"]},
        **({"auth": signed(ADMIN)} | kwargs),
    )


def test_merge_moves_names_links_and_contacts_and_leaves_a_redirect(client, partners_engine):
    bavaria = create(client, BAVARIA)
    duplicate = create(client, DUPLICATE, allow_duplicate="true")
    germany, oif = create(client, GERMANY), create(client, OIF)
    part = client.post(
        f"/api/v1/partners/{duplicate['id']}/relationships", json={"type": "part_of", "target_id": germany["id"]}
    ).json()
    member = client.post(
        f"/api/v1/partners/{duplicate['id']}/relationships",
        json={"type": "member_of", "target_id": oif["id"], "membership_status": "observer"},
    ).json()
    contact = client.post(
        f"/api/v1/partners/{duplicate['id']}/contacts",
        json={"name": "Markus Söder", "mandates": [{"post": "Minister-President"}]},
    ).json()

    assert merge(client, bavaria, duplicate, auth=client.auth).status_code == 403, "officers cannot merge"
    response = merge(client, bavaria, duplicate)
    assert response.status_code == 200, response.text
    survivor = response.json()
    assert survivor["id"] == bavaria["id"] and survivor["version"] == 2
    assert set(survivor["aliases"]) == {"Freistaat Bayern", "État libre de Bavière", "Free State of Bavaria", "Bayern"}
    assert survivor["acronyms"] == ["BY", "BAY"] and survivor["thrusts"] == ["trade"]
    assert survivor["website"] == "https://www.bayern.de", "a field the survivor lacked is taken over"

    redirect = client.get(f"/api/v1/partners/{duplicate['id']}")
    assert redirect.status_code == 200 and redirect.json() == survivor
    assert redirect.headers["content-location"] == f"/api/v1/partners/{bavaria['id']}"

    links = client.get(f"/api/v1/partners/{bavaria['id']}/relationships").json()["items"]
    assert {(r["id"], r["partner_id"], r["target_id"]) for r in links} == {
        (part["id"], bavaria["id"], germany["id"]),
        (member["id"], bavaria["id"], oif["id"]),
    }
    contacts = client.get(f"/api/v1/partners/{bavaria['id']}/contacts").json()["items"]
    assert [c["id"] for c in contacts] == [contact["id"]]
    assert contacts[0]["mandates"][0]["partner_id"] == bavaria["id"]

    listed = client.get("/api/v1/partners", params={"q": "Free State of Bavaria"}).json()["items"]
    assert [p["id"] for p in listed] == [bavaria["id"]], "the duplicate is no longer listed; its names lead to A"

    [merged] = events(partners_engine, "liaison.partner.merged")
    assert merged["_key"] == merged["subject"] == duplicate["id"]
    assert merged["data"]["id"] == duplicate["id"] and merged["data"]["merged_into"] == bavaria["id"]
    assert merged["data"]["survivor"] == survivor
    [updated] = [e for e in events(partners_engine, "liaison.partner.updated") if e["_key"] == bavaria["id"]]
    assert {"aliases", "acronyms", "thrusts", "website"} <= set(updated["data"]["changed_fields"])
    moved = events(partners_engine, "liaison.relationship.added")[-2:]
    assert {e["_key"] for e in moved} == {part["id"], member["id"]}, "keyed by the relationship"
    assert {e["subject"] for e in moved} == {bavaria["id"]}
    removed = events(partners_engine, "liaison.relationship.removed")
    assert {e["_key"] for e in removed} == {part["id"], member["id"]}
    assert {e["subject"] for e in removed} == {duplicate["id"]}
    [contact_moved] = events(partners_engine, "liaison.contact.updated")
    assert contact_moved["_key"] == bavaria["id"] and contact_moved["data"]["partner_id"] == bavaria["id"]


def test_a_merged_partner_cannot_change_or_be_merged_again(client):
    bavaria = create(client, BAVARIA)
    duplicate = create(client, DUPLICATE, allow_duplicate="true")
    merge(client, bavaria, duplicate)

    patch = client.patch(f"/api/v1/partners/{duplicate['id']}", json={"owner": "x"}, headers={"If-Match": 'W/"2"'})
    assert patch.status_code == 409 and patch.json()["merged_into"] == bavaria["id"]
    assert merge(client, bavaria, duplicate).status_code == 409
    assert merge(client, duplicate, bavaria).status_code == 409
    assert client.post(f"/api/v1/partners/{duplicate['id']}/contacts", json={"name": "X"}).status_code == 409


def test_merging_a_partner_into_itself_or_a_stranger_is_refused(client, partners_engine):
    bavaria = create(client, BAVARIA)
    assert merge(client, bavaria, bavaria).status_code == 422
    assert merge(client, bavaria, {"id": str(uuid.uuid4())}).status_code == 404
    bad = client.post(f"/api/v1/partners/{bavaria['id']}/merge", json={"duplicate_id": "nope"}, auth=signed(ADMIN))
    assert bad.status_code == 422
    assert events(partners_engine, "liaison.partner.merged") == []
    assert client.get(f"/api/v1/partners/{bavaria['id']}").json()["version"] == 1


def test_links_that_would_tie_the_survivor_to_itself_are_dropped(client):
    bavaria = create(client, BAVARIA)
    duplicate = create(client, DUPLICATE, allow_duplicate="true")
    germany = create(client, GERMANY)
    client.post(
        f"/api/v1/partners/{duplicate['id']}/relationships", json={"type": "partner_of", "target_id": bavaria["id"]}
    )
    client.post(f"/api/v1/partners/{bavaria['id']}/relationships", json={"type": "part_of", "target_id": germany["id"]})
    client.post(
        f"/api/v1/partners/{duplicate['id']}/relationships", json={"type": "part_of", "target_id": germany["id"]}
    )

    assert merge(client, bavaria, duplicate).status_code == 200
    links = client.get(f"/api/v1/partners/{bavaria['id']}/relationships").json()["items"]
    assert [(r["type"], r["target_id"]) for r in links] == [("part_of", germany["id"])]


def test_a_moved_relationship_keeps_one_key_and_rising_versions(client, partners_engine):
    """Defect: removed (keyed by the duplicate) and added (keyed by the survivor) landed on two
    partitions, so a consumer could apply the add first and then delete the relationship by id."""
    bavaria = create(client, BAVARIA)
    duplicate = create(client, DUPLICATE, allow_duplicate="true")
    germany = create(client, GERMANY)
    link = client.post(
        f"/api/v1/partners/{duplicate['id']}/relationships", json={"type": "part_of", "target_id": germany["id"]}
    ).json()
    assert merge(client, bavaria, duplicate).status_code == 200

    trail = [
        e
        for e in events(partners_engine)
        if e["type"].startswith("liaison.relationship.") and e["data"]["id"] == link["id"]
    ]
    assert [e["type"] for e in trail] == [
        "liaison.relationship.added",
        "liaison.relationship.removed",
        "liaison.relationship.added",
    ]
    assert {e["_key"] for e in trail} == {link["id"]}, "one relationship, one key, one partition"
    assert [e["data"]["version"] for e in trail] == [1, 2, 3]
    assert trail[-1]["data"]["partner_id"] == bavaria["id"]
