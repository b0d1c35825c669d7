"""The engagement form's own rules, without a browser: Toronto times to the API's, follow-ups checked by
the service's model before anything is logged, and the API's problems put beside their fields."""

from __future__ import annotations

from starlette.datastructures import FormData

from gateway.web.engagement_form import EngagementForm, body_of, errors_of, follow_up_bodies, local_input, speaking


def posted(**fields) -> FormData:
    items = []
    for name, value in fields.items():
        items.extend((name, v) for v in (value if isinstance(value, list) else [value]))
    return FormData(items)


def test_a_local_time_in_toronto_goes_out_with_its_offset_and_comes_back():
    form = EngagementForm.from_posted(posted(title="T", starts_at="2026-07-01T09:30", thrusts=["trade"]))
    body, errors = body_of(form)
    assert errors == {}
    assert body["starts_at"] == "2026-07-01T09:30:00-04:00"  # summer time
    assert local_input("2026-01-15T14:30:00Z") == "2026-01-15T09:30"  # winter: UTC-5


def test_a_time_that_is_not_one_is_refused_beside_its_field():
    form = EngagementForm.from_posted(posted(starts_at="demain"))
    with speaking("fr"):
        _, errors = body_of(form)
    assert errors == {"starts_at": "Entrez une date et une heure valides."}


def test_follow_ups_are_checked_as_the_api_checks_them_and_blank_rows_ignored():
    form = EngagementForm.from_posted(
        posted(
            fu_description=["Envoyer la note", "", "   "],
            fu_owed_by=["partner", "quebec", "quebec"],
            fu_assignee=["", "", "quelqu.un"],
            fu_due_on=["2027-01-15", "", ""],
        )
    )
    with speaking("en"):
        bodies, errors = follow_up_bodies(form, user="me")
    assert bodies == [
        {"description": "Envoyer la note", "assignee": "me", "due_on": "2027-01-15", "owed_by": "partner"}
    ]
    assert errors == {"fu.2.description": "Fill in this field."}  # a row with a "who" but no "what"


def test_the_api_problems_land_beside_their_fields():
    problem = {
        "status": 422,
        "errors": [
            {"location": ["body", "partner_ids"], "message": "List should have at least 1 item", "type": "too_short"},
            {"location": ["body", "location", "country"], "message": "bad", "type": "value_error"},
        ],
    }
    with speaking("fr"):
        fields, general = errors_of(problem)
        mission, _ = errors_of(
            {"status": 422, "detail": "A mission cannot be part of another mission.", "field": "mission_id"}
        )
    assert fields == {"partners": "Choisissez-en au moins un.", "country": "bad"}
    assert general is None
    assert mission == {"mission_id": "Une mission ne peut pas faire partie d’une autre mission."}


def test_line_breaks_sent_by_a_browser_are_kept_as_typed():
    form = EngagementForm.from_posted(posted(notes="a\r\nb", discussion="un\r\ndeux\r\n"))
    body, _ = body_of(form)
    assert body["notes"] == "a\nb"
    assert body["discussion_points"] == ["un", "deux"]


def test_the_teams_it_is_shared_with_go_out_and_come_back_and_an_unknown_one_is_named_beside_them():
    europe, franco = "7d1b7a39-0000-4000-8000-000000000001", "7d1b7a39-0000-4000-8000-000000000002"
    form = EngagementForm.from_posted(posted(confidentiality="restricted", shared_with_teams=[europe, franco, europe]))
    body, _ = body_of(form)
    assert body["shared_with_teams"] == [europe, franco]
    assert body_of(EngagementForm.from_posted(posted(title="T")))[0]["shared_with_teams"] == []
    shown = EngagementForm.from_engagement(
        {
            "type": "meeting",
            "title": "T",
            "starts_at": "2026-01-15T14:30:00Z",
            "ends_at": "2026-01-15T14:30:00Z",
            "partner_ids": [],
            "contact_ids": [],
            "officers": [],
            "thrusts": ["trade"],
            "discussion_points": [],
            "confidentiality": "restricted",
            "shared_with_teams": [europe],
        },
        version="1",
    )
    assert shown.shared_with_teams == [europe]
    problem = {
        "status": 422,
        "title": "Unknown team",
        "errors": [{"location": ["body", "shared_with_teams"], "message": "unknown team", "type": "unknown_team"}],
    }
    with speaking("fr"):
        fields, _ = errors_of(problem)
    assert fields == {"shared_with_teams": "Cette équipe n’a encore aucun membre : elle ne peut pas recevoir l’accès."}
