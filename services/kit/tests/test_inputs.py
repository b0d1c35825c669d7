"""The kit's input types: the date range every service shares, NUL refused at any depth."""

from datetime import UTC, date, datetime

import pytest
from pydantic import BaseModel, ValidationError

from services.kit.inputs import AwareDateTime, Date, DateTime, NoNulText


class Body(NoNulText):
    day: Date | None = None
    at: DateTime | None = None
    aware: AwareDateTime | None = None
    nested: dict | None = None


class Inner(BaseModel):
    name: str


class Outer(NoNulText):
    inner: list[Inner]


@pytest.mark.parametrize(
    "data",
    [
        {"day": "0001-01-01"},
        {"day": "9999-12-31"},
        {"day": "1899-12-31"},
        {"day": "2201-01-01"},
        {"at": "0001-01-01T00:00:00"},
        {"aware": "9999-12-31T23:59:59-05:00"},
        {"aware": "0001-01-01T00:00:00+14:00"},
        {"aware": "2200-12-31T23:00:00-05:00"},  # 2201 in UTC
        {"aware": "2026-01-01T00:00:00"},  # no zone
    ],
)
def test_out_of_range_or_zoneless_values_are_validation_errors_not_overflows(data):
    with pytest.raises(ValidationError):
        Body.model_validate(data)


def test_the_ends_of_the_range_are_accepted_and_aware_times_come_back_in_utc():
    body = Body.model_validate({"day": "1900-01-01", "at": "2200-12-31T23:59:59", "aware": "1900-01-01T00:00-05:00"})
    assert body.day == date(1900, 1, 1) and body.at == datetime(2200, 12, 31, 23, 59, 59)  # noqa: DTZ001
    assert body.aware == datetime(1900, 1, 1, 5, tzinfo=UTC)


@pytest.mark.parametrize("data", [{"nested": {"a": ["ok", "b\x00"]}}, {"nested": {"k\x00": 1}}])
def test_a_nul_anywhere_in_the_body_is_refused_and_named(data):
    with pytest.raises(ValidationError, match="NUL"):
        Body.model_validate(data)


def test_nested_models_are_covered_by_the_outer_one():
    with pytest.raises(ValidationError, match=r"inner\.0\.name"):
        Outer.model_validate({"inner": [{"name": "a\x00"}]})
    assert Outer.model_validate({"inner": [{"name": "a"}]}).inner[0].name == "a"
