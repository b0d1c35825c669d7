"""Problems in the caller's language (issue 13): Accept-Language picks French or English, the
catalog translates titles, details (their variable parts kept) and field errors, and names each
field as the forms label it."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from services.kit.problems import FIELD_LABELS, LOCALE_DIR, accepted_language, field_label, localize

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        ("en-US,en;q=0.9,fr;q=0.5", "en"),
        ("en;q=0.5, fr;q=0.9", "fr"),
        ("de, fr;q=0.2", "fr"),
        ("fr;q=0, en", "en"),
        ("de", "en"),
        ("*", "en"),
        ("", "en"),
        (None, "en"),
        ("fr;q=nonsense", "en"),
        ("FR", "fr"),
    ],
)
def test_the_language_is_the_caller_s_preferred_one_of_ours(header, language):
    assert accepted_language(header) == language


def test_details_made_by_f_strings_are_translated_with_their_values():
    assert localize("No partner has the id 1b2c.", "fr") == "Aucun partenaire n’a l’identifiant 1b2c."
    assert localize("String should have at most 500 characters", "fr") == "Au plus 500 caractères"
    assert localize("Value error, not an email address", "fr") == "n’est pas une adresse courriel"
    assert localize("No partner has the id 1b2c.", "en") == "No partner has the id 1b2c."
    assert localize("A text nobody translated", "fr") == "A text nobody translated", "English rather than nothing"


def test_fields_are_named_as_the_forms_label_them():
    assert field_label("starts_at", "fr") == "Début" and field_label("starts_at", "en") == "Start"
    assert field_label("partner_ids", "fr") == "Partenaires"
    assert field_label("no_such_field", "fr") == "no_such_field"


def _catalog():
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "problems.po").open("rb") as po:
        return read_po(po, locale="fr")


def test_the_catalog_is_complete_and_its_placeholders_agree():
    catalog = _catalog()
    for message in catalog:
        if not message.id:
            continue
        assert message.string, f"{message.id!r} has no French"
        used = set(re.findall(r"\{([a-z_]+)\}", message.string))
        assert used <= set(re.findall(r"\{([a-z_]+)\}", message.id)), f"{message.id!r}: unknown placeholder"
    labelled = {m.id for m in catalog if m.context == "field"}
    assert set(FIELD_LABELS.values()) <= labelled, "every field label has its French"


def test_every_problem_title_in_the_code_has_its_french():
    """A new title written without its translation fails here, not in front of a French reader."""
    titles = set()
    for path in [*ROOT.glob("services/**/*.py"), *ROOT.glob("gateway/*.py")]:
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "Problem" not in text and "problem_response" not in text:
            continue
        titles |= set(re.findall(r'^\s+title = "([^"]+)"', text, re.MULTILINE))
        titles |= set(re.findall(r'(?:raise \w+\(|problem_response\()[^)]*?title="([^"]+)"', text, re.DOTALL))
    assert {"Not found", "Invalid request", "No such route", "Likely duplicate"} <= titles
    missing = sorted(t for t in titles if localize(t, "fr") == t)
    assert missing == []


@pytest.mark.parametrize(
    "status", [400, 401, 403, 404, 405, 406, 408, 409, 410, 412, 413, 415, 422, 428, 429, 500, 502, 503, 504]
)
def test_every_status_title_has_its_french(status):
    from services.kit.problems import status_title

    assert localize(status_title(status), "fr") != status_title(status)
