"""Reports and administration helpers without a browser: the CSV is neutralised, quarters have no gaps,
shades follow the counts, the demo data is recognised, a new key's secret is sealed to its session."""

from __future__ import annotations

import asyncio
import csv
import io
from types import SimpleNamespace

import pytest

from gateway.web.routes import admin, admin_integrations, reports
from services.kit.spreadsheets import inert


def plain_web(lang: str = "en"):
    return SimpleNamespace(gettext=lambda message: message, lang=lang)


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("\ncmd", "'\ncmd"),
        ("Culture", "Culture"),
        (3, "3"),
        (None, ""),
    ],
)
def test_a_cell_that_starts_like_a_formula_is_made_text(cell, shown):
    assert inert(cell) == shown


def test_the_coverage_csv_neutralises_every_cell_header_included():
    heat = {
        "columns": [("europe", "=Europe"), ("africa", "Africa")],
        "rows": [
            {"code": "culture", "label": "@Culture", "cells": [(2, 5), (0, 0)], "total": 2},
            {"code": "trade", "label": "Trade", "cells": [(1, 3), (1, 3)], "total": 1},
        ],
    }
    text = reports.coverage_csv(plain_web(), heat)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows == [
        ["Thrust code", "Thrust", "'=Europe", "Africa", "Total"],
        ["culture", "'@Culture", "2", "0", "2"],
        ["trade", "Trade", "1", "1", "1"],
    ]


def test_quarters_run_without_gaps_across_years():
    assert reports.quarter_keys({"2025-Q3", "2026-Q2"}) == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    assert reports.quarter_keys(set()) == []


def test_shades_grow_with_the_count_and_an_empty_cell_has_none():
    assert [reports.shade(n, 10) for n in (0, 1, 2, 5, 10)] == [0, 1, 1, 3, 5]
    assert reports.shade(0, 0) == 0


def test_the_heat_map_keeps_a_thrust_and_its_children_when_filtered():
    report = {
        "rows": [
            {"code": "trade", "parent": None, "en": "Trade", "fr": "Commerce", "total": 3, "groups": {"europe": 3}},
            {"code": "trade.policy", "parent": "trade", "en": "Policy", "fr": "Politique", "total": 1, "groups": {}},
            {"code": "culture", "parent": None, "en": "Culture", "fr": "Culture", "total": 1, "groups": {"unknown": 1}},
        ]
    }
    heat = reports.heat_map(plain_web("fr"), "region", report, "trade")
    assert [r["code"] for r in heat["rows"]] == ["trade", "trade.policy"]
    assert heat["rows"][0]["label"] == "Commerce" and heat["rows"][1]["child"] is True
    europe = [key for key, _ in heat["columns"]].index("europe")
    assert heat["rows"][0]["cells"][europe] == (3, 5)
    everything = reports.heat_map(plain_web(), "region", report, None)
    assert everything["columns"][-1] == ("unknown", "No region")  # shown only when some partner has none


class StubApi:
    def __init__(self, status: int, body: dict | None) -> None:
        self.answer = SimpleNamespace(ok=200 <= status < 300, json=body, status=status)
        self.asked: list[str] = []

    async def get(self, path: str, **_):
        self.asked.append(path)
        return self.answer


@pytest.mark.parametrize(
    ("status", "body", "loaded"),
    [
        (200, {"created_by": "demo-loader"}, True),
        (200, {"created_by": "someone@mrif.example"}, False),
        (404, {"title": "Not found"}, False),
    ],
)
def test_the_demo_data_is_recognised_by_the_demo_directory_partner(status, body, loaded):
    api = StubApi(status, body)
    assert asyncio.run(admin.demo_data_loaded(SimpleNamespace(api=api))) is loaded
    assert api.asked == ["/partners/" + str(admin.DEMO_PARTNER)]


def test_a_new_key_secret_is_sealed_to_its_session():
    settings = SimpleNamespace(token_key=lambda: "a token secret for the test only")

    def web(session_hash: str):
        return SimpleNamespace(
            runtime=SimpleNamespace(settings=settings), session=SimpleNamespace(id_hash=session_hash)
        )

    sealed = admin_integrations.seal(web("session-a"), {"key": "lia_x_y"})
    assert "lia_x_y" not in sealed
    assert admin_integrations.unseal(web("session-a"), sealed) == {"key": "lia_x_y"}
    assert admin_integrations.unseal(web("session-b"), sealed) is None  # another session's cookie
    assert admin_integrations.unseal(web("session-a"), sealed[:-4] + "AAAA") is None
    assert admin_integrations.unseal(web("session-a"), "not base64!") is None


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_a_report_date_outside_the_apis_range_gets_its_message_and_is_not_sent(day):
    """Issue 10, defect 4: the API refuses such dates (422); the page says why beside the field."""
    flt = reports.read_filters(plain_web(), day, day, None, None, None)
    assert flt.starts_from is None and flt.starts_to is None
    assert flt.errors == {"from": "Enter a date between 1900 and 2200.", "to": "Enter a date between 1900 and 2200."}
    assert reports.read_filters(plain_web(), "1900-01-01", "2200-12-31", None, None, None).errors == {}
