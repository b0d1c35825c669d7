"""A service's admin routes for the operations commands: called as an administrator, signed with the
identity secret the services share (the service checks it as it checks the gateway's)."""

from __future__ import annotations

import getpass
import sys
from urllib.parse import urlencode


def call(service: str, method: str, path: str, *, url: str | None = None, params: dict | None = None):
    """The JSON answer of `/api/v1/admin/<service><path>`, or None after printing the problem."""
    import httpx

    from cli.service_db import service_settings
    from services.kit.identity import Caller, sign

    settings = service_settings(service)
    base = url or f"http://{settings.host}:{settings.port}"
    path = f"/api/v1/admin/{service}{path}"
    query = urlencode({k: v for k, v in (params or {}).items() if v is not None})
    caller = Caller(user=f"cli:{getpass.getuser()}", roles=frozenset({"admin"}))
    headers = sign(caller, secret=settings.identity_key(), method=method, path=path, query=query)
    response = httpx.request(method, base + path + (f"?{query}" if query else ""), headers=headers, timeout=60)
    if response.status_code >= 400:
        print(f"{response.status_code}: {response.text}", file=sys.stderr)
        return None
    return response.json()
