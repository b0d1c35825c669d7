"""An in-process stand-in for the engagements service's read endpoint (its real one arrives with
the engagements issue): answers only callers whose identity is signed, as the real one will."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.kit.identity import IdentityError, verify


def engagements_stub(
    engagements: dict[str, dict], *, secret: str, calls: list | None = None, fail_with: int | None = None
) -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/engagements/{engagement_id}")
    def get_engagement(engagement_id: str, request: Request):
        try:
            caller = verify(
                request.headers, secret=secret, method="GET", path=request.url.path, query=request.url.query
            )
        except IdentityError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=401)
        if calls is not None:
            calls.append((engagement_id, caller))
        if fail_with:
            return JSONResponse({"detail": "down"}, status_code=fail_with)
        if engagement_id not in engagements:
            return JSONResponse({"detail": "not found"}, status_code=404)
        return engagements[engagement_id]

    return app
