"""Loading the contracts: schemas by path, a registry to resolve their $refs locally."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
BASELINE = CONTRACTS / "baseline"


def load_schemas(root: Path = CONTRACTS) -> dict[Path, dict]:
    """Every schema under root/events, keyed by its path relative to root (= its $id)."""
    return {path.relative_to(root): json.loads(path.read_text()) for path in sorted((root / "events").rglob("*.json"))}


def registry(root: Path = CONTRACTS) -> Registry:
    # No `retrieve`: a $ref that is not a file here fails instead of going to the network.
    return Registry().with_resources(
        (schema["$id"], DRAFT202012.create_resource(schema)) for schema in load_schemas(root).values()
    )


# jsonschema checks date-time only with rfc3339-validator installed; without it any string passes.
FORMAT_CHECKER = FormatChecker()


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return len(value) > 10 and value[10] in "Tt" and datetime.fromisoformat(value).tzinfo is not None


def validator(schema_id: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": schema_id}, registry=registry(), format_checker=FORMAT_CHECKER)
