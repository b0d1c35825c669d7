"""What the engagement pages read from the API besides the engagement itself: thrusts, missions,
partners and their contacts, named in the page's language. Every read goes through `web.api`, as
the person: what they may not see never reaches the page.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from gateway.web.context import WebContext

SUGGESTIONS = 8
MISSIONS = 100
_UUID = re.compile(r"^[0-9a-fA-F-]{36}$")


def is_id(value: str) -> bool:
    return bool(_UUID.match(value or ""))


def partner_name(partner: dict[str, Any], lang: str) -> str:
    """The partner's name in the page's language (the other one when it has only that), with its acronym."""
    other = "en" if lang == "fr" else "fr"
    name = partner.get(f"name_{lang}") or partner.get(f"name_{other}") or str(partner.get("id", ""))
    acronyms = [a for a in partner.get("acronyms") or [] if a and a.casefold() != name.casefold()]
    return f"{name} ({acronyms[0]})" if acronyms else name


def other_name(partner: dict[str, Any], lang: str) -> str | None:
    """The name in the other language, when it differs: shown under a suggestion, so "Bavière" finds "Bavaria"."""
    other = "en" if lang == "fr" else "fr"
    name, theirs = partner.get(f"name_{lang}"), partner.get(f"name_{other}")
    return theirs if name and theirs and theirs != name else None


async def thrust_groups(web: WebContext) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The policy's thrusts as groups (a top thrust and its children) and every code's label."""
    answer = await web.api.get("/thrusts")
    items = answer.json["items"] if answer.ok else []
    labels = {t["code"]: t.get(web.lang) or t["en"] for t in items}
    groups: dict[str, dict[str, Any]] = {}
    for thrust in items:
        if thrust["parent"] is None:
            groups[thrust["code"]] = {"code": thrust["code"], "label": labels[thrust["code"]], "children": []}
    for thrust in items:
        if thrust["parent"] in groups:
            groups[thrust["parent"]]["children"].append({"code": thrust["code"], "label": labels[thrust["code"]]})
    return list(groups.values()), labels


async def missions(web: WebContext) -> list[dict[str, Any]]:
    answer = await web.api.get("/engagements", params={"type": "mission", "limit": MISSIONS, "facets": "false"})
    return answer.json["items"] if answer.ok else []


async def people(web: WebContext) -> list[dict[str, Any]]:
    """The people directory (`[{username, display_name}]`): whom officers and assignees may name."""
    answer = await web.api.get("/people")
    return answer.json["items"] if answer.ok else []


async def teams(web: WebContext) -> list[dict[str, Any]]:
    """The directory's teams (`[{id, name, ...}]`), by name: whom a restricted engagement may be shared with."""
    answer = await web.api.get("/teams")
    return answer.json["items"] if answer.ok else []


async def partners(web: WebContext, ids: list[str]) -> list[dict[str, Any]]:
    """`[{id, label}]` for the ids, in order; one that cannot be read keeps its id as its label."""
    ids = [i for i in ids if is_id(i)]
    answers = await asyncio.gather(*(web.api.get(f"/partners/{i}") for i in ids))
    return [
        {"id": i, "label": partner_name(a.json, web.lang) if a.ok else i} for i, a in zip(ids, answers, strict=True)
    ]


async def suggest(web: WebContext, query: str, exclude: list[str]) -> list[dict[str, Any]]:
    """Partners whose names answer `query` (the partners service's search: accents, typos, acronyms)."""
    query = query.strip()
    if not query:
        return []
    answer = await web.api.get(
        "/partners", params={"q": query[:300], "status": "active", "limit": SUGGESTIONS + len(exclude)}
    )
    if not answer.ok:
        return []
    found = [p for p in answer.json["items"] if str(p["id"]) not in exclude][:SUGGESTIONS]
    return [
        {
            "id": str(p["id"]),
            "label": partner_name(p, web.lang),
            "other": other_name(p, web.lang),
            "country": p.get("country"),
        }
        for p in found
    ]


async def contacts_by_partner(web: WebContext, chosen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each chosen partner (`{id, label}`), its contacts: `[{partner, contacts: [{id, name, title}]}]`."""
    answers = await asyncio.gather(
        *(web.api.get(f"/partners/{p['id']}/contacts", params={"limit": 50}) for p in chosen)
    )
    groups = []
    for partner, answer in zip(chosen, answers, strict=True):
        items = answer.json["items"] if answer.ok else []
        groups.append(
            {
                "partner": partner,
                "contacts": [{"id": str(c["id"]), "name": c["name"], "title": c.get("title")} for c in items],
            }
        )
    return groups


async def contacts(web: WebContext, ids: list[str]) -> list[dict[str, Any]]:
    ids = [i for i in ids if is_id(i)]
    answers = await asyncio.gather(*(web.api.get(f"/contacts/{i}") for i in ids))
    return [
        {"id": i, "name": a.json["name"], "title": a.json.get("title")} if a.ok else {"id": i, "name": None}
        for i, a in zip(ids, answers, strict=True)
    ]
