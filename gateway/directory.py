"""The people directory: the gateway's users as the services know them (officers, assignees,
recipients), published on `liaison.directory.v1` through the gateway's own outbox, in the same
transaction as the change (the kit's outbox and relay, as in every service)."""

from __future__ import annotations

from sqlmodel import Session

from gateway.models import User
from services.kit.event_models import UserDisabled, UserState, UserUpdated
from services.kit.event_models.directory import DIRECTORY_SOURCE, DIRECTORY_TOPIC
from services.kit.events import new_event
from services.kit.outbox import record_event

USER_CREATED = "liaison.user.created"
USER_UPDATED = "liaison.user.updated"
USER_DISABLED = "liaison.user.disabled"
# What the directory shows of a user: a change to anything else (password, roles) is not an event.
PUBLISHED_FIELDS = frozenset({"display_name", "email", "language", "teams", "disabled"})


def person(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "language": user.language,
        "teams": list(user.teams),
        "disabled": user.disabled,
        "version": user.version,
        "updated_at": user.updated_at,
    }


def record_user_created(*, session: Session, user: User) -> None:
    _record(session, USER_CREATED, user, UserState.model_validate(person(user)))


def record_user_changed(
    *,
    session: Session,
    user: User,
    changed_fields: list[str],
    disabled_now: bool,
    successor: User | None = None,
    changed_by: str | None = None,
) -> None:
    """`liaison.user.disabled` when this change disabled them (with who takes over their open
    follow-ups, if the admin named someone), otherwise `liaison.user.updated`; nothing when no
    published field changed."""
    published = sorted(set(changed_fields) & PUBLISHED_FIELDS)
    if disabled_now:
        extra: dict[str, object] = {"disabled_by": changed_by} if changed_by else {}
        if successor is not None:
            extra |= {"successor_id": successor.id, "successor_username": successor.username}
        _record(session, USER_DISABLED, user, UserDisabled.model_validate(person(user) | extra))
    elif published:
        _record(session, USER_UPDATED, user, UserUpdated.model_validate(person(user) | {"changed_fields": published}))


def _record(session: Session, event_type: str, user: User, data: UserState) -> None:
    event = new_event(type=event_type, source=DIRECTORY_SOURCE, subject=str(user.id), data=data)
    record_event(session=session, event=event, topic=DIRECTORY_TOPIC)
