"""Search: one box over partners and engagements, with facets, every filter in the URL.

The services do the searching (partners: any name, accent- and typo-blind, acronyms; engagements:
full text in French and English, with facet counts); this page only asks them and lays out the
answers. A filter that belongs to one side only (a partner's kind; an engagement's type or year)
narrows the search to that side, so that what is listed always matches every filter shown.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web import partner_labels as labels
from gateway.web.client import ApiResponse
from gateway.web.context import Web
from gateway.web.i18n import Text
from gateway.web.i18n import lazy_gettext as _l
from services.kit.thrusts import taxonomy

router = APIRouter()
PAGE_SIZE = 20
SUGGESTIONS = 6
_YEAR = re.compile(r"^(19|20)\d\d$")


@dataclass(frozen=True)
class Criteria:
    """What the URL asks for; `url()` writes it back, so a search can be shared or bookmarked."""

    q: str = ""
    thrust: str = ""
    type: str = ""
    region: str = ""
    year: str = ""
    country: str = ""
    kind: str = ""
    pcursor: str = ""
    ecursor: str = ""

    def url(self, **changes: str) -> str:
        # A new filter starts from the first page of both lists.
        base = replace(self, pcursor="", ecursor="")
        wanted = {k: v for k, v in asdict(replace(base, **changes)).items() if v}
        return "/search" + (f"?{urlencode(wanted)}" if wanted else "")

    def page_url(self, **cursor: str) -> str:
        """The same search, at another page of one of its lists."""
        return self.url() + ("&" if "?" in self.url() else "?") + urlencode(cursor)

    @property
    def filters(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v and k not in ("q", "pcursor", "ecursor")}

    @property
    def wants_partners(self) -> bool:
        return not (self.type or self.year)

    @property
    def wants_engagements(self) -> bool:
        return not self.kind

    @property
    def empty(self) -> bool:
        return not (self.q.strip() or self.filters)


def checked(criteria: Criteria) -> tuple[Criteria, dict[str, str]]:
    """Drops a filter the services would refuse, with a message to show beside it."""
    errors: dict[str, str] = {}
    fixes: dict[str, str] = {}
    if criteria.year and not _YEAR.match(criteria.year):
        errors["year"], fixes["year"] = str(_l("Give a year like 2025.")), ""
    if criteria.country:
        code = criteria.country.upper()
        if labels.is_country(code):
            fixes["country"] = code
        else:
            errors["country"], fixes["country"] = str(_l("Choose a country from the list.")), ""
    for name, table in (("kind", labels.KINDS), ("type", labels.ENGAGEMENT_TYPES), ("region", labels.REGIONS)):
        value = getattr(criteria, name)
        if value and value not in table:
            errors[name], fixes[name] = str(_l("Choose a value from the list.")), ""
    if criteria.thrust and taxonomy().get(criteria.thrust) is None:
        errors["thrust"], fixes["thrust"] = str(_l("Choose a value from the list.")), ""
    return replace(criteria, **fixes), errors


def _partner_params(c: Criteria, limit: int) -> dict[str, Any]:
    asked = {"q": c.q, "kind": c.kind, "region": c.region, "country": c.country, "thrust": c.thrust}
    params: dict[str, Any] = {k: v for k, v in asked.items() if v}
    params["limit"] = limit
    if c.pcursor:
        params["cursor"] = c.pcursor
    return params


def _engagement_params(c: Criteria, limit: int, *, facets: bool) -> dict[str, Any]:
    asked = {"q": c.q, "type": c.type, "region": c.region, "country": c.country, "thrust": c.thrust}
    params: dict[str, Any] = {k: v for k, v in asked.items() if v}
    if c.year:
        # Naive times are the engagements service's local time: the year as people live it.
        params["from"], params["to"] = f"{c.year}-01-01T00:00:00", f"{int(c.year) + 1}-01-01T00:00:00"
    params["limit"] = limit
    params["facets"] = "true" if facets else "false"
    if c.ecursor:
        params["cursor"] = c.ecursor
    return params


async def _nothing() -> None:
    return None


async def run_search(
    web: Web, c: Criteria, *, limit: int, facets: bool
) -> tuple[ApiResponse | None, ApiResponse | None]:
    """(partners answer, engagements answer); None for a side the criteria leave out."""
    partners = web.api.get("/partners", params=_partner_params(c, limit)) if c.wants_partners else _nothing()
    engagements = (
        web.api.get("/engagements", params=_engagement_params(c, limit, facets=facets))
        if c.wants_engagements
        else _nothing()
    )
    answers: tuple[ApiResponse | None, ApiResponse | None] = await asyncio.gather(partners, engagements)
    return answers


def _page(answer: ApiResponse | None) -> dict[str, Any]:
    """items / next_cursor / total of a list answer, and the problem when the service said no."""
    if answer is None:
        return {"shown": False, "items": [], "next_cursor": None, "total": 0, "problem": None}
    if not answer.ok:
        problem = answer.problem or {}
        return {
            "shown": True,
            "items": [],
            "next_cursor": None,
            "total": 0,
            "problem": problem.get("detail") or str(_l("This list could not be fetched; try again.")),
        }
    body = answer.json or {}
    return {
        "shown": True,
        "items": body.get("items", []),
        "next_cursor": body.get("next_cursor"),
        "total": body.get("total"),
        # Beyond a cap the engagements service estimates its total (and its facets): shown with "≈".
        "total_is_estimate": bool(body.get("total_is_estimate")),
        "facets": body.get("facets") or {},
        "problem": None,
    }


def facet_groups(c: Criteria, counts: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """Each facet as a list of links that add (or, when chosen, remove) its value."""

    def group(name: str, title: Text, values: list[tuple[str, str, int | None]]) -> dict[str, Any]:
        chosen = getattr(c, name)
        options = [
            {
                "value": value,
                "label": text,
                "count": count,
                "chosen": value == chosen,
                "url": c.url(**{name: "" if value == chosen else value}),
            }
            for value, text, count in values
        ]
        return {"name": name, "title": title, "options": options}

    thrusts = counts.get("thrust", {})
    top = [code for code in thrusts if "." not in code]
    groups = [
        group(
            "type",
            _l("Engagement type"),
            [(k, labels.label(labels.ENGAGEMENT_TYPES, k), n) for k, n in counts.get("type", {}).items()],
        ),
        group("year", _l("Year"), [(k, k, n) for k, n in sorted(counts.get("year", {}).items(), reverse=True)]),
        group("thrust", _l("Policy thrust"), [(k, labels.thrust_name(k), thrusts[k]) for k in top]),
        group(
            "region",
            _l("Region"),
            [(k, labels.label(labels.REGIONS, k), n) for k, n in counts.get("region", {}).items() if k != "unknown"],
        ),
    ]
    # The partners service gives no counts by kind: its kinds are offered without a number.
    groups.append(group("kind", _l("Kind of partner"), [(k, str(v), None) for k, v in labels.KINDS.items()]))
    return [g for g in groups if g["options"]]


def _criteria(**values: str | None) -> Criteria:
    return Criteria(**{k: (v or "").strip() for k, v in values.items()})


@router.get("/search")
async def search_page(
    web: Web,
    q: str | None = None,
    thrust: str | None = None,
    type: str | None = None,
    region: str | None = None,
    year: str | None = None,
    country: str | None = None,
    kind: str | None = None,
    pcursor: str | None = None,
    ecursor: str | None = None,
) -> Response:
    criteria, errors = checked(
        _criteria(
            q=q,
            thrust=thrust,
            type=type,
            region=region,
            year=year,
            country=country,
            kind=kind,
            pcursor=pcursor,
            ecursor=ecursor,
        )
    )
    partners = engagements = _page(None)
    if not criteria.empty:
        answers = await run_search(web, criteria, limit=PAGE_SIZE, facets=True)
        partners, engagements = _page(answers[0]), _page(answers[1])
    chips = [
        {"name": name, "label": _chip(name, value), "url": criteria.url(**{name: ""})}
        for name, value in criteria.filters.items()
    ]
    return web.render(
        "search/results.html",
        c=criteria,
        errors=errors,
        partners=partners,
        engagements=engagements,
        facets=facet_groups(criteria, engagements.get("facets") or {}) if not criteria.empty else [],
        chips=chips,
        country_choices=labels.countries(),
        thrust_choices=labels.thrust_choices(),
        L=labels.names(),
    )


def _chip(name: str, value: str) -> str:
    namers: dict[str, Callable[[str], object]] = {
        "thrust": labels.thrust_name,
        "type": lambda v: labels.label(labels.ENGAGEMENT_TYPES, v),
        "region": lambda v: labels.label(labels.REGIONS, v),
        "country": labels.country_name,
        "kind": lambda v: labels.label(labels.KINDS, v),
    }
    shown = namers.get(name, str)(value)
    return f"{FILTER_NAMES[name]}: {shown}"


FILTER_NAMES = {
    "thrust": _l("Thrust"),
    "type": _l("Type"),
    "region": _l("Region"),
    "year": _l("Year"),
    "country": _l("Country"),
    "kind": _l("Kind"),
}


@router.get("/search/suggest")
async def suggest(web: Web, q: str | None = None) -> Response:
    """Results as you type in the header's box: a fragment for htmx (a page of its own without it)."""
    criteria = Criteria(q=(q or "").strip())
    if not web.is_htmx:
        return web.redirect(criteria.url())
    partners = engagements = _page(None)
    if len(criteria.q) >= 2:
        answers = await run_search(web, criteria, limit=SUGGESTIONS, facets=False)
        partners, engagements = _page(answers[0]), _page(answers[1])
    return web.render(
        "search/suggest.html",
        c=criteria,
        partners=partners,
        engagements=engagements,
        L=labels.names(),
    )
