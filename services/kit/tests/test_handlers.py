"""The handler registry: typed events in, poison out."""

import uuid

import pytest

from services.kit.consumer import RejectedEvent
from services.kit.event_models import PartnerState, TypedEvent
from services.kit.events import new_event
from services.kit.handlers import Handlers


def partner_event(**data):
    return new_event(type="liaison.partner.created", source="/liaison/partners", subject="p", data=data)


def test_a_handler_gets_the_event_with_its_data_parsed_into_its_model():
    seen = []
    handlers = Handlers()

    @handlers.on("liaison.partner.created", "liaison.partner.updated")
    def keep(event, *, session):
        seen.append(event)

    partner_id = uuid.uuid4()
    [run] = handlers["liaison.partner.created"]
    run(partner_event(id=str(partner_id), kind="state", status="active", version=2, shiny="new"), session=None)
    [event] = seen
    assert isinstance(event, TypedEvent) and isinstance(event.data, PartnerState)
    assert event.data.id == partner_id and event.data.version == 2
    assert event.data.model_extra == {"shiny": "new"}, "a field it does not know is kept, not refused"
    assert set(handlers) == {"liaison.partner.created", "liaison.partner.updated"}
    assert handlers.handlers_of("liaison.partner.updated") == [keep.__wrapped__], "as written, not wrapped"


def test_data_that_does_not_fit_its_model_is_refused_before_the_handler_runs():
    handlers = Handlers()
    calls = []

    def keep(event, *, session):
        calls.append(event)

    handlers.add("liaison.partner.created", keep)
    with pytest.raises(RejectedEvent, match="does not fit its model"):
        handlers["liaison.partner.created"][0](partner_event(id="not-a-uuid", kind="state"), session=None)
    assert calls == []


def test_only_the_contracts_event_types_can_be_registered():
    with pytest.raises(KeyError):
        Handlers().on("liaison.partner.creatd")(lambda event, *, session: None)
