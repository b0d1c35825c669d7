"""Charts for the web pages: Vega-Lite specs rendered to SVG on the server (vl-convert), inlined.

The page gets plain SVG, so no chart library runs in the browser and the CSP stays free of
`unsafe-inline` (the SVG carries presentation attributes only, no `style=` and no script). Vega's
own ARIA roles are replaced by one `role="img"` named by the chart's caption: the numbers are read
from the data table that goes with every chart (`Chart.rows`), which screen readers handle well.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import vl_convert
from markupsafe import Markup

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
BAR = "#1d4f91"  # contrast over white 8.6:1
SECOND = "#b54708"  # contrast over white 5.0:1
# Wide fonts first: the SVG's room for labels is measured on the server, the text drawn by the browser.
FONT = "'DejaVu Sans', Verdana, 'Segoe UI', sans-serif"
LABEL_ROOM = 170  # px for the category labels (longer ones end in an ellipsis)
_ARIA = re.compile(r'\s(?:role|aria-[a-z]+)="[^"]*"')
_SIZE = re.compile(r'^(<svg\b[^>]*?)\s(?:width|height)="[^"]*"')


@dataclass
class Chart:
    """One chart: its caption, the SVG once rendered, and the same numbers as a table."""

    key: str  # HTML id prefix
    caption: str
    headers: list[str]
    rows: list[list[str | int]]
    spec: dict[str, Any] = field(repr=False, default_factory=dict)
    svg: Markup = field(default_factory=Markup)

    @property
    def empty(self) -> bool:
        return not any(isinstance(v, int) and v for row in self.rows for v in row[1:])


_SLANTED = {"labelAngle": -40, "labelAlign": "right"}
_LABELS = {"minExtent": LABEL_ROOM + 6, "maxExtent": LABEL_ROOM + 6}


def _counts(values: Iterable[int]) -> dict[str, Any]:
    """Whole numbers on a count axis: Vega would put ticks at 0.5 for small counts."""
    top = max(values, default=0)
    if top <= 10:
        return {"values": list(range(top + 1)), "format": "d"}
    return {"tickMinStep": 1, "format": "d"}


def _base(height: int) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "width": 320,
        "height": height,
        "background": "white",
        "config": {
            "aria": False,
            "font": FONT,
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": LABEL_ROOM, "labelColor": "#222"},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
            "view": {"stroke": None},
        },
    }


def bar_chart(*, key: str, caption: str, label: str, value: str, data: list[tuple[str, int]]) -> Chart:
    """Horizontal bars, one per label, in the order given."""
    values = [{"label": name, "n": n} for name, n in data]
    spec = _base(max(60, 26 * len(values))) | {
        "data": {"values": values},
        "mark": {"type": "bar", "color": BAR, "tooltip": False},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": None, "title": None, "axis": _LABELS},
            "x": {"field": "n", "type": "quantitative", "title": value, "axis": _counts(n for _, n in data)},
        },
    }
    spec["layer"] = [
        {"mark": spec.pop("mark")},
        {
            "mark": {"type": "text", "align": "left", "dx": 4, "color": "#222"},
            "encoding": {"text": {"field": "n", "type": "quantitative"}},
        },
    ]
    return Chart(key=key, caption=caption, headers=[label, value], rows=[[name, n] for name, n in data], spec=spec)


def column_chart(*, key: str, caption: str, label: str, value: str, data: list[tuple[str, int]]) -> Chart:
    """Vertical columns in time order (quarters)."""
    values = [{"label": name, "n": n} for name, n in data]
    spec = _base(180) | {
        "data": {"values": values},
        "encoding": {
            "x": {"field": "label", "type": "ordinal", "sort": None, "title": None, "axis": _SLANTED},
            "y": {"field": "n", "type": "quantitative", "title": value, "axis": _counts(n for _, n in data)},
        },
        "layer": [
            {"mark": {"type": "bar", "color": BAR}},
            {
                "mark": {"type": "text", "baseline": "bottom", "dy": -3, "color": "#222"},
                "encoding": {"text": {"field": "n", "type": "quantitative"}},
            },
        ],
    }
    return Chart(key=key, caption=caption, headers=[label, value], rows=[[name, n] for name, n in data], spec=spec)


def stacked_chart(
    *, key: str, caption: str, label: str, series: tuple[str, str], data: list[tuple[str, int, int]]
) -> Chart:
    """Horizontal bars of two stacked series (e.g. owed by us / owed to us) per label."""
    values = [
        {"label": name, "series": series[i], "order": i, "n": counts[i]}
        for name, *counts in data
        for i in range(2)
        if counts[i]
    ]
    spec = _base(max(60, 30 * len(data))) | {
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": [d[0] for d in data], "title": None, "axis": _LABELS},
            "x": {"field": "n", "type": "quantitative", "title": None, "axis": _counts(a + b for _, a, b in data)},
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "scale": {"domain": list(series), "range": [BAR, SECOND]},
            },
            "order": {"field": "order"},
        },
    }
    rows: list[list[str | int]] = [[name, a, b] for name, a, b in data]
    return Chart(key=key, caption=caption, headers=[label, *series], rows=rows, spec=spec)


def _inline(svg: str, key: str) -> Markup:
    svg = _ARIA.sub("", svg)
    # The viewBox stays: without a fixed size the chart shrinks with the page (360 px phones).
    while _SIZE.search(svg):
        svg = _SIZE.sub(r"\1", svg, count=1)
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{key}-caption" focusable="false" ', 1)
    return Markup(svg)  # noqa: S704 (made by vl-convert from numbers and our labels, escaped by Vega)


@functools.lru_cache(maxsize=512)
def _svg(spec_json: str, key: str) -> Markup:
    return _inline(vl_convert.vegalite_to_svg(json.loads(spec_json)), key)


def _render(chart: Chart) -> Markup:
    # The same numbers and labels draw the same chart: a page seen again (or by a colleague with the
    # same rights) skips the 25-40 ms vl-convert takes per chart.
    return _svg(json.dumps(chart.spec, sort_keys=True, ensure_ascii=False), chart.key)


def warm_up() -> None:
    """vl-convert starts its JavaScript engine on first use (a second or more): done once at start-up,
    in a thread, so that the first person's home page does not wait for it."""
    try:
        vl_convert.vegalite_to_svg(_base(20) | {"data": {"values": []}, "mark": "bar"})
    except Exception:  # the pages still render; their first chart just pays the start-up
        logging.getLogger("liaison.web").exception("chart engine warm-up failed")


async def render(charts: list[Chart]) -> list[Chart]:
    """Renders each chart in a worker thread (vl-convert runs them side by side); empty ones stay empty."""
    todo = [chart for chart in charts if not chart.empty]
    for chart, svg in zip(todo, await asyncio.gather(*(asyncio.to_thread(_render, c) for c in todo)), strict=True):
        chart.svg = svg
    return charts
