"""What the services' audit trails share: how a change is written down, and what an erased value reads as."""

from __future__ import annotations

from typing import Any

from pydantic_core import to_jsonable_python

ERASED = "[erased]"  # a value whose person was erased: the change stays, its content does not


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"before": old, "after": new}} for every field whose value differs."""
    return {
        name: {"before": to_jsonable_python(before.get(name)), "after": to_jsonable_python(after.get(name))}
        for name in after
        if before.get(name) != after.get(name)
    }
