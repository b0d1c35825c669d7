"""A restricted engagement shared with teams (issue 13, Teams): besides its officers and admins, the
members of those teams (per this service's people copy) hear about it; other subscribers do not."""

import uuid

from services.kit.events import new_event
from services.notifications.models import Delivery, Notification
from services.notifications.tests import factories as f
from services.notifications.tests.test_consumers import (  # noqa: F401 (fixtures)
    AUTHOR,
    deliver,
    engagements_service,
    follower,
    rows,
    runner,
)

EUROPE, FRANCO = str(uuid.uuid4()), str(uuid.uuid4())


def person(runner, username: str, teams: list[str], *, disabled: bool = False) -> None:  # noqa: F811
    person_id = uuid.uuid4()
    data = {"id": str(person_id), "username": username, "teams": teams, "disabled": disabled, "version": 1}
    event = new_event(type="liaison.user.created", source="/liaison/directory", subject=str(person_id), data=data)
    deliver(runner, event, topic="liaison.directory.v1")


def test_members_of_the_teams_it_is_shared_with_hear_of_a_restricted_engagement(
    sessions,
    runner,  # noqa: F811
    engagements_service,  # noqa: F811
):
    known, _ = engagements_service
    partner = uuid.uuid4()
    data = f.engagement(
        partner_ids=[partner],
        confidentiality="restricted",
        created_by=AUTHOR,
        officers=["officer-on-it@example.test"],
        title="Secret talks",
    ) | {"shared_with_teams": [EUROPE]}
    known[data["id"]] = data
    for user, teams, disabled in (
        ("europe@example.test", [EUROPE], False),
        ("both@example.test", [FRANCO, EUROPE], False),
        ("franco@example.test", [FRANCO], False),
        ("gone@example.test", [EUROPE], True),
    ):
        person(runner, user, teams, disabled=disabled)
        follower(sessions, user, "partner", partner, channels=("inbox", "email"))
    follower(sessions, "nobody@example.test", "partner", partner, channels=("inbox",))  # not in the copy

    deliver(runner, f.restricted_event(data))

    notified = {n.user for n in rows(sessions, Notification)}
    assert notified == {"europe@example.test", "both@example.test"}
    refused = ["franco@example.test", "gone@example.test", "nobody@example.test"]
    assert not rows(sessions, Delivery, Delivery.recipient.in_(refused))


def test_a_restricted_engagement_shared_with_no_team_is_for_its_officers_only(
    sessions,
    runner,  # noqa: F811
    engagements_service,  # noqa: F811
):
    known, _ = engagements_service
    partner = uuid.uuid4()
    data = f.engagement(partner_ids=[partner], confidentiality="restricted", created_by=AUTHOR, officers=[])
    known[data["id"]] = data
    person(runner, "europe@example.test", [EUROPE])
    follower(sessions, "europe@example.test", "partner", partner)
    deliver(runner, f.restricted_event(data))
    assert rows(sessions, Notification) == []
