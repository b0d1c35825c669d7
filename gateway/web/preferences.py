"""One language per person: the web pages' (the header's switch, the preferences page) and the one
the notifications service writes their emails and inbox entries in."""

from __future__ import annotations

import logging

from gateway.web.context import WebContext
from gateway.web.sessions import set_language
from services.kit.db import unit_of_work


async def share_language(web: WebContext, lang: str) -> bool:
    """Tells the notifications service the person's language, keeping their email address; False when
    it could not (the pages' language is remembered all the same, and the switch must not fail)."""
    try:
        current = await web.api.get("/notifications/preferences")
        if not current.ok:
            return False
        if current.json.get("language") == lang:
            return True
        body = {"email": current.json.get("email"), "language": lang}
        return (await web.api.put("/notifications/preferences", json=body)).ok
    except Exception:
        logging.getLogger("liaison.web").warning("the notifications service did not take the language", exc_info=True)
        return False


def remember_language(web: WebContext, lang: str) -> None:
    for db in unit_of_work(web.runtime.sessions):
        set_language(session=db, username=web.username, lang=lang)
