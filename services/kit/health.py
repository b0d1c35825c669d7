"""/healthz (the process answers) and /readyz (its database and Kafka answer too)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from services.kit.outbox_admin import failed_or_blocked

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, Any]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    state = request.app.state
    checks: dict[str, dict[str, Any]] = {}
    try:
        with state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    if state.kafka_probe is not None:
        ok, detail = state.kafka_probe.check()
        checks["kafka"] = {"ok": ok, "detail": detail}
    ready = all(check["ok"] for check in checks.values())
    state.metrics.saw_dependencies({name: check["ok"] for name, check in checks.items()})
    # Details, not readiness: a failed outbox row or a paused partition is no reason to take this
    # replica out of the load balancer, but an administrator must see them.
    if checks["database"]["ok"]:
        try:
            with state.sessions() as session:
                checks["outbox"] = failed_or_blocked(session)
        except Exception as exc:
            checks["outbox"] = {"error": type(exc).__name__}
    consumer = getattr(state, "consumer", None)
    if consumer is not None:
        checks["consumer"] = {"paused_partitions": consumer.paused()}
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks}, status_code=200 if ready else 503
    )
