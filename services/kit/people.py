"""The read copy of the people directory (liaison.directory.v1) that a service keeps, one way for all.

The gateway's users are the people officers, assignees and recipients name. A service that needs
them declares its table on `PersonCopyBase` (`class Person(PersonCopyBase, table=True)`), registers
`people_handlers(Person)` on its consumer, and resolves what callers send with `resolve_people()`:
an id or a username of a known, enabled person, or a 422 naming the field. An older version never
overwrites a newer copy, so a replay or a reorder cannot undo a change.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, String, Uuid, or_
from sqlmodel import Field, Session, SQLModel, col, select

from services.kit.event_models import TypedEvent, UserState
from services.kit.handlers import Handlers
from services.kit.problems import Problem
from services.kit.types import UTCDateTime, utcnow

USER_EVENTS = ("liaison.user.created", "liaison.user.updated", "liaison.user.disabled")


class PersonCopyBase(SQLModel):
    """A person as the directory last said (its `version`); the table is each service's own."""

    id: uuid.UUID = Field(primary_key=True, sa_type=Uuid)
    username: str = Field(max_length=64, sa_type=String(64), unique=True)
    display_name: str | None = Field(default=None, max_length=200, sa_type=String(200))
    email: str | None = Field(default=None, max_length=320, sa_type=String(320))
    language: str | None = Field(default=None, max_length=8, sa_type=String(8))
    # sa_type, not sa_column: one Column object cannot serve the tables of two services' models.
    teams: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    disabled: bool = False
    version: int
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def name(self) -> str:
        return self.display_name or self.username


P = TypeVar("P", bound=PersonCopyBase)


class UnknownPerson(Problem):
    status = 422
    title = "Unknown or disabled person"


def record_person(*, session: Session, table: type[P], state: UserState) -> P:
    """The copy made to match `state`, unless it holds that version or a newer one already."""
    copy = session.get(table, state.id)
    if copy is not None and copy.version >= state.version:
        return copy
    values: dict[str, Any] = {
        "username": state.username,
        "display_name": state.display_name,
        "email": state.email,
        "language": state.language,
        "teams": [str(team) for team in state.teams],
        "disabled": state.disabled,
        "version": state.version,
        "received_at": utcnow(),
    }
    if copy is None:
        # A username given up by a person now renamed or replaced keeps no claim on it.
        for stale in session.exec(select(table).where(col(table.username) == state.username, table.id != state.id)):
            stale.username = f"~{stale.id}"
            session.add(stale)
        session.flush()
        copy = table(id=state.id, **values)
    else:
        for name, value in values.items():
            setattr(copy, name, value)
    session.add(copy)
    return copy


def people_handlers(table: type[PersonCopyBase], handlers: Handlers | None = None) -> Handlers:
    """The directory's three event types, kept in `table` (registered on `handlers` if given)."""
    registry = handlers if handlers is not None else Handlers()

    @registry.on(*USER_EVENTS)
    def on_user_changed(event: TypedEvent[UserState], *, session: Session) -> None:
        record_person(session=session, table=table, state=event.data)

    return registry


def _as_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def resolve_people(*, session: Session, table: type[P], values: Iterable[str], field: str) -> list[P]:
    """Each value (a person id, or a username while clients move to ids) as its enabled person, in
    order and once each; otherwise a 422 naming `field` and the values that are not usable."""
    wanted = list(dict.fromkeys(v for v in values))
    if not wanted:
        return []
    ids = [i for v in wanted if (i := _as_id(v)) is not None]
    found = session.exec(select(table).where(or_(col(table.id).in_(ids), col(table.username).in_(wanted)))).all()
    by_key: dict[str, P] = {}
    for row in found:
        by_key[str(row.id)] = by_key[row.username] = row
    people: list[P] = []
    refused: list[str] = []
    for value in wanted:
        as_id = _as_id(value)
        person = by_key.get(str(as_id)) if as_id is not None else by_key.get(value)
        if person is None or person.disabled:
            refused.append(value)
        elif person not in people:
            people.append(person)
    if refused:
        error = {
            "location": ["body", field],
            "field": field,
            "message": "unknown or disabled person",
            "type": "unknown_person",
        }
        named = ", ".join(repr(v) for v in refused)
        whom = "is not an enabled person" if len(refused) == 1 else "are not enabled people"
        raise UnknownPerson(
            f"{field}: {named} {whom} of the directory (if just created, their event may still be on its way; "
            "retry in a moment).",
            field=field,
            errors=[error | {"values": refused}],
        )
    return people


def usernames(
    *, session: Session, table: type[P], values: Iterable[str], field: str, kept: Iterable[str] = ()
) -> list[str]:
    """What a record stores for the people named in `values`: each one's username, in order and once.
    The username, not the id: the gateway never changes it, and callers, access checks, events and
    notifications all name people by it. `kept`: what the record names already, left as it is (a
    person disabled since stays on what they did; only who is added must be enabled)."""
    named, already = list(values), set(kept)
    added = [v for v in named if v not in already]
    people = resolve_people(session=session, table=table, values=added, field=field)
    canonical = {key: p.username for p in people for key in (str(p.id), p.username)}
    for value in added:  # an id in any spelling uuid.UUID reads
        if (as_id := _as_id(value)) is not None and str(as_id) in canonical:
            canonical[value] = canonical[str(as_id)]
    return list(dict.fromkeys(v if v in already else canonical[v] for v in named))


def names_of(*, session: Session, table: type[P], ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Display names (the username when none) of the people named, for read models."""
    if not ids:
        return {}
    rows = session.exec(select(table).where(col(table.id).in_(list(ids)))).all()
    return {row.id: row.name for row in rows}


def labels(*, session: Session, table: type[P], keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """How read models show the people named by username or id: `{id, username, display_name}`
    (a name the directory does not know shows as itself, with no id)."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    ids = [i for k in wanted if (i := _as_id(k)) is not None]
    rows = session.exec(select(table).where(or_(col(table.id).in_(ids), col(table.username).in_(wanted)))).all()
    known: dict[str, dict[str, Any]] = {}
    for row in rows:
        known[str(row.id)] = known[row.username] = {
            "id": str(row.id),
            "username": row.username,
            "display_name": row.name,
        }
    return {k: known.get(k) or {"id": None, "username": k, "display_name": k} for k in wanted}


def team_keys(*, session: Session, table: type[P], caller: str, team: str) -> list[str]:
    """What officers and assignees of a team are stored as (usernames and ids) for `team`: `mine`
    (the teams of `caller`, a username) or a team id; any other value is a 422 naming `team`."""
    if team == "mine":
        me = session.exec(select(table).where(col(table.username) == caller)).first()
        teams = set(me.teams) if me is not None else set()
    elif _as_id(team) is not None:
        teams = {str(_as_id(team))}
    else:
        error = {"location": ["query", "team"], "message": "`mine` or a team id", "type": "bad_team"}
        raise Problem("team: `mine` or a team id.", status=422, errors=[error])
    # A JSON list per person: filtered here, the directory being a few hundred people.
    members = [p for p in session.exec(select(table)) if teams & set(p.teams)]
    return [key for p in members for key in (p.username, str(p.id))]
