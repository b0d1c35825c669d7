"""Stand-in partners and engagements services answering the shapes the partner 360 reads.

They verify the gateway's signed identity like the real services (the kit's IdentityMiddleware)
and record who asked, so tests can check each call carried the caller's own identity.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.kit.middleware import IdentityMiddleware
from tests.support.identity import TEST_IDENTITY_SECRET

PARTNER_ID = "3f2b8a36-0000-4000-8000-000000000001"
SURVIVOR_ID = "3f2b8a36-0000-4000-8000-000000000002"


def page(items: list) -> dict:
    return {"items": items, "next_cursor": None, "total": len(items)}


def partners_stub(calls: list, *, name_fr: str = "Bavière") -> FastAPI:
    app = FastAPI()
    app.add_middleware(IdentityMiddleware, secret=TEST_IDENTITY_SECRET)
    partners = {
        PARTNER_ID: {
            "id": PARTNER_ID,
            "kind": "federated_state",
            "name_fr": name_fr,
            "name_en": "Bavaria",
            "acronyms": ["BY"],
            "country": "DE",
            "region": "europe",
            "status": "active",
            "version": 1,
        },
        SURVIVOR_ID: {
            "id": SURVIVOR_ID,
            "kind": "forum",
            "name_fr": "Survivant",
            "name_en": None,
            "acronyms": [],
            "status": "active",
            "version": 3,
        },
    }

    def record(request: Request) -> None:
        calls.append((request.url.path, str(request.url.query), request.state.caller))

    @app.get("/api/v1/partners/{partner_id}")
    def partner(partner_id: str, request: Request):
        record(request)
        if partner_id == "merged-one":
            return partners[SURVIVOR_ID] | {"merged_into": SURVIVOR_ID}
        if partner_id == "secret-one":
            return JSONResponse({"title": "Forbidden", "status": 403, "detail": "not for you"}, status_code=403)
        if partner_id not in partners:
            return JSONResponse({"title": "Not found", "status": 404, "detail": "no such partner"}, status_code=404)
        return partners[partner_id]

    @app.get("/api/v1/partners/{partner_id}/contacts")
    def contacts(partner_id: str, request: Request):
        record(request)
        return page(
            [
                {
                    "id": "c1",
                    "partner_id": partner_id,
                    "honorific": "Dr.",
                    "name": "Anna Huber",
                    "title": "Head of protocol",
                    "preferred_language": "en",
                    "mandates": [],
                }
            ]
        )

    @app.get("/api/v1/partners/{partner_id}/relationships")
    def relationships(partner_id: str, request: Request):
        record(request)
        region = {"id": "x", "name_fr": None, "name_en": "Assembly of European Regions"}
        return page(
            [
                {
                    "id": "r1",
                    "partner_id": partner_id,
                    "type": "member_of",
                    "target_id": "x",
                    "membership_status": "member",
                    "since": "1985-06-15",
                    "until": None,
                    "partner": {"id": partner_id, "name_fr": name_fr, "name_en": "Bavaria"},
                    "target": region,
                }
            ]
        )

    return app


def engagements_stub(calls: list) -> FastAPI:
    app = FastAPI()
    app.add_middleware(IdentityMiddleware, secret=TEST_IDENTITY_SECRET)

    @app.get("/api/v1/partners/{partner_id}/history")
    def history(partner_id: str, request: Request, limit: int = 50):
        calls.append((request.url.path, str(request.url.query), request.state.caller))
        # The engagements service's history items: {"kind": "engagement", "engagement": {...}}.
        items = [
            {
                "kind": "engagement",
                "engagement": {
                    "id": "e1",
                    "type": "mission",
                    "title": "Mission économique à Munich",
                    "starts_at": "2026-10-01T14:00:00Z",
                    "thrusts": ["trade.internationalization"],
                    "outcome": "Accord de principe",
                    "confidentiality": "internal",
                },
            }
        ]
        if request.state.caller.is_admin:
            items.append(
                {
                    "kind": "engagement",
                    "engagement": {
                        "id": "e2",
                        "type": "meeting",
                        "title": "Restricted talk",
                        "starts_at": "2026-09-01T10:00:00Z",
                        "thrusts": [],
                        "confidentiality": "restricted",
                    },
                }
            )
        return page(items[:limit])

    @app.get("/api/v1/follow-ups")
    def follow_ups(request: Request, partner_id: str, status: str):
        calls.append((request.url.path, str(request.url.query), request.state.caller))
        return page(
            [
                {
                    "id": "f1",
                    "description": "Envoyer le projet d'entente",
                    "owed_by": "quebec",
                    "assignee": "olivia",
                    "due_on": "2026-12-15",
                    "status": status,
                },
                {
                    "id": "f2",
                    "description": "Confirm the delegation",
                    "owed_by": "partner",
                    "due_on": "2026-12-20",
                    "status": status,
                },
            ]
        )

    return app
