"""One registry shape for every service's consumer: event type → handlers, each handed the typed event.

    handlers = Handlers()

    @handlers.on("liaison.partner.created", "liaison.partner.updated")
    def on_partner_changed(event: TypedEvent[PartnerState], *, session: Session) -> None: ...

The event's data is parsed into its model (services/kit/event_models) before the handler runs; data
that does not fit is poison (a RejectedEvent: the consumer dead-letters it at once). A
registry is a read-only mapping, which is what ConsumerRunner takes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence

from pydantic import ValidationError
from sqlmodel import Session

from services.kit.consumer import RejectedEvent
from services.kit.event_models import TypedEvent, model_of, typed
from services.kit.events import CloudEvent

TypedHandler = Callable[..., None]  # handler(event: TypedEvent, *, session)


def accepting_plain_events(handler: TypedHandler) -> Callable[..., None]:
    """The handler, taking the CloudEvent off the topic and handing it on typed."""
    if getattr(handler, "__wrapped__", None) is not None:
        return handler

    @functools.wraps(handler)
    def run(event: CloudEvent, *, session: Session) -> None:
        if not isinstance(event, TypedEvent):
            try:
                event = typed(event)
            except ValidationError as exc:
                raise RejectedEvent(f"{event.type} {event.id}: data does not fit its model: {exc}") from exc
        handler(event, session=session)

    return run


class Handlers(Mapping[str, Sequence[Callable[..., None]]]):
    def __init__(self) -> None:
        self._by_type: dict[str, list[Callable[..., None]]] = {}
        self._named: dict[str, list[TypedHandler]] = {}

    def on(self, *event_types: str) -> Callable[[TypedHandler], Callable[..., None]]:
        """Register for these event types; the function returned takes a plain or a typed event."""

        def register(handler: TypedHandler) -> Callable[..., None]:
            typed_handler = accepting_plain_events(handler)
            for event_type in event_types:
                self.add(event_type, typed_handler)
            return typed_handler

        return register

    def add(self, event_type: str, handler: TypedHandler) -> None:
        model_of(event_type)  # only the contract's event types: a typo fails at start-up, not in production
        self._by_type.setdefault(event_type, []).append(accepting_plain_events(handler))
        self._named.setdefault(event_type, []).append(getattr(handler, "__wrapped__", handler))

    def handlers_of(self, event_type: str) -> list[TypedHandler]:
        """The functions registered, as written (for tests and documentation)."""
        return list(self._named.get(event_type, ()))

    def __getitem__(self, event_type: str) -> Sequence[Callable[..., None]]:
        return self._by_type[event_type]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_type)

    def __len__(self) -> int:
        return len(self._by_type)
