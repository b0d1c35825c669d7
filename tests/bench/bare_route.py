"""The yardstick for the service's own figure (issue 12): a bare FastAPI app answering the same
path with the same JSON body, held in memory, on the same uvicorn (1 worker, uvloop, httptools, no
access log). `python -m tests.bench.bare_route PORT BODY_FILE`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI


def make_app(body: dict[str, Any]) -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/partners/{partner_id}")
    async def partner(partner_id: str) -> dict[str, Any]:
        return body

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


if __name__ == "__main__":
    port, body_file = int(sys.argv[1]), Path(sys.argv[2])
    uvicorn.run(
        make_app(json.loads(body_file.read_text())),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        log_level="warning",
    )
