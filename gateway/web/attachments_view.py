"""What the engagement page says about its attached files: sizes in words, the notice after an upload
or a deletion, and each refusal of the engagements service in the page's language.

Refusals are decided on the answer's status (413 too large, 415 a type the bytes do not allow, 422 a
name that says another type, 403 not theirs to change), never on its words; the service's own detail,
already in the page's language (web.api asks in it), completes what the page says.
"""

from __future__ import annotations

from gateway.web.client import ApiResponse
from gateway.web.context import WebContext
from gateway.web.engagement_form import speaking
from gateway.web.i18n import Text, format_number, gettext
from gateway.web.i18n import lazy_gettext as _l

KIB = 1024
MIB = 1024 * 1024
# The types the engagements service accepts (kit/file_types.py), offered first by the file chooser.
ACCEPT = ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,.png,.jpg,.jpeg,.gif,.webp"
NOTICES = {
    "attached": _l("The file is attached."),
    "attachment-deleted": _l("The file was deleted."),
}
TOO_LARGE = _l("This file is too large: a file may be at most %(size)s.")
TOO_LARGE_ANY = _l("This file is too large for the server.")
NOT_ALLOWED = _l(
    "This kind of file cannot be attached: attach a PDF, an Office document (Word, Excel, PowerPoint) or an "
    "image (PNG, JPEG, GIF, WebP). The type is decided by what the file holds, not by its name."
)
WRONG_NAME = _l("The file's name does not say what it holds: %(detail)s")
FORBIDDEN = _l("Only the people who may change this engagement may attach files to it or delete them.")
NO_FILE = _l("Choose a file to attach.")
NOT_ATTACHED = _l("The file could not be attached: %(detail)s")
NOT_DELETED = _l("The file could not be deleted: %(detail)s")
UNAVAILABLE = _l("the engagements service did not answer; try again in a moment.")


def size_text(size: int | None) -> str:
    """ "850 octets", "12,5 ko", "3,2 Mo" (call it while the page renders: the page's language)."""
    if size is None:
        return ""
    if size < KIB:
        return gettext("%(n)s bytes") % {"n": format_number(size)}
    if size < MIB:
        return gettext("%(n)s KB") % {"n": format_number(round(size / KIB, 1))}
    return gettext("%(n)s MB") % {"n": format_number(round(size / MIB, 1))}


def notice(web: WebContext, done: str) -> str | None:
    found = NOTICES.get(done)
    if found is None:
        return None
    with speaking(web.lang):
        return str(found)


def refusal(web: WebContext, answer: ApiResponse, *, deleting: bool = False) -> str:
    """Why the upload (or the deletion) was refused, in the page's language."""
    with speaking(web.lang):
        return _refusal(answer, deleting=deleting)


def _refusal(answer: ApiResponse, *, deleting: bool) -> str:
    problem = answer.problem or {}
    detail = str(problem.get("detail") or problem.get("title") or "")
    if answer.status == 413:
        limit = problem.get("max_bytes")
        return str(TOO_LARGE) % {"size": size_text(limit)} if isinstance(limit, int) else str(TOO_LARGE_ANY)
    if answer.status == 415:
        return str(NOT_ALLOWED)
    if answer.status == 422 and "content_type" in problem:
        return str(WRONG_NAME) % {"detail": detail}
    if answer.status == 403:
        return str(FORBIDDEN)
    if answer.status >= 500 or not detail:
        detail = str(UNAVAILABLE)
    return str(NOT_DELETED if deleting else NOT_ATTACHED) % {"detail": detail}


def refusal_text(web: WebContext, text: Text) -> str:
    """One of the messages above, in the page's language."""
    with speaking(web.lang):
        return str(text)
