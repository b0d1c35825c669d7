"""Headers that make the gateway treat a test's request as coming from `user` with `roles`.

For now the gateway authenticates nobody (every request is signed as `anonymous`), so this returns
nothing; when the gateway's authentication lands, this logs in for real.
"""
from __future__ import annotations


def auth_headers(user: str, roles: set[str]) -> dict:
    return {}
