"""Reports: the policy's coverage as two heat maps (thrust by region, thrust by quarter) and their CSV.

The counts are the engagements service's (`GET /reports/thrusts`, as the person reading): what they
may not see is not counted. The filters live in the URL, so a report can be bookmarked and shared.
"""

from __future__ import annotations

import asyncio
import csv
import io
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from gateway.web import i18n, vocab
from gateway.web.context import Web, WebContext
from services.kit.headers import content_disposition
from services.kit.inputs import in_range
from services.kit.spreadsheets import inert
from services.kit.thrusts import taxonomy

router = APIRouter()

# The partners service's regions and the engagements service's types (DESIGN.md), in display order.
NO_REGION = "unknown"  # the report's key for partners without a region
REGIONS = {code: name for code, name in vocab.REGIONS.items() if code != NO_REGION}
TYPES = vocab.ENGAGEMENT_TYPES
BREAKDOWNS = ("region", "quarter")
SHADES = 5  # heat-1 .. heat-5 in reports.css; heat-0 is an empty cell


def tr(web: WebContext, text: i18n.Text) -> str:
    """A lazy message in the page's language (outside a template, where no language is set yet)."""
    token = i18n.current_language.set(web.lang)
    try:
        return str(text)
    finally:
        i18n.current_language.reset(token)


@dataclass
class Filters:
    starts_from: date | None = None
    starts_to: date | None = None
    type: str | None = None
    region: str | None = None
    thrust: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def api_params(self) -> dict[str, str]:
        """The report's query: local dates as local midnights (the service reads them in its time zone);
        `to` is the last day included, the API's bound is exclusive."""
        params = {}
        if self.starts_from:
            params["from"] = f"{self.starts_from.isoformat()}T00:00:00"
        if self.starts_to:
            params["to"] = f"{(self.starts_to + timedelta(days=1)).isoformat()}T00:00:00"
        if self.type:
            params["type"] = self.type
        if self.region:
            params["region"] = self.region
        return params

    def query(self) -> dict[str, str]:
        """The filters as the page's own query string (for the CSV links)."""
        values = {
            "from": self.starts_from.isoformat() if self.starts_from else None,
            "to": self.starts_to.isoformat() if self.starts_to else None,
            "type": self.type,
            "region": self.region,
            "thrust": self.thrust,
        }
        return {k: v for k, v in values.items() if v}


def read_filters(
    web: WebContext,
    starts_from: str | None,
    starts_to: str | None,
    type: str | None,
    region: str | None,
    thrust: str | None,
) -> Filters:
    """What the URL asks for; an unreadable value is dropped and gets its message beside its field."""
    flt = Filters()

    def day(name: str, raw: str | None) -> date | None:
        if not raw:
            return None
        try:
            parsed = date.fromisoformat(raw)
        except ValueError:
            flt.errors[name] = web.gettext("Enter a date as YYYY-MM-DD.")
            return None
        try:
            return in_range(parsed)  # the range the API takes (kit/inputs.py)
        except ValueError:
            flt.errors[name] = web.gettext("Enter a date between 1900 and 2200.")
            return None

    flt.starts_from, flt.starts_to = day("from", starts_from), day("to", starts_to)
    if flt.starts_from and flt.starts_to and flt.starts_to < flt.starts_from:
        flt.errors["to"] = web.gettext("The end date comes before the start date.")
        flt.starts_to = None
    for name, raw, known in (("type", type, TYPES), ("region", region, REGIONS)):
        if raw and raw not in known:
            flt.errors[name] = web.gettext("Choose a value from the list.")
        elif raw:
            setattr(flt, name, raw)
    if thrust and thrust not in taxonomy():
        flt.errors["thrust"] = web.gettext("Choose a value from the list.")
    elif thrust:
        flt.thrust = thrust
    return flt


def thrust_label(row: dict[str, Any], lang: str) -> str:
    return str(row.get(lang) or row.get("en") or row["code"])


def quarter_keys(keys: set[str]) -> list[str]:
    """Every quarter from the first to the last one counted: a quarter without engagements is a gap
    worth seeing, not a column to leave out."""
    if not keys:
        return []
    parsed = sorted((int(k[:4]), int(k[-1])) for k in keys)
    (year, quarter), last = parsed[0], parsed[-1]
    found = []
    while (year, quarter) <= last:
        found.append(f"{year}-Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return found


def column_labels(web: WebContext, breakdown: str, rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    keys = {key for row in rows for key in row["groups"]}
    if breakdown == "quarter":
        return [
            (key, web.gettext("Q%(quarter)s %(year)s") % {"quarter": key[-1], "year": key[:4]})
            for key in quarter_keys(keys)
        ]
    columns = [(code, tr(web, label)) for code, label in REGIONS.items()]
    if NO_REGION in keys:
        columns.append((NO_REGION, web.gettext("No region")))
    return columns


def shade(count: int, highest: int) -> int:
    return 0 if count <= 0 or highest <= 0 else max(1, math.ceil(SHADES * count / highest))


def heat_map(web: WebContext, breakdown: str, report: dict[str, Any], thrust: str | None) -> dict[str, Any]:
    """Rows (thrusts, a parent before its children) by columns, each cell with its count and shade."""
    rows = [
        row for row in report["rows"] if not thrust or row["code"] == thrust or row["code"].startswith(thrust + ".")
    ]
    columns = column_labels(web, breakdown, rows)
    highest = max((n for row in rows for n in row["groups"].values()), default=0)
    return {
        "breakdown": breakdown,
        "columns": columns,
        "highest": highest,
        "rows": [
            {
                "code": row["code"],
                "label": thrust_label(row, web.lang),
                "child": row["parent"] is not None,
                "total": row["total"],
                "cells": [(row["groups"].get(key, 0), shade(row["groups"].get(key, 0), highest)) for key, _ in columns],
            }
            for row in rows
        ],
    }


async def coverage(
    web: WebContext, flt: Filters, breakdowns: tuple[str, ...]
) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The heat maps, or the reason there are none (the service could not answer)."""
    answers = await asyncio.gather(
        *(web.api.get("/reports/thrusts", params={**flt.api_params(), "group_by": b}) for b in breakdowns)
    )
    for answer in answers:
        if not answer.ok:
            problem = answer.problem or {}
            return {}, problem.get("detail") or web.gettext("The report could not be made; try again in a moment.")
    return {b: heat_map(web, b, a.json, flt.thrust) for b, a in zip(breakdowns, answers, strict=True)}, None


def thrust_options(lang: str) -> list[tuple[str, str]]:
    return [(t.code, ("— " if t.parent else "") + (t.fr if lang == "fr" else t.en)) for t in taxonomy()]


@router.get("/reports", response_class=HTMLResponse)
async def reports_page(
    web: Web,
    starts_from: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    starts_to: Annotated[str | None, Query(alias="to", max_length=40)] = None,
    type: Annotated[str | None, Query(max_length=40)] = None,
    region: Annotated[str | None, Query(max_length=40)] = None,
    thrust: Annotated[str | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    flt = read_filters(web, starts_from, starts_to, type, region, thrust)
    maps, failure = await coverage(web, flt, BREAKDOWNS)
    return web.render(
        "reports/coverage.html",
        status=400 if flt.errors else (502 if failure else 200),
        filters=flt,
        form={"from": starts_from or "", "to": starts_to or "", "type": type, "region": region, "thrust": thrust},
        errors=flt.errors,
        maps=maps,
        failure=failure,
        type_options=[("", web.gettext("All types")), *((k, tr(web, v)) for k, v in TYPES.items())],
        region_options=[("", web.gettext("All regions")), *((k, tr(web, v)) for k, v in REGIONS.items())],
        thrust_options=[("", web.gettext("All thrusts")), *thrust_options(web.lang)],
        csv_query={b: {**flt.query(), "by": b} for b in BREAKDOWNS},
    )


def coverage_csv(web: WebContext, heat: dict[str, Any]) -> str:
    buffer = io.StringIO()
    # `;` and a BOM: what Excel opens as it is in French and English locales (as the partners export).
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    header = [web.gettext("Thrust code"), web.gettext("Thrust"), *(label for _, label in heat["columns"])]
    writer.writerow([inert(c) for c in [*header, web.gettext("Total")]])
    for row in heat["rows"]:
        cells = [row["code"], row["label"], *(n for n, _ in row["cells"]), row["total"]]
        writer.writerow([inert(c) for c in cells])
    return "\ufeff" + buffer.getvalue()


@router.get("/reports/coverage.csv")
async def coverage_export(
    web: Web,
    by: Annotated[str, Query(max_length=20)] = "region",
    starts_from: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    starts_to: Annotated[str | None, Query(alias="to", max_length=40)] = None,
    type: Annotated[str | None, Query(max_length=40)] = None,
    region: Annotated[str | None, Query(max_length=40)] = None,
    thrust: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    flt = read_filters(web, starts_from, starts_to, type, region, thrust)
    if by not in BREAKDOWNS:
        flt.errors["by"] = web.gettext("Choose a value from the list.")
    if flt.errors:
        message = "\n".join(f"{name}: {text}" for name, text in flt.errors.items())
        return Response(message + "\n", status_code=400, media_type="text/plain; charset=utf-8")
    maps, failure = await coverage(web, flt, (by,))
    if failure:
        return Response(failure + "\n", status_code=502, media_type="text/plain; charset=utf-8")
    return Response(
        coverage_csv(web, maps[by]),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": content_disposition(f"coverage-{by}.csv"),
            "Cache-Control": "private, no-store",
        },
    )
