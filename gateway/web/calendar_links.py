"""The calendar feed's address for Outlook: a link that carries its own credential.

Calendar programs subscribe to a URL and send no Authorization header, so the link holds a token:
the person's name and an HMAC of it under a key derived from the gateway's token secret (rotating
that secret changes every link). The feed it opens is read through the front door with an access
token minted for that person with the `viewer` role only: the engagements service decides, as for
any of their reads, which engagements they may see; the link can read nothing but their calendar.
A disabled local account's link stops working at once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

LABEL = b"liaison web calendar feed v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, username: str) -> bytes:
    key = hmac.new(secret.encode(), LABEL, hashlib.sha256).digest()
    return hmac.new(key, username.encode(), hashlib.sha256).digest()[:20]


def feed_token(secret: str, username: str) -> str:
    return f"{_b64(username.encode())}.{_b64(_mac(secret, username))}"


def feed_user(secret: str, token: str) -> str | None:
    """The person a token was made for, None when it is not one of ours."""
    name, _, mac = token.partition(".")
    try:
        username = _unb64(name).decode()
        presented = _unb64(mac)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not username or not hmac.compare_digest(presented, _mac(secret, username)):
        return None
    return username
