"""Published event schemas only change in ways their existing consumers survive (DESIGN.md: Events).

contracts/baseline/ holds each schema as it was when consumers started relying on it; the baseline
carries its own copy of common/, so editing a shared piece is compared against the old piece.
"""

from __future__ import annotations

import copy

import pytest
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from tests.contract.compat import breaking_changes
from tests.contract.schemas import BASELINE, CONTRACTS, load_schemas, registry

CURRENT = load_schemas()
BASELINES = {path: schema for path, schema in load_schemas(BASELINE).items() if path.parent.name == "events"}


@pytest.mark.parametrize("path", BASELINES, ids=str)
def test_current_schema_is_backward_compatible_with_its_baseline(path):
    assert path in CURRENT, f"{path} was published; it cannot be deleted"
    assert (
        breaking_changes(
            BASELINES[path], CURRENT[path], old_registry=registry(BASELINE), new_registry=registry(CONTRACTS)
        )
        == []
    )


def test_every_event_schema_has_a_baseline():
    event_schemas = {path for path in CURRENT if path.parent.name == "events"}
    assert event_schemas <= BASELINES.keys(), "copy new schemas to contracts/baseline/ (see contracts/README.md)"


# --- the checker itself ----------------------------------------------------------------------------

OLD = {
    "type": "object",
    "required": ["id", "kind"],
    "properties": {
        "id": {"type": "string"},
        "kind": {"enum": ["a", "b"]},
        "source": {"const": "/x"},
        "note": {"type": ["string", "null"]},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}


def edited(edit) -> dict:
    schema = copy.deepcopy(OLD)
    edit(schema)
    return schema


BREAKING = {
    "field removed": (lambda s: s["properties"].pop("note"), "$.note: removed"),
    "new required field": (lambda s: s["required"].append("note"), "$.note: now required"),
    "required field made optional": (lambda s: s["required"].remove("kind"), "$.kind: no longer required"),
    "type narrowed": (lambda s: s["properties"]["note"].update(type="string"), "$.note: type changed"),
    "type widened": (lambda s: s["properties"]["id"].update(type=["string", "null"]), "$.id: type changed"),
    "enum value removed": (lambda s: s["properties"]["kind"].update(enum=["a"]), "$.kind: enum value 'b' removed"),
    "const changed": (lambda s: s["properties"]["source"].update(const="/y"), "$.source: const changed"),
    "closed to new fields": (lambda s: s.update(additionalProperties=False), "$: additionalProperties switched"),
    "array items narrowed": (lambda s: s["properties"]["tags"]["items"].update(enum=["x"]), "$.tags[]: values"),
}


@pytest.mark.parametrize(("edit", "expected"), BREAKING.values(), ids=BREAKING.keys())
def test_checker_catches(edit, expected):
    problems = breaking_changes(OLD, edited(edit))
    assert any(problem.startswith(expected) for problem in problems), problems


COMPATIBLE = {
    "optional field added": lambda s: s["properties"].update(website={"type": ["string", "null"]}),
    "enum value added": lambda s: s["properties"]["kind"]["enum"].append("c"),
    "documentation changed": lambda s: s.update(description="A thing."),
}


@pytest.mark.parametrize("edit", COMPATIBLE.values(), ids=COMPATIBLE.keys())
def test_checker_accepts(edit):
    assert breaking_changes(OLD, edited(edit)) == []


def test_checker_resolves_refs_before_comparing():
    def moved_to(shared: dict) -> Registry:
        return Registry().with_resource("shared.json", DRAFT202012.create_resource(shared))

    new = {"allOf": [{"$ref": "shared.json"}]}
    assert breaking_changes(OLD, new, new_registry=moved_to(OLD)) == []
    without_kind = edited(lambda s: s["properties"].pop("kind"))
    assert breaking_changes(OLD, new, new_registry=moved_to(without_kind)) == ["$.kind: removed from properties"]
