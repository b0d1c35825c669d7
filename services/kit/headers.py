"""Header values built from input: encoded, never pasted.

A value with a CR or LF in it cannot be sent at all (the server drops the connection: issue 10), and
one outside Latin-1 makes the framework fail; both come from whatever the client put in the URL.
"""

from __future__ import annotations

from urllib.parse import quote


def content_disposition(filename: str, *, disposition: str = "attachment") -> str:
    """RFC 6266: a plain-ASCII `filename` for old clients (anything else replaced by `_`) and the
    exact name as UTF-8 in `filename*` (RFC 8187), which current clients prefer."""
    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
