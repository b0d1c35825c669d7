"""The typed event models (services/kit/event_models) and contracts/events/ describe the same events:
one model per event type, the same field names, the same topic and source."""

from __future__ import annotations

import pytest
from referencing.jsonschema import DRAFT202012

from services.kit.event_models import CATALOG
from tests.contract.schemas import CONTRACTS, load_schemas, registry

SCHEMAS = {path.stem: schema for path, schema in load_schemas().items() if path.parent.name == "events"}


def data_properties(schema: dict, resolver) -> set[str]:
    """Every property name `data` may have: through $ref, allOf and anyOf."""
    found: set[str] = set()
    resolver = resolver.in_subresource(DRAFT202012.create_resource(schema))
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        found |= data_properties(resolved.contents, resolved.resolver)
    for part in (*schema.get("allOf", ()), *schema.get("anyOf", ())):
        found |= data_properties(part, resolver)
    found |= {name for name, sub in schema.get("properties", {}).items() if sub is not False}
    return found


def data_schema(event_type: str):
    schema = SCHEMAS[event_type]
    resolver = registry().resolver().in_subresource(DRAFT202012.create_resource(schema))
    return schema["properties"]["data"], resolver


def test_every_event_type_has_one_model_and_every_model_a_schema():
    assert set(CATALOG) == set(SCHEMAS)


@pytest.mark.parametrize("event_type", sorted(CATALOG))
def test_the_model_names_the_fields_the_schema_names(event_type):
    model = CATALOG[event_type][0]
    schema, resolver = data_schema(event_type)
    assert data_properties(schema, resolver) == set(model.model_fields)


@pytest.mark.parametrize("event_type", sorted(CATALOG))
def test_topic_and_source_are_the_contracts(event_type):
    _, topic, source = CATALOG[event_type]
    schema = SCHEMAS[event_type]
    assert schema["properties"]["source"]["const"] == source
    assert topic == f"liaison.{source.rsplit('/', 1)[-1]}.v1", "each service publishes on its own topic"
    assert (CONTRACTS / "events" / f"{event_type}.json").is_file()
