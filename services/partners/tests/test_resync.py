"""`POST /api/v1/admin/partners/resync`: every partner republished as a liaison.partner.snapshot, in
batches that commit with their outbox rows, resumable from the cursor each batch answers."""

from services.kit.outbox import OutboxMessage
from services.partners.tests.conftest import ADMIN, BAVARIA, GERMANY, OIF, VIEWER, count, create, events, signed
from tests.contract.schemas import validator

RESYNC = "/api/v1/admin/partners/resync"


def resync(client, **params):
    response = client.post(RESYNC, params=params, auth=signed(ADMIN))
    assert response.status_code == 200, response.text
    return response.json()


def test_every_partner_is_republished_once_in_batches_with_its_relationships(client, partners_engine):
    bavaria, germany, oif = create(client, BAVARIA), create(client, GERMANY), create(client, OIF)
    twin = create(client, GERMANY | {"name_fr": "Allemagne (doublon)"}, allow_duplicate="true")
    part_of = client.post(
        f"/api/v1/partners/{bavaria['id']}/relationships", json={"type": "part_of", "target_id": germany["id"]}
    ).json()
    client.post(f"/api/v1/partners/{germany['id']}/merge", json={"duplicate_id": twin["id"]}, auth=signed(ADMIN))
    before = count(partners_engine, OutboxMessage)

    batches, cursor = [], None
    while True:
        batch = resync(client, limit=3, **({"cursor": cursor} if cursor else {}))
        batches.append(batch["published"])
        cursor = batch["next_cursor"]
        if cursor is None:
            break

    assert batches == [3, 1]
    snapshots = {e["subject"]: e for e in events(partners_engine, "liaison.partner.snapshot")}
    assert count(partners_engine, OutboxMessage) == before + 4 == before + len(snapshots)
    assert set(snapshots) == {bavaria["id"], germany["id"], oif["id"], twin["id"]}
    by_id = {p: client.get(f"/api/v1/partners/{p}").json() for p in (bavaria["id"], oif["id"])}
    assert snapshots[bavaria["id"]]["data"]["version"] == by_id[bavaria["id"]]["version"]
    assert snapshots[bavaria["id"]]["data"]["name_fr"] == "Bavière"
    (relationship,) = snapshots[bavaria["id"]]["data"]["relationships"]
    assert relationship["id"] == part_of["id"] and relationship["target_id"] == germany["id"]
    assert relationship["version"] >= 1
    assert snapshots[germany["id"]]["data"]["relationships"] == []
    assert snapshots[twin["id"]]["data"]["merged_into"] == germany["id"]
    for snapshot in snapshots.values():
        snapshot.pop("_key")
        assert not list(validator(snapshot["dataschema"]).iter_errors(snapshot))


def test_a_resync_resumes_after_the_last_batch_it_was_given(client, partners_engine):
    ids = sorted(create(client, GERMANY | {"name_fr": f"Pays {n}"}, allow_duplicate="true")["id"] for n in range(5))
    first = resync(client, limit=2)
    # The run stops here (a crash, Ctrl-C); a new one given the cursor takes the rest, nothing twice.
    rest = resync(client, cursor=first["next_cursor"], limit=100)
    assert (first["published"], rest["published"], rest["next_cursor"]) == (2, 3, None)
    assert [e["subject"] for e in events(partners_engine, "liaison.partner.snapshot")] == ids


def test_an_empty_directory_is_one_empty_batch(client, partners_engine):
    assert resync(client) == {"published": 0, "next_cursor": None}
    assert count(partners_engine, OutboxMessage) == 0


def test_only_an_admin_resyncs_and_a_bad_cursor_writes_nothing(client, partners_engine):
    create(client, OIF)
    before = count(partners_engine, OutboxMessage)
    refused = client.post(RESYNC, auth=signed(VIEWER))
    assert refused.status_code == 403
    assert client.post(RESYNC).status_code == 403  # an officer either
    bad = client.post(RESYNC, params={"cursor": "not-a-cursor"}, auth=signed(ADMIN))
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    for limit in (0, 1001):
        assert client.post(RESYNC, params={"limit": limit}, auth=signed(ADMIN)).status_code == 422
    assert count(partners_engine, OutboxMessage) == before
