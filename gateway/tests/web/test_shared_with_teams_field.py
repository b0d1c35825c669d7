"""The engagement form offers the directory's teams to share a restricted engagement with (issue 13,
Teams), in the page's language, each a labelled checkbox."""

from __future__ import annotations

from fastapi import FastAPI
from sqlmodel import Session, select

from gateway.models import Team
from gateway.tests.conftest import add_user
from gateway.tests.web.conftest import OFFICER, hidden, log_in


def test_the_form_lists_the_teams_as_checkboxes_in_both_languages(make_gateway, gateway_engine):
    add_user(gateway_engine, OFFICER, ["officer"])
    with Session(gateway_engine) as session:
        session.add(Team(name="Direction Europe"))
        session.commit()
        team_id = str(session.exec(select(Team)).one().id)
    # The services answer nothing here (404s): the form shows without their choices, the teams are the gateway's.
    web_client = make_gateway({"engagements": FastAPI(), "partners": FastAPI()})
    assert log_in(web_client).status_code in (302, 303)
    page = web_client.get("/engagements/new")
    assert page.status_code == 200, page.text
    assert "Partagé avec les équipes" in page.text
    assert f'id="f-shared-{team_id}" name="shared_with_teams" value="{team_id}"' in page.text
    assert f'<label for="f-shared-{team_id}">Direction Europe</label>' in page.text
    web_client.get("/language/en?next=/")
    english = web_client.get("/engagements/new")
    assert "Shared with teams" in english.text and "When restricted, the members" in english.text


def test_teams_the_form_does_not_offer_are_kept_as_they_were(make_gateway, gateway_engine):
    """An engagement shared with a team the list does not hold (gone, or the list unread): the form
    carries it back as it was, so saving the form does not unshare it."""
    add_user(gateway_engine, OFFICER, ["officer"])
    gone = "7d1b7a39-0000-4000-8000-00000000dead"
    web_client = make_gateway({"engagements": FastAPI(), "partners": FastAPI()})
    log_in(web_client)
    token = hidden(web_client.get("/engagements/new").text, "csrf_token")
    page = web_client.post("/engagements", data={"action": "preview", "shared_with_teams": gone, "csrf_token": token})
    assert page.status_code == 200, page.text
    assert f'<input type="hidden" name="shared_with_teams" value="{gone}">' in page.text
