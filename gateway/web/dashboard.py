"""What the home page shows, read from the API as the logged-in person (nothing cached: a restricted
engagement they may not see is in no list and no count, because the services leave it out).

All reads of one round go out together; a part whose read failed is shown as unavailable, the
rest of the page still renders.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from gateway.web import charts, i18n, vocab
from gateway.web.context import WebContext
from gateway.web.i18n import TIMEZONE, format_number

log = logging.getLogger("liaison.web")
FOLLOW_UPS_SHOWN = 6
UPCOMING_DAYS = 90
UPCOMING_SHOWN = 6
ACTIVITY_SHOWN = 6
DRAFTS_SHOWN = 20
QUARTERS = 8
# Overdue commitments by how late they are: (label, due before today minus this many days).
AGE_EDGES = (0, 7, 30, 90)


@dataclass
class Home:
    me: dict[str, Any] | None = None  # /auth/me: who the API sees (name and roles)
    owed_by_us: dict[str, Any] | None = None  # {"items": [...], "total": n}; None when unavailable
    owed_to_us: dict[str, Any] | None = None
    upcoming: list[Any] | None = None
    drafts: list[Any] | None = None  # engagements made from the person's e-mails, to complete and confirm
    activity: dict[str, Any] | None = None
    charts: list[Any] = field(default_factory=list)
    unavailable: bool = False  # some part could not be read
    timings: dict[str, Any] = field(default_factory=dict)  # ms: "api" (the reads), "charts" (rendering)


def local_link(link: str | None) -> str | None:
    """A notification's link names the public URL; pages link to the same path on this site."""
    if not link:
        return None
    path = urlsplit(link).path
    return path if path.startswith("/") and not path.startswith("//") else None


def local_now() -> datetime:
    return datetime.now(TIMEZONE)


def quarter_starts(today: date, count: int = QUARTERS) -> list[date]:
    """The first day of this quarter and of the `count - 1` before it, oldest first."""
    year, quarter = today.year, (today.month - 1) // 3
    starts = []
    for _ in range(count):
        starts.append(date(year, quarter * 3 + 1, 1))
        quarter -= 1
        if quarter < 0:
            year, quarter = year - 1, 3
    return starts[::-1]


def _next_quarter(start: date) -> date:
    return date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)


def _local(value: date) -> str:
    """Midnight local time without an offset: the engagements service reads it in its own zone."""
    return f"{value.isoformat()}T00:00:00"


async def _get(web: WebContext, path: str, **params: Any) -> Any:
    """The answer's JSON, or None: a part that cannot be read is shown as unavailable, not as an error page."""
    try:
        response = await web.api.get(path, params=params)
    except Exception:
        log.warning("home page read failed: %s", path, exc_info=True)
        return None
    return response.json if response.ok else None


async def load(web: WebContext) -> Home:
    # Labels made here (chart axes, legends) are in the page's language, as the templates' are.
    token = i18n.current_language.set(web.lang)
    try:
        return await _load(web)
    finally:
        i18n.current_language.reset(token)


async def _load(web: WebContext) -> Home:
    now = local_now()
    today = now.date()
    year_ago = today - timedelta(days=365)
    quarters = quarter_starts(today)
    reads = [
        _get(web, "/follow-ups", assignee="me", status="open", owed_by="quebec", limit=FOLLOW_UPS_SHOWN),
        _get(web, "/follow-ups", assignee="me", status="open", owed_by="partner", limit=FOLLOW_UPS_SHOWN),
        _get(
            web,
            "/engagements",
            officer=web.user,
            **{"from": now.isoformat(), "to": (now + timedelta(days=UPCOMING_DAYS)).isoformat()},
            facets="false",
            limit=100,
        ),
        _get(web, "/notifications", limit=ACTIVITY_SHOWN),
        _get(web, "/engagements", facets="true", limit=1, **{"from": _local(year_ago)}),
        _get(web, "/thrusts"),
        _get(web, "/auth/me"),
        # The quarters' counts are a facet of the engagements since the first of them: one read.
        _get(web, "/engagements", facets="true", limit=1, **{"from": _local(quarters[0])}),
        _get(web, "/follow-ups/overdue", ages=list(AGE_EDGES)),
        _get(web, "/engagements", drafts="true", facets="false", limit=DRAFTS_SHOWN),
    ]
    started = time.perf_counter()
    results = await asyncio.gather(*reads)
    by_us, to_us, upcoming, activity, facets, thrusts, me, since_quarters, overdue, drafts = results
    home = Home(me=me, owed_by_us=by_us, owed_to_us=to_us, activity=activity)
    home.unavailable = any(result is None for result in results)
    if upcoming is not None:
        # The API lists newest first: the soonest upcoming are at the end.
        home.upcoming = list(reversed(upcoming["items"]))[:UPCOMING_SHOWN]
    if drafts is not None:
        home.drafts = drafts["items"]
    drawn = time.perf_counter()
    home.charts = await charts.render(_charts(web, facets, thrusts, quarters, since_quarters, overdue))
    home.timings = {"api": (drawn - started) * 1000, "charts": (time.perf_counter() - drawn) * 1000}
    return home


def quarter_key(start: date) -> str:
    """The engagements service's name for a quarter in its `quarter` facet."""
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def quarter_label(web: WebContext, start: date) -> str:
    return web.gettext("{year} Q{quarter}").format(year=start.year, quarter=(start.month - 1) // 3 + 1)


def _charts(
    web: WebContext, facets: Any, thrusts: Any, quarters: Any, since_quarters: Any, overdue: Any
) -> list[charts.Chart]:
    _ = web.gettext
    made = []
    engagements = _("Engagements")
    if facets is not None and thrusts is not None:
        counts = (facets.get("facets") or {}).get("thrust", {})
        top = [t for t in thrusts["items"] if not t.get("parent")]
        made.append(
            charts.bar_chart(
                key="chart-thrust",
                caption=_("Engagements per policy thrust, last 12 months"),
                label=_("Policy thrust"),
                value=engagements,
                data=[(vocab.thrust_label(t, web.lang), counts.get(t["code"], 0)) for t in top],
            )
        )
        regions = (facets.get("facets") or {}).get("region", {})
        made.append(
            charts.bar_chart(
                key="chart-region",
                caption=_("Engagements per partner region, last 12 months"),
                label=_("Region"),
                value=engagements,
                data=[
                    (str(name), regions.get(code, 0))
                    for code, name in vocab.REGIONS.items()
                    if code != "unknown" or regions.get(code)
                ],
            )
        )
    if since_quarters is not None:
        per_quarter = (since_quarters.get("facets") or {}).get("quarter", {})
        made.append(
            charts.column_chart(
                key="chart-quarter",
                caption=_("Engagements per quarter"),
                label=_("Quarter"),
                value=engagements,
                data=[(quarter_label(web, q), per_quarter.get(quarter_key(q), 0)) for q in quarters],
            )
        )
    if overdue is not None:
        late = overdue["owed_by"]
        made.append(_overdue_chart(web, [late[owed][str(age)] for owed in ("quebec", "partner") for age in AGE_EDGES]))
    return made


def _overdue_chart(web: WebContext, totals: list[int]) -> charts.Chart:
    """`totals`: open follow-ups due before each of AGE_EDGES, owed by us then owed to us."""
    _ = web.gettext
    edges = len(AGE_EDGES)
    ours, theirs = totals[:edges], totals[edges:]
    names = [
        _("1 to 7 days late"),
        _("8 to 30 days late"),
        _("31 to 90 days late"),
        _("More than 90 days late"),
    ]
    data = []
    for i, name in enumerate(names):
        later = i + 1 < edges
        data.append(
            (
                name,
                ours[i] - (ours[i + 1] if later else 0),
                theirs[i] - (theirs[i + 1] if later else 0),
            )
        )
    return charts.stacked_chart(
        key="chart-overdue",
        caption=_("Overdue commitments: {count} owed by us, {other} owed to us").format(
            count=format_number(ours[0]), other=format_number(theirs[0])
        ),
        label=_("How late"),
        series=(str(vocab.OWED_BY["quebec"]), str(vocab.OWED_BY["partner"])),
        data=data,
    )
