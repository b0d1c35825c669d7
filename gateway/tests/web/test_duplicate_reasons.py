"""The duplicate queue's reasons, written in English by the partners service, said in the page's
language; the merge form's rows, a choice only where the two partners differ."""

from __future__ import annotations

from gateway.web.duplicates import merge_rows, reason_text
from gateway.web.engagement_form import speaking


def test_each_reason_is_said_in_the_page_language_and_an_unknown_one_kept():
    reasons = [
        "same name: 'OIF'",
        "similar names: 'Office wallon' / 'Office Wallon Export' (0.82)",
        "same country: BE",
        "neither has a country",
        "same kind: government_agency",
        "same website: https://awex.be",
        "Office wallon is archived",
        "something new",
    ]
    with speaking("fr"):
        french = [reason_text(r) for r in reasons]
    with speaking("en"):
        english = [reason_text(r) for r in reasons]
    assert french == [
        "Même nom : 'OIF'",
        "Noms semblables : 'Office wallon' / 'Office Wallon Export' (similarité 0,82)",
        "Même pays : Belgique",
        "Aucun des deux n’a de pays",
        "Même type : Organisme public",
        "Même site Web : https://awex.be",
        "Office wallon est archivé",
        "something new",
    ]
    assert english[1] == "Similar names: 'Office wallon' / 'Office Wallon Export' (similarity 0.82)"
    assert english[2] == "Same country: Belgium" and english[6] == "Office wallon is archived"


def test_a_choice_only_where_the_two_differ_the_service_default_first_and_a_posted_one_kept():
    survivor = {"name_fr": "Wallonie", "name_en": None, "kind": "federated_state", "website": "https://a.example"}
    duplicate = {"name_fr": "Wallonie", "name_en": "Wallonia", "kind": "federated_state", "website": "https://b"}
    with speaking("en"):
        rows = {row.field: row for row in merge_rows(survivor, duplicate, {"website": "duplicate"})}
    assert rows["name_fr"].choice is None and rows["kind"].choice is None  # the same on both
    assert rows["name_en"].choice == "duplicate"  # the survivor has none: the service's default
    assert rows["website"].choice == "duplicate"  # as posted
    assert rows["kind"].survivor == "Federated state"
