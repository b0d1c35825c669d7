"""The web app's languages: gettext catalogs (Babel), and dates and numbers formatted per locale.

Source strings are English. The catalogs are `locale/{fr,en}/LC_MESSAGES/messages.po`, compiled in
memory the first time they are needed (no .mo file to keep in step). The page's language is a
context variable set while a page renders, so templates, macros and lazy strings all read it.

`python -m gateway.web.i18n` extracts every message of the templates and the Python code into both
catalogs, keeping the translations they have (the English one maps a new message to itself).
"""

from __future__ import annotations

import contextvars
import io
import sys
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import LazyProxy, Translations
from jinja2 import Environment

from gateway.web.sessions import DEFAULT_LANGUAGE, LANGUAGES

WEB_DIR = Path(__file__).parent
LOCALE_DIR = WEB_DIR / "locale"
DOMAIN = "messages"
TIMEZONE = ZoneInfo("America/Toronto")
# Formats follow Canadian usage in both languages (dates, decimal separators).
BABEL_LOCALES = {"fr": "fr_CA", "en": "en_CA"}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
JINJA_EXTENSIONS = "jinja2.ext.i18n"
CATALOG_DATE = datetime(2026, 12, 1, tzinfo=ZoneInfo("UTC"))

current_language: contextvars.ContextVar[str] = contextvars.ContextVar("web_language", default=DEFAULT_LANGUAGE)


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> Translations:
    with catalog_path(lang).open("rb") as po:
        catalog = read_po(po, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


# A message: translated already, or lazily (rendered in the page's language when it becomes a string).
Text = str | LazyProxy


def gettext(message: str) -> str:
    return translations(current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language.get()).ngettext(singular, plural, n)


def lazy_gettext(message: str) -> LazyProxy:
    """For strings made at import time (labels, choices): translated when shown, in that page's language."""
    return LazyProxy(gettext, message, enable_cache=False)


def _locale() -> Locale:
    return Locale.parse(BABEL_LOCALES[current_language.get()])


def _as_datetime(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("a naive datetime has no place here: the API speaks UTC with an offset")
    return value


def format_datetime(value: datetime | str | None, format: str | None = None) -> str:
    """Default: the medium date and the short time ("2 déc. 2026, 10 h 30"): seconds mean nothing here."""
    moment = _as_datetime(value)
    if moment is None:
        return ""
    locale = _locale()
    if format is not None:
        return dates.format_datetime(moment, format, tzinfo=TIMEZONE, locale=locale)
    day = dates.format_date(moment.astimezone(TIMEZONE), "medium", locale=locale)
    time_of_day = dates.format_time(moment, "short", tzinfo=TIMEZONE, locale=locale)
    return str(locale.datetime_formats["medium"]).format(time_of_day, day)


def format_date(value: date | datetime | str | None, format: str = "medium") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = _as_datetime(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(TIMEZONE).date()
    return dates.format_date(value, format, locale=_locale())


def format_number(value: float | int | None) -> str:
    return "" if value is None else numbers.format_decimal(value, locale=_locale())


def format_timeago(value: datetime | str | None, now: datetime | None = None) -> str:
    """'il y a 3 heures' / 'in 2 days'."""
    moment = _as_datetime(value)
    if moment is None:
        return ""
    now = now or datetime.now(TIMEZONE)
    return dates.format_timedelta(moment - now, add_direction=True, locale=_locale())


FILTERS = {"datetime": format_datetime, "date": format_date, "number": format_number, "timeago": format_timeago}


def install(environment: Environment) -> None:
    """Gives a Jinja environment `_`, `gettext`, `ngettext` and the filters, all in the page's language."""
    environment.add_extension(JINJA_EXTENSIONS)
    # Added by the i18n extension above, so unknown to the Environment class.
    environment.install_gettext_callables(gettext=gettext, ngettext=ngettext, newstyle=True)  # type: ignore[attr-defined]
    environment.filters.update(FILTERS)


# Extraction -------------------------------------------------------------------------------------------

METHOD_MAP = [("templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"templates/**.html": {"extensions": JINJA_EXTENSIONS}}


def extract() -> Catalog:
    """Every message the templates and the code use (the catalog template, in memory)."""
    template = Catalog(project="Liaison web", charset="utf-8", creation_date=CATALOG_DATE)
    for filename, lineno, message, comments, context in extract_from_dir(
        WEB_DIR, METHOD_MAP, options_map=OPTIONS, keywords=KEYWORDS, strip_comment_tags=True
    ):
        if "tests" in Path(filename).parts:
            continue
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def update_catalogs() -> dict[str, int]:
    """Updates both catalogs from the sources; returns, per language, how many messages lack a translation."""
    template = extract()
    missing = {}
    for lang in LANGUAGES:
        path = catalog_path(lang)
        if path.exists():
            with path.open("rb") as po:
                catalog = read_po(po, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="Liaison web", charset="utf-8", creation_date=CATALOG_DATE)
        # No fuzzy matching: a guessed translation for a new message is worse than none.
        catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False
        if lang == "fr":
            # The classic two forms (1 message, 2 messages): CLDR's third one, for millions, would
            # make every plural in the catalog need a third translation for a case pages never show.
            catalog._num_plurals, catalog._plural_expr = 2, "(n > 1)"  # type: ignore[assignment]  # babel declares them None
        if lang == "en":
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
        missing[lang] = sum(1 for m in catalog if m.id and not _translated(m))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as po:
            # No line numbers and a fixed date: a catalog changes only when its messages do (fewer merge conflicts).
            catalog.revision_date = CATALOG_DATE
            write_po(po, catalog, width=120, sort_output=True, ignore_obsolete=True, include_lineno=False)
    translations.cache_clear()
    return missing


def _translated(message: Message) -> bool:
    if message.fuzzy:
        return False
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def main() -> int:
    missing = update_catalogs()
    for lang, count in missing.items():
        print(f"{catalog_path(lang).relative_to(WEB_DIR.parent.parent)}: {count} message(s) to translate")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
