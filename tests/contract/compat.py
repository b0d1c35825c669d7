"""Is a new version of an event's JSON Schema backward compatible with the old one?

Consumers upgrade on their own schedule and topics keep old events for replay, so a new schema
must keep every promise the old one made: a field a consumer reads is still there, still
required if it was, with the same type and const; no value the old schema allowed is now refused.
What may change: optional fields may be added and enums may grow (consumers treat an unknown
value as "other"), since `additionalProperties` stays open.

Both schemas are flattened first ($ref and allOf merged), so moving a piece into
contracts/events/common/ is not a change. Value constraints (format, pattern, lengths, bounds)
are not compared; keywords the checker cannot reason about make it fail rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from referencing import Registry
from referencing.jsonschema import DRAFT202012

_UNSET: Any = object()
_UNSUPPORTED = {
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "patternProperties",
    "propertyNames",
    "prefixItems",
    "contains",
    "dependentRequired",
    "dependentSchemas",
    "unevaluatedProperties",
    "unevaluatedItems",
    "$dynamicRef",
}
_JSON_TYPES = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}


@dataclass
class Flat:
    """A schema with its references and allOf merged in."""

    types: frozenset[str] | None = None  # None: any type
    enum: list[Any] | None = None
    const: Any = _UNSET
    required: set[str] = field(default_factory=set)
    properties: dict[str, Flat] = field(default_factory=dict)
    closed: bool = False  # additionalProperties: false
    items: Flat | None = None
    any_of: list[list[Flat]] = field(default_factory=list)

    def value_types(self) -> frozenset[str] | None:
        if self.types is not None:
            return self.types
        values = [self.const] if self.const is not _UNSET else self.enum
        return None if values is None else frozenset(_JSON_TYPES[type(v)] for v in values)


def breaking_changes(
    old: dict, new: dict, *, old_registry: Registry | None = None, new_registry: Registry | None = None
) -> list[str]:
    """What a consumer built for `old` would trip on in events valid under `new`; empty if nothing."""
    old_registry = old_registry or Registry()
    new_registry = new_registry or Registry()
    problems: list[str] = []
    _compare(_flatten(old, old_registry.resolver()), _flatten(new, new_registry.resolver()), "$", problems)
    return problems


def _flatten(schema: dict | bool, resolver) -> Flat:
    if isinstance(schema, bool):
        return Flat() if schema else Flat(types=frozenset())
    if unsupported := _UNSUPPORTED & schema.keys():
        raise ValueError(f"compat checker cannot compare {sorted(unsupported)}: extend it first")
    resolver = resolver.in_subresource(DRAFT202012.create_resource(schema))
    flat = Flat(
        types=_types(schema),
        enum=list(schema["enum"]) if "enum" in schema else None,
        const=schema.get("const", _UNSET),
        required=set(schema.get("required", ())),
        properties={name: _flatten(sub, resolver) for name, sub in schema.get("properties", {}).items()},
        closed=schema.get("additionalProperties") is False,
        items=_flatten(schema["items"], resolver) if "items" in schema else None,
        any_of=[[_flatten(sub, resolver) for sub in schema["anyOf"]]] if "anyOf" in schema else [],
    )
    for part in schema.get("allOf", ()):
        flat = _merge(flat, _flatten(part, resolver))
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        flat = _merge(flat, _flatten(resolved.contents, resolved.resolver))
    return flat


def _types(schema: dict) -> frozenset[str] | None:
    if "type" not in schema:
        return None
    declared = schema["type"]
    return frozenset([declared] if isinstance(declared, str) else declared)


def _merge(a: Flat, b: Flat) -> Flat:
    """Both schemas apply (allOf): the result is the intersection."""

    def both(x, y, combine):
        return y if x is None else x if y is None else combine(x, y)

    return Flat(
        types=both(a.types, b.types, frozenset.intersection),
        enum=both(a.enum, b.enum, lambda x, y: [v for v in x if v in y]),
        const=a.const if a.const is not _UNSET else b.const,
        required=a.required | b.required,
        properties={
            name: both(a.properties.get(name), b.properties.get(name), _merge)
            for name in a.properties.keys() | b.properties.keys()
        },
        closed=a.closed or b.closed,
        items=both(a.items, b.items, _merge),
        any_of=a.any_of + b.any_of,
    )


def _compare(old: Flat, new: Flat, path: str, problems: list[str]) -> None:
    if old.const is not _UNSET and new.const != old.const:
        new_const = "no const" if new.const is _UNSET else repr(new.const)
        problems.append(f"{path}: const changed from {old.const!r} to {new_const}")
    if old.value_types() != new.value_types():
        problems.append(f"{path}: type changed from {_show(old.value_types())} to {_show(new.value_types())}")
    if new.enum is not None:
        if old.enum is None:
            problems.append(f"{path}: values now restricted to {new.enum!r}")
        else:
            problems.extend(f"{path}: enum value {v!r} removed" for v in old.enum if v not in new.enum)
    problems.extend(f"{path}.{name}: now required" for name in sorted(new.required - old.required))
    problems.extend(f"{path}.{name}: no longer required" for name in sorted(old.required - new.required))
    for name, old_sub in sorted(old.properties.items()):
        if name in new.properties:
            _compare(old_sub, new.properties[name], f"{path}.{name}", problems)
        else:
            problems.append(f"{path}.{name}: removed from properties")
    if new.closed and not old.closed:
        problems.append(f"{path}: additionalProperties switched to false")
    if old.items is not None or new.items is not None:
        _compare(old.items or Flat(), new.items or Flat(), f"{path}[]", problems)
    if [len(group) for group in old.any_of] != [len(group) for group in new.any_of]:
        problems.append(f"{path}: anyOf alternatives changed")
    else:
        for g, (old_group, new_group) in enumerate(zip(old.any_of, new.any_of, strict=False)):
            for i, (old_sub, new_sub) in enumerate(zip(old_group, new_group, strict=False)):
                _compare(old_sub, new_sub, f"{path}(anyOf {g}.{i})", problems)


def _show(types: frozenset[str] | None) -> str:
    return "any" if types is None else repr(sorted(types))
