"""What a notification says, in French and in English: agreement, times in the reader's zone with
its name, places in words, links to the web app's pages."""

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from services.notifications.messages import (
    Reader,
    digest_message,
    engagement_message,
    reader_of,
    reminder_message,
)
from services.notifications.models import Recipient

TORONTO = ZoneInfo("America/Toronto")
FR, EN = Reader("fr", TORONTO), Reader("en", TORONTO)
URL = "https://liaison.example/"


def render(reader=FR, updated=False, names=("Bavière",), **engagement):
    return engagement_message(
        {"id": "e1", "type": "meeting", "title": "Bilan"} | engagement,
        updated=updated,
        partner_names=list(names),
        reader=reader,
        public_url=URL,
    )


@pytest.mark.parametrize(
    ("kind", "logged", "updated"),
    [
        ("meeting", "Rencontre consignée : Bilan", "Rencontre mise à jour : Bilan"),
        ("call", "Appel consigné : Bilan", "Appel mis à jour : Bilan"),
        ("event", "Événement consigné : Bilan", "Événement mis à jour : Bilan"),
        ("agreement", "Entente consignée : Bilan", "Entente mise à jour : Bilan"),
        ("visit", "Visite consignée : Bilan", "Visite mise à jour : Bilan"),
    ],
)
def test_french_titles_agree_with_the_type_s_gender(kind, logged, updated):
    assert render(type=kind).title == logged
    assert render(type=kind, updated=True).title == updated


def test_english_titles():
    assert render(EN, type="call").title == "Call logged: Bilan"
    assert render(EN, type="meeting", updated=True).title == "Meeting updated: Bilan"
    assert render(EN, title=None).title == "Meeting logged: (untitled)"


def test_the_place_reads_as_city_and_country_in_words_and_is_left_out_when_unknown():
    assert "Lieu : Munich, Allemagne" in render(location={"city": "Munich", "country": "DE"}).body
    assert "Where: Munich, Germany" in render(EN, location={"city": "Munich", "country": "DE"}).body
    assert "Lieu : Allemagne" in render(location={"city": None, "country": "DE"}).body
    body = render(location={"city": None, "country": None}).body
    assert "Lieu" not in body and "None" not in body and "{" not in body


def test_times_are_the_reader_s_local_time_with_the_zone_s_name():
    starts = "2026-03-14T15:00:00+00:00"
    toronto = "Quand : samedi 14 mars 2026 à 11 h 00 (heure d’été de l’Est nord-américain)"
    assert toronto in render(starts_at=starts).body
    berlin = "When: Saturday 14 March 2026 at 4:00 PM (Central European Standard Time)"
    assert berlin in render(Reader("en", ZoneInfo("Europe/Berlin")), starts_at=starts).body
    assert "T15:00" not in render(starts_at=starts).body
    assert "Quand" not in render(starts_at="not a time").body, "an unreadable time is left out, not shown raw"


def test_changed_fields_are_named_as_the_form_shows_them_with_plural_agreement():
    assert "Champ modifié : titre" in render(updated=True, changed_fields=["title"]).body
    assert "Champs modifiés : titre, résumé" in render(updated=True, changed_fields=["title", "summary"]).body
    assert "Changed fields: title, summary" in render(EN, updated=True, changed_fields=["title", "summary"]).body
    assert "Changed field: start" in render(EN, updated=True, changed_fields=["starts_at"]).body


def test_the_link_opens_the_engagement_page_of_the_web_app():
    # gateway/web/routes/engagement_page.py serves /engagements/{uuid}; the base is the public_url setting.
    assert render().link == "https://liaison.example/engagements/e1"
    assert "Voir la fiche : https://liaison.example/engagements/e1" in render().text("fr")
    assert "Open: https://liaison.example/engagements/e1" in render(EN).text("en")


@pytest.mark.parametrize(
    ("reader", "kind", "title"),
    [
        (FR, "due_soon", "Suivi à faire d’ici le 3 avril 2026 : Envoyer le compte rendu"),
        (FR, "overdue", "Suivi en retard (échéance du 3 avril 2026) : Envoyer le compte rendu"),
        (EN, "due_soon", "Follow-up due by 3 April 2026: Envoyer le compte rendu"),
        (EN, "overdue", "Follow-up overdue (was due on 3 April 2026): Envoyer le compte rendu"),
    ],
)
def test_reminders_name_the_day_in_words_and_link_to_the_follow_ups(reader, kind, title):
    message = reminder_message(
        kind=kind,
        description="Envoyer le compte rendu",
        due_on=date(2026, 4, 3),
        engagement_id="e9",
        reader=reader,
        public_url=URL,
    )
    assert message.title == title
    assert message.link == "https://liaison.example/engagements/e9#follow-ups"


@pytest.mark.parametrize(
    ("reader", "count", "title"),
    [
        (FR, 1, "Résumé quotidien : 1 notification"),
        (FR, 3, "Résumé quotidien : 3 notifications"),
        (EN, 1, "Daily digest: 1 notification"),
        (EN, 2, "Daily digest: 2 notifications"),
    ],
)
def test_digests_agree_in_number_and_open_the_inbox(reader, count, title):
    message = digest_message(titles=[f"t{i}" for i in range(count)], reader=reader, public_url=URL)
    assert message.title == title
    assert message.link == "https://liaison.example/inbox"
    assert message.lines[0] == "• t0"


def test_a_reader_s_own_zone_wins_over_the_service_s():
    service_zone = ZoneInfo("America/Toronto")
    assert reader_of(None, service_zone) == Reader("fr", service_zone)
    assert reader_of(Recipient(user="u", language="en"), service_zone) == Reader("en", service_zone)
    paris = reader_of(Recipient(user="u", language="fr", timezone="Europe/Paris"), service_zone)
    assert paris.zone == ZoneInfo("Europe/Paris")
