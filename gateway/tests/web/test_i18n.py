"""Every message of the web app is in both catalogs, translated; dates and numbers follow the page's language."""

from datetime import UTC, datetime

import pytest
from babel.messages.pofile import read_po

from gateway.web import i18n


def catalog(lang: str):
    with i18n.catalog_path(lang).open("rb") as po:
        return read_po(po, locale=lang)


@pytest.fixture(scope="module")
def used_messages() -> set:
    return {message.id for message in i18n.extract() if message.id}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_message_is_in_the_catalog_and_translated(lang, used_messages):
    found = catalog(lang)
    missing = sorted(str(m) for m in used_messages if found.get(m) is None)
    untranslated = sorted(
        str(m.id)
        for m in found
        if m.id in used_messages and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
    )
    assert missing == [], f"run `python -m gateway.web.i18n`, then translate: {missing}"
    assert untranslated == [], f"translate in {i18n.catalog_path(lang)}: {untranslated}"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_translations_keep_their_placeholders(lang):
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog(lang).check()]
    assert problems == []


def test_the_extractor_finds_templates_and_python(used_messages):
    assert "Log in to Liaison" in used_messages  # templates/auth/login.html
    assert "Unknown user name or wrong password, or the account is disabled." in used_messages  # routes/auth.py (_l)


def in_language(lang: str, function, *args):
    token = i18n.current_language.set(lang)
    try:
        return function(*args)
    finally:
        i18n.current_language.reset(token)


def test_times_are_shown_in_toronto_in_the_page_language():
    moment = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)  # 10:30 in Toronto (EST)
    assert in_language("fr", i18n.format_datetime, moment) == "2 déc. 2026, 10 h 30"
    assert in_language("en", i18n.format_datetime, "2026-12-02T15:30:00Z") == "Dec 2, 2026, 10:30\u202fa.m."
    assert in_language("fr", i18n.format_date, "2026-12-02T03:00:00+00:00") == "1 déc. 2026"  # still the 1st there
    assert in_language("en", i18n.format_date, "2026-07-01") == "Jul 1, 2026"


def test_numbers_and_plurals_follow_the_language():
    assert in_language("fr", i18n.format_number, 12345.5) == "12\u00a0345,5"
    assert in_language("en", i18n.format_number, 12345.5) == "12,345.5"
    assert in_language("fr", i18n.ngettext, "%(num)d item", "%(num)d items", 1) == "%(num)d item"


def test_timeago_reads_naturally():
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert in_language("fr", i18n.format_timeago, datetime(2026, 12, 2, 9, 0, tzinfo=UTC), now) == "il y a 3 heures"
    assert in_language("en", i18n.format_timeago, datetime(2026, 12, 4, 12, 0, tzinfo=UTC), now) == "in 2 days"


def test_a_lazy_string_is_translated_where_it_is_shown():
    message = i18n.lazy_gettext("Log in")
    assert in_language("fr", str, message) == "Se connecter"
    assert in_language("en", str, message) == "Log in"
