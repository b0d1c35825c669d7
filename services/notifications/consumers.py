"""What the notifications service does with the events it consumes: the handler registry.

Each handler gets the typed event (services/kit/event_models: data that does not fit is poison) and
runs inside the kit consumer's transaction (with the inbox rows), so a redelivered event changes
nothing. Data that can never apply raises RejectedEvent (→ the topic's .dlq).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from services.kit.consumer import RejectedEvent
from services.kit.event_models import (
    ContactErased,
    EngagementDeleted,
    EngagementState,
    FollowUpState,
    PartnerMerged,
    PartnerSnapshot,
    PartnerState,
    TypedEvent,
)
from services.kit.event_models.directory import DIRECTORY_TOPIC
from services.kit.handlers import Handlers
from services.kit.people import USER_EVENTS, people_handlers
from services.kit.types import utcnow
from services.notifications import audience
from services.notifications.deliveries import DeliveryBatch, Trigger, webhooks_listening_to
from services.notifications.engagements_client import EngagementsClient
from services.notifications.erasure import erase_contact
from services.notifications.messages import engagement_message
from services.notifications.models import KnownPartner, Person, Subscription
from services.notifications.reminders import Agreement, FollowUp, apply_agreement, apply_followup, cancel_reminders_of
from services.notifications.settings import NotificationsSettings

ENGAGEMENTS_TOPIC = "liaison.engagements.v1"
PARTNERS_TOPIC = "liaison.partners.v1"
CONSUMES = [ENGAGEMENTS_TOPIC, PARTNERS_TOPIC, DIRECTORY_TOPIC]
CONFIDENTIALITY = ("public", "internal", "restricted")
HANDLED_TYPES = (
    "liaison.engagement.logged",
    "liaison.engagement.updated",
    "liaison.engagement.deleted",
    "liaison.followup.created",
    "liaison.followup.completed",
    "liaison.followup.reassigned",
    "liaison.partner.created",
    "liaison.partner.updated",
    "liaison.partner.archived",
    "liaison.partner.restored",
    "liaison.partner.merged",
    "liaison.partner.snapshot",
    "liaison.contact.erased",
    *USER_EVENTS,
)


@dataclass
class Runtime:
    settings: NotificationsSettings
    engagements: EngagementsClient | None = None
    clock: Callable[[], datetime] = utcnow


def _uuid(value, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        raise RejectedEvent(f"{what} is not a UUID: {value!r}") from None


def _uuids(values, what: str) -> list[uuid.UUID]:
    if values is None:
        return []
    if not isinstance(values, list):
        raise RejectedEvent(f"{what} is not a list")
    return [_uuid(v, what) for v in values]


def _strings(values, what: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RejectedEvent(f"{what} is not a list of strings")
    return values


class Consumers:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def registry(self) -> Handlers:
        handlers = Handlers()
        handlers.on("liaison.engagement.logged", "liaison.engagement.updated")(self.on_engagement)
        handlers.on("liaison.engagement.deleted")(self.on_engagement_deleted)
        handlers.on("liaison.followup.created", "liaison.followup.completed", "liaison.followup.reassigned")(
            self.on_followup
        )
        handlers.on(
            "liaison.partner.created", "liaison.partner.updated", "liaison.partner.archived", "liaison.partner.restored"
        )(self.on_partner)
        handlers.on("liaison.partner.merged")(self.on_partner_merged)
        handlers.on("liaison.partner.snapshot")(self.on_partner_snapshot)
        handlers.on("liaison.contact.erased")(self.on_contact_erased)
        people_handlers(Person, handlers)  # the directory's read copy: recipients' names, e-mail, language
        return handlers

    # --- engagements ------------------------------------------------------------------------------

    def on_engagement(self, event: TypedEvent[EngagementState], *, session: Session) -> None:
        # What the event carries, as it was sent (only the fields it has): the restricted shape has four.
        data = event.data.model_dump(mode="json", exclude_unset=True)
        engagement_id = event.data.id
        confidentiality = data.get("confidentiality")
        if confidentiality not in CONFIDENTIALITY:
            raise RejectedEvent(f"unknown confidentiality {confidentiality!r}")
        now = self.runtime.clock()
        batch = DeliveryBatch(
            session=session,
            trigger=Trigger(event.id, event.type, "engagement", str(engagement_id)),
            now=now,
            email_enabled=bool(self.runtime.settings.smtp_host),
            zone=self.runtime.settings.zone,
        )
        event_json = event.to_json()
        engagement: dict[str, Any] | None = data
        if confidentiality == "restricted":
            # The event carries ids only; the details come from their owner, and only for the people
            # allowed to read them. If it is gone, nobody is told about it.
            engagement = self._restricted_details(engagement_id)
        if engagement is not None:
            partner_ids = _uuids(engagement.get("partner_ids"), "partner_ids")
            thrusts = _strings(engagement.get("thrusts"), "thrusts")
            found = audience.listeners(
                session=session, partner_ids=partner_ids, thrusts=thrusts, engagement_type=engagement.get("type")
            )
            author = data.get("updated_by") if event.type.endswith(".updated") else None
            author = author or engagement.get("created_by") or data.get("created_by")
            names = self._partner_names(session, partner_ids)
            engagement = {**engagement, "changed_fields": data.get("changed_fields", engagement.get("changed_fields"))}
            for listener in audience.allowed(
                session=session,
                found=found,
                confidentiality=confidentiality,
                author=author,
                officers=audience.officer_users(engagement.get("officers") or []),
                shared_with_teams={str(team) for team in engagement.get("shared_with_teams") or []},
            ):
                batch.notify_user(
                    user=listener.user,
                    channels=listener.channels,
                    held_channels=listener.held,
                    event_json=event_json,
                    # mypy cannot type a lambda binding the loop variable as a default.
                    render=lambda reader, e=engagement: engagement_message(  # type: ignore[misc]
                        e,
                        updated=event.type.endswith(".updated"),
                        partner_names=names.get(reader.language, []),
                        reader=reader,
                        public_url=self.runtime.settings.public_url,
                    ),
                )
            self._schedule_renewal(session, engagement, version=event.data.version, now=now)
        for hook in webhooks_listening_to(session, event.type):
            batch.webhook(hook, event_json)

    def _schedule_renewal(self, session: Session, engagement: dict[str, Any], *, version: int, now: datetime) -> None:
        expires_on = engagement.get("expires_on")
        try:
            expiry = date.fromisoformat(expires_on) if isinstance(expires_on, str) else None
        except ValueError:
            raise RejectedEvent(f"expires_on is not a date: {expires_on!r}") from None
        author = engagement.get("created_by")
        people = sorted(audience.officer_users(engagement.get("officers") or []))
        recipients = tuple(dict.fromkeys([*([author] if isinstance(author, str) else []), *people]))
        agreement = Agreement(
            id=_uuid(engagement.get("id"), "id"),
            type=engagement.get("type"),
            status=engagement.get("agreement_status"),
            expires_on=expiry,
            title=str(engagement.get("title") or ""),
            recipients=recipients,
            version=int(engagement.get("version") or version),
        )
        apply_agreement(session=session, agreement=agreement, settings=self.runtime.settings, now=now)

    def on_engagement_deleted(self, event: TypedEvent[EngagementDeleted], *, session: Session) -> None:
        """Its follow-ups went with it: their pending reminders are cancelled (kept, as tombstones)."""
        audience.forget(session)  # what the next events of the batch look up may change
        cancel_reminders_of(session=session, engagement_id=event.data.id)
        self._webhooks_only(event, session=session)

    def _restricted_details(self, engagement_id: uuid.UUID) -> dict[str, Any] | None:
        if self.runtime.engagements is None:
            raise RuntimeError("no engagements client: restricted engagements cannot be resolved")
        return self.runtime.engagements.fetch(engagement_id)

    @staticmethod
    def _partner_names(session: Session, partner_ids: list[uuid.UUID]) -> dict[str, list[str]]:
        return audience.remembered(
            session, ("names", tuple(partner_ids)), lambda: Consumers._names(session, partner_ids)
        )

    @staticmethod
    def _names(session: Session, partner_ids: list[uuid.UUID]) -> dict[str, list[str]]:
        known = (
            {
                p.id: p
                for p in session.execute(select(KnownPartner).where(col(KnownPartner.id).in_(partner_ids))).scalars()
            }
            if partner_ids
            else {}
        )
        names: dict[str, list[str]] = {"fr": [], "en": []}
        for partner_id in partner_ids:
            partner = known.get(partner_id)
            if partner is None:
                continue
            names["fr"].append(partner.name_fr or partner.name_en or str(partner_id))
            names["en"].append(partner.name_en or partner.name_fr or str(partner_id))
        return names

    def _webhooks_only(self, event: TypedEvent, *, session: Session) -> None:
        hooks = webhooks_listening_to(session, event.type)
        if hooks:
            batch = DeliveryBatch(
                session=session,
                trigger=Trigger(event.id, event.type, "engagement", event.subject),
                now=self.runtime.clock(),
                email_enabled=False,
                zone=self.runtime.settings.zone,
            )
            for hook in hooks:
                batch.webhook(hook, event.to_json())

    # --- follow-ups -------------------------------------------------------------------------------

    def on_followup(self, event: TypedEvent[FollowUpState], *, session: Session) -> None:
        audience.forget(session)  # what the next events of the batch look up may change
        data = event.data
        assignee = data.assignee
        if isinstance(assignee, dict):
            assignee = assignee.get("user")
            if not isinstance(assignee, str):
                raise RejectedEvent("assignee is neither a user nor an object naming one")
        followup = FollowUp(
            id=data.id,
            engagement_id=data.engagement_id,
            assignee=assignee,
            due_on=data.due_on,
            status=data.status or "open",
            version=data.version,
            description=data.description or "",
        )
        apply_followup(session=session, followup=followup, settings=self.runtime.settings, now=self.runtime.clock())
        self._webhooks_only(event, session=session)

    # --- partners ---------------------------------------------------------------------------------

    def on_partner(self, event: TypedEvent[PartnerState], *, session: Session) -> None:
        audience.forget(session)  # what the next events of the batch look up may change
        self._remember_partner(session, event.data)

    @staticmethod
    def _remember_partner(session: Session, partner: PartnerState) -> None:
        known = session.get(KnownPartner, partner.id)
        if known is not None and known.version >= partner.version:
            return  # an older version, redelivered or reordered: the newer one stands
        known = known or KnownPartner(id=partner.id)
        known.name_fr, known.name_en, known.region = partner.name_fr, partner.name_en, partner.region
        known.version = partner.version
        session.add(known)

    def on_partner_merged(self, event: TypedEvent[PartnerMerged], *, session: Session) -> None:
        """The duplicate's followers now follow the survivor (once each)."""
        audience.forget(session)  # what the next events of the batch look up may change
        duplicate, survivor = event.data.id, event.data.merged_into
        if duplicate == survivor:
            raise RejectedEvent("a partner cannot be merged into itself")
        following_survivor = set(
            session.execute(
                select(col(Subscription.user)).where(
                    col(Subscription.kind) == "partner", col(Subscription.target) == str(survivor)
                )
            ).scalars()
        )
        for subscription in (
            session.execute(
                select(Subscription).where(
                    col(Subscription.kind) == "partner", col(Subscription.target) == str(duplicate)
                )
            )
            .scalars()
            .all()
        ):
            if subscription.user in following_survivor:
                session.delete(subscription)
            else:
                subscription.target = str(survivor)
        if event.data.survivor is not None:
            self._remember_partner(session, event.data.survivor)
        known = session.get(KnownPartner, duplicate) or KnownPartner(id=duplicate)
        known.merged_into = survivor
        session.add(known)

    def on_partner_snapshot(self, event: TypedEvent[PartnerSnapshot], *, session: Session) -> None:
        """A resync: names and region applied only if newer; a merged duplicate's redirect kept. Subscriptions
        are this service's own (re-pointed when the merge came), so a snapshot leaves them alone."""
        data = event.data
        if data.merged_into == data.id:
            raise RejectedEvent("a partner cannot be merged into itself")
        self._remember_partner(session, data)
        if data.merged_into is not None:
            known = session.get(KnownPartner, data.id) or KnownPartner(id=data.id)
            known.merged_into = data.merged_into
            session.add(known)

    def on_contact_erased(self, event: TypedEvent[ContactErased], *, session: Session) -> None:
        audience.forget(session)  # what the next events of the batch look up may change
        erase_contact(session=session, contact_id=event.data.id)
