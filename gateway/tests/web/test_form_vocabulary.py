"""The engagement form offers exactly the values the API takes: the same lists as the event contract
(contracts/events/common/), which the engagements service is held to by its own tests."""

import json
from pathlib import Path

import pytest

from gateway.web import engagement_form

COMMON = Path(__file__).resolve().parents[3] / "contracts" / "events" / "common"


def enums(schema: dict, name: str) -> list:
    """Every `enum` given for the property `name` anywhere in the schema, the longest first."""
    found: list[list] = []

    def walk(node):
        if isinstance(node, dict):
            prop = node.get("properties", {}).get(name)
            if isinstance(prop, dict) and "enum" in prop:
                found.append([v for v in prop["enum"] if v is not None])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert found, f"no enum for {name}"
    return max(found, key=len)


@pytest.mark.parametrize(
    ("contract", "name", "offered"),
    [
        ("engagement.json", "type", engagement_form.TYPES),
        ("engagement.json", "confidentiality", engagement_form.CONFIDENTIALITY),
        ("followup.json", "owed_by", engagement_form.OWED_BY),
    ],
)
def test_the_form_offers_the_contracts_values(contract, name, offered):
    schema = json.loads((COMMON / contract).read_text(encoding="utf-8"))
    assert sorted(offered) == sorted(enums(schema, name))


def test_a_follow_up_row_is_checked_as_the_api_checks_it():
    ok = engagement_form.FollowUpBody.model_validate(
        {"description": "  Envoyer la note ", "assignee": "camille", "due_on": "2027-01-15", "owed_by": "partner"}
    )
    assert ok.model_dump(mode="json") == {
        "description": "Envoyer la note",
        "assignee": "camille",
        "due_on": "2027-01-15",
        "owed_by": "partner",
    }
    for bad in (
        {"description": " ", "assignee": "camille"},
        {"description": "x", "assignee": "camille", "due_on": "9999-12-31"},
        {"description": "x", "assignee": "camille", "owed_by": "nobody"},
        {"description": "x\x00", "assignee": "camille"},
    ):
        with pytest.raises(ValueError):
            engagement_form.FollowUpBody.model_validate(bad)
