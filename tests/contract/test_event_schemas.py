"""Every event schema is a valid JSON Schema, and the events the services really build match it."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from services.kit.events import new_event
from services.partners.events import PARTNER_CREATED, SOURCE, partner_state
from services.partners.models import Partner
from tests.contract.schemas import CONTRACTS, load_schemas, validator

SCHEMAS = load_schemas()


@pytest.mark.parametrize("path", SCHEMAS, ids=str)
def test_is_a_2020_12_schema_whose_id_is_its_path(path):
    schema = SCHEMAS[path]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # dataschema (events/<type>.json) must lead a reader to this very file.
    assert schema["$id"] == path.as_posix()


def partner_created() -> dict:
    partner = Partner(kind="state", name_fr="France", country="FR", region="europe")
    event = new_event(type=PARTNER_CREATED, source=SOURCE, subject=str(partner.id), data=partner_state(partner))
    return json.loads(event.to_json())


def test_the_partners_service_publishes_valid_created_events():
    event = partner_created()
    validator(event["dataschema"]).validate(event)
    assert (CONTRACTS / event["dataschema"]).is_file()
    assert event["subject"] == event["data"]["id"]


def test_extensions_and_new_data_fields_are_allowed():
    event = partner_created()
    event["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    event["data"]["headquarters"] = "Paris"
    validator(event["dataschema"]).validate(event)


BROKEN = {
    "data without kind": lambda e: e["data"].pop("kind"),
    "another type": lambda e: e.update(type="liaison.partner.updated"),
    "no name at all": lambda e: e["data"].update(name_fr=None, name_en=None),
    "names missing": lambda e: [e["data"].pop(k) for k in ("name_fr", "name_en")],
    "country not ISO alpha-2": lambda e: e["data"].update(country="France"),
    "unknown kind": lambda e: e["data"].update(kind="planet"),
    "time without offset": lambda e: e.update(time="2025-01-01T12:00:00"),
    "id not a uuid": lambda e: e.update(id="42"),
}


@pytest.mark.parametrize("breakage", BROKEN.values(), ids=BROKEN.keys())
def test_malformed_created_events_are_rejected(breakage):
    event = partner_created()
    breakage(event)
    assert not validator("events/liaison.partner.created.json").is_valid(event)
