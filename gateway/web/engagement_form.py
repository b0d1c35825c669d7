"""The engagement form (log and edit): its fields as posted, the API's body made from them, and the
API's problems put back beside the fields they are about.

Nothing here calls the API or knows FastAPI: the routes do (gateway/web/routes/engagements.py and
engagement_page.py). Follow-ups are checked here, with the rules the engagements service states in
its contract, before the engagement is sent, so that an engagement is never logged with half of its
follow-ups; the service checks them again, and its answer is what stands.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field, ValidationError, field_validator
from starlette.datastructures import FormData

from gateway.web import i18n
from gateway.web.i18n import lazy_gettext as _l
from gateway.web.vocab import ENGAGEMENT_TYPES
from services.kit.inputs import Date, NoNulText
from services.kit.problems import ProblemType

TORONTO = ZoneInfo("America/Toronto")
FOLLOW_UP_ROWS = 3  # blank rows offered without JavaScript (with it, rows are added one by one)
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows

# The values are the API's (contracts/events/common/: a test holds them equal); the labels are ours.
TYPE_LABELS = ENGAGEMENT_TYPES
CONFIDENTIALITY_LABELS = {
    "public": _l("Public"),
    "internal": _l("Internal"),
    "restricted": _l("Restricted: only its author, its officers and administrators"),
}
OWED_BY_LABELS = {"quebec": _l("Owed by us"), "partner": _l("Owed by the partner")}
TYPES = list(TYPE_LABELS)
CONFIDENTIALITY = list(CONFIDENTIALITY_LABELS)
OWED_BY = list(OWED_BY_LABELS)


class FollowUpBody(NoNulText):
    """A follow-up row of the form as the API will take it (`POST /engagements/{id}/follow-ups`)."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1, max_length=5000)
    assignee: str = Field(min_length=1, max_length=200)
    due_on: Date | None = None
    owed_by: str = "quebec"

    @field_validator("description", "assignee")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("owed_by")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in OWED_BY_LABELS:
            raise ValueError(f"must be one of {', '.join(OWED_BY_LABELS)}")
        return value


# The API's field (first part of an error's location) -> the form's field the error shows beside.
FIELD_OF = {
    "partner_ids": "partners",
    "location": "city",
    "discussion_points": "discussion",
    "ends_at": "ends_at",
}

# Validation error types of the API (pydantic's) -> what the person reads.
MESSAGES = {
    "missing": _l("This field is required."),
    "string_too_short": _l("Fill in this field."),
    "too_short": _l("Choose at least one."),
    "string_too_long": _l("This is too long."),
    "too_long": _l("There are too many."),
    "datetime_parsing": _l("Enter a valid date and time."),
    "datetime_from_date_parsing": _l("Enter a valid date and time."),
    "date_parsing": _l("Enter a valid date."),
    "date_from_datetime_parsing": _l("Enter a valid date."),
    "uuid_parsing": _l("Choose from the list."),
    "enum": _l("Choose one of the options."),
    "literal_error": _l("Choose one of the options."),
    "unknown_team": _l("This team has no member yet: it cannot be given access."),
}
BLANK = _l("Fill in this field.")


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Messages made outside a template (errors) in the page's language."""
    token = i18n.current_language.set(lang)
    try:
        yield
    finally:
        i18n.current_language.reset(token)


@dataclass
class FollowUpRow:
    description: str = ""
    owed_by: str = "quebec"
    assignee: str = ""
    due_on: str = ""

    @property
    def used(self) -> bool:
        return bool(self.description.strip() or self.assignee.strip() or self.due_on.strip())


@dataclass
class EngagementForm:
    type: str = "meeting"
    title: str = ""
    starts_at: str = ""
    ends_at: str = ""
    city: str = ""
    country: str = ""
    partner_ids: list[str] = field(default_factory=list)
    contact_ids: list[str] = field(default_factory=list)
    officers: str = ""
    thrusts: list[str] = field(default_factory=list)
    mission_id: str = ""
    summary: str = ""
    notes: str = ""
    discussion: str = ""
    outcome: str = ""
    confidentiality: str = "internal"
    shared_with_teams: list[str] = field(default_factory=list)  # team ids: who else sees it when restricted
    follow_ups: list[FollowUpRow] = field(default_factory=list)
    idempotency_key: str = ""
    version: str = ""  # the engagement's version when the edit form was read (If-Match)

    @classmethod
    def blank(cls, *, user: str, mission_id: str = "") -> EngagementForm:
        return cls(
            starts_at=datetime.now(TORONTO).strftime(LOCAL_MINUTE),
            officers=user,
            mission_id=mission_id,
            idempotency_key=str(uuid.uuid4()),
        )

    @classmethod
    def from_posted(cls, form: FormData) -> EngagementForm:
        """`form`: Starlette's FormData (getlist for the repeated names)."""

        def text(name: str) -> str:
            # Browsers send a textarea's line breaks as CRLF: stored as they were typed, they would
            # make every edit "change" the notes.
            value = form.get(name)
            return value.replace("\r\n", "\n") if isinstance(value, str) else ""

        def many(name: str) -> list[str]:
            return [v for v in form.getlist(name) if isinstance(v, str)]

        def unique(values: list[str]) -> list[str]:
            return list(dict.fromkeys(v.strip() for v in values if v.strip()))

        columns = [many(f"fu_{name}") for name in ("description", "owed_by", "assignee", "due_on")]
        rows = [
            FollowUpRow(
                description=description,
                owed_by=owed_by if owed_by in OWED_BY else "quebec",
                assignee=assignee,
                due_on=due_on,
            )
            for description, owed_by, assignee, due_on in zip(*columns, strict=False)
        ]
        return cls(
            type=text("type"),
            title=text("title"),
            starts_at=text("starts_at"),
            ends_at=text("ends_at"),
            city=text("city"),
            country=text("country"),
            partner_ids=unique(many("partner_ids")),
            contact_ids=unique(many("contact_ids")),
            officers=text("officers"),
            thrusts=unique(many("thrusts")),
            mission_id=text("mission_id"),
            summary=text("summary"),
            notes=text("notes"),
            discussion=text("discussion"),
            outcome=text("outcome"),
            confidentiality=text("confidentiality") or "internal",
            shared_with_teams=unique(many("shared_with_teams")),
            follow_ups=rows,
            idempotency_key=text("idempotency_key"),
            version=text("version"),
        )

    @classmethod
    def from_engagement(cls, engagement: dict[str, Any], version: str) -> EngagementForm:
        location = engagement.get("location") or {}
        return cls(
            type=engagement["type"],
            title=engagement["title"],
            starts_at=local_input(engagement["starts_at"]),
            ends_at=local_input(engagement["ends_at"]) if engagement["ends_at"] != engagement["starts_at"] else "",
            city=location.get("city") or "",
            country=location.get("country") or "",
            partner_ids=[str(p) for p in engagement["partner_ids"]],
            contact_ids=[str(c) for c in engagement["contact_ids"]],
            officers=", ".join(engagement["officers"]),
            thrusts=list(engagement["thrusts"]),
            mission_id=str(engagement.get("mission_id") or ""),
            summary=engagement.get("summary") or "",
            notes=engagement.get("notes") or "",
            discussion="\n".join(engagement["discussion_points"]),
            outcome=engagement.get("outcome") or "",
            confidentiality=engagement["confidentiality"],
            shared_with_teams=[str(t) for t in engagement.get("shared_with_teams") or []],
            version=version,
        )

    def rows(self, minimum: int = FOLLOW_UP_ROWS) -> list[FollowUpRow]:
        """The follow-up rows to show: those filled in, then blank ones up to `minimum`."""
        used = [r for r in self.follow_ups if r.used]
        return used + [FollowUpRow() for _ in range(max(0, minimum - len(used)))]

    def used_follow_ups(self) -> list[FollowUpRow]:
        return [r for r in self.follow_ups if r.used]


def local_input(value: str) -> str:
    """An API time (UTC, ISO 8601) as a datetime-local value in Toronto."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(TORONTO).strftime(LOCAL_MINUTE)


def _aware(local: str) -> str:
    """A datetime-local value (Toronto) as the API's ISO 8601 with its offset; ValueError if it is not one."""
    parsed = datetime.fromisoformat(local)
    if parsed.tzinfo is not None:
        raise ValueError(local)
    return parsed.replace(tzinfo=TORONTO).isoformat()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.replace("\n", ",").split(",") if name.strip()]


def body_of(form: EngagementForm, *, for_update: bool = False) -> tuple[dict[str, Any], dict[str, str]]:
    """The API's body for the form, and the errors found before sending it (a time that is not one).

    Required fields left blank are sent as they are: the API says what is missing, in one answer.
    """
    errors: dict[str, str] = {}
    body: dict[str, Any] = {
        "type": form.type,
        "title": form.title,
        "partner_ids": form.partner_ids,
        "contact_ids": form.contact_ids,
        "officers": _names(form.officers),
        "thrusts": form.thrusts,
        "summary": form.summary.strip() or None,
        "notes": form.notes.strip() or None,
        "outcome": form.outcome.strip() or None,
        "discussion_points": _lines(form.discussion),
        "confidentiality": form.confidentiality,
        "shared_with_teams": form.shared_with_teams,
        "mission_id": form.mission_id or None,
    }
    for name in ("starts_at", "ends_at"):
        value = getattr(form, name).strip()
        if value:
            try:
                body[name] = _aware(value)
            except ValueError:
                errors[name] = str(MESSAGES["datetime_parsing"])
        elif name == "starts_at" and for_update:
            errors[name] = str(MESSAGES["missing"])  # on create, the API says it with the rest
    if for_update and "ends_at" not in body and "starts_at" in body:
        body["ends_at"] = body["starts_at"]  # no end given: it ends when it starts, as when logged
    if form.city.strip() or form.country.strip():
        body["location"] = {"city": form.city.strip() or None, "country": form.country.strip().upper() or None}
    elif for_update:
        body["location"] = None
    return body, errors


def follow_up_bodies(form: EngagementForm, *, user: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The follow-ups to add, checked as the API will check them; errors keyed `fu.<row>.<field>`."""
    bodies: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for index, row in enumerate(form.follow_ups):
        if not row.used:
            continue
        raw = {
            "description": row.description,
            "owed_by": row.owed_by,
            "assignee": row.assignee.strip() or user,
            "due_on": row.due_on.strip() or None,
        }
        try:
            bodies.append(FollowUpBody.model_validate(raw).model_dump(mode="json"))
        except ValidationError as invalid:
            for error in invalid.errors():
                name = str(error["loc"][0]) if error["loc"] else "description"
                errors.setdefault(f"fu.{index}.{name}", message_for(error.get("type", ""), error.get("msg", "")))
    return bodies, errors


def message_for(kind: str, fallback: str) -> str:
    if kind == "value_error" and "blank" in fallback:
        return str(BLANK)
    message = MESSAGES.get(kind)
    return str(message) if message is not None else fallback


def errors_of(problem: dict[str, Any] | None) -> tuple[dict[str, str], str | None]:
    """A problem+json answer -> ({form field: message}, a message for the top of the form or None)."""
    if not problem:
        return {}, None
    found: dict[str, str] = {}
    for error in problem.get("errors") or []:
        location = [str(part) for part in error.get("location") or []]
        if location and location[0] == "body":
            location = location[1:]
        name = FIELD_OF.get(location[0], location[0]) if location else ""
        if location[:2] == ["location", "country"]:
            name = "country"
        found.setdefault(name, message_for(error.get("type", ""), error.get("message", "")))
    detail = problem.get("detail") or problem.get("title") or ""
    if problem.get("field"):
        name = FIELD_OF.get(problem["field"], problem["field"])
        found.setdefault(name, _domain_message(problem["field"], detail))
    elif "unknown" in problem:
        found.setdefault(
            "thrusts", str(_l("Unknown policy thrust: %(codes)s")) % {"codes": ", ".join(problem["unknown"])}
        )
    elif "partner_ids" in problem:
        found.setdefault("partners", _partner_message(problem))
    general = None
    named = {k for k in found if k}
    if "" in found or not named:
        general = found.pop("", None) or detail or str(_l("The engagement could not be saved."))
    return found, general


def _domain_message(name: str, detail: str) -> str:
    """The form's words for a field's problem. A field with one problem is known by its name; the
    mission's three by the English detail's words, and otherwise (a French answer) the service's own
    detail is shown: it is in the page's language already (web.api asks in it)."""
    by_field = {
        "ends_at": _l("The end must not be before the start."),
        "type": _l("This mission holds engagements: it must stay a mission."),
    }
    if name in by_field:
        return str(by_field[name])
    known = {
        ("mission_id", "cannot be part"): _l("A mission cannot be part of another mission."),
        ("mission_id", "No mission"): _l("This mission no longer exists."),
        ("mission_id", "not a mission"): _l("Choose a mission."),
    }
    for (field_name, words), message in known.items():
        if field_name == name and words in detail:
            return str(message)
    return detail


def _partner_message(problem: dict[str, Any]) -> str:
    if problem.get("type") == ProblemType.ARCHIVED_PARTNER:
        return str(_l("An archived partner cannot be named on an engagement."))
    return str(_l("This partner is not known to the engagements yet; if it was just created, try again in a moment."))


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
