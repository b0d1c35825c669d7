"""Home: my open follow-ups (owed by us / owed to us, overdue first), my upcoming engagements, recent
activity on what I follow, and charts of what the ministry did, all as the person logged in."""

from __future__ import annotations

import time

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from gateway.web import dashboard, vocab
from gateway.web.context import Web

router = APIRouter()


@router.get("/")
async def home(web: Web) -> HTMLResponse:
    started = time.perf_counter()
    data = await dashboard.load(web)
    response = web.render("home/index.html", home=data, vocab=vocab, local_link=dashboard.local_link)
    # What the bench and a curious operator read: the server's own time for this page.
    parts = [f"{name};dur={ms:.1f}" for name, ms in data.timings.items()]
    response.headers["Server-Timing"] = ", ".join([*parts, f"app;dur={(time.perf_counter() - started) * 1000:.1f}"])
    return response
