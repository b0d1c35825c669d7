"""The web app's refusals in the page's language, in a real browser: the engagement form asks the
services in the page's language and knows their problems by `type`, not by an English title, so a
French page says in French that the form was sent already with other content, and that a partner
archived meanwhile cannot be named; the same in English."""

from __future__ import annotations

import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.engagement_support import partner
from tests.browser.partner_data import in_english, in_french

WORDS = {
    "fr": ("Ce formulaire a déjà été envoyé avec un autre contenu.", "Un partenaire archivé ne peut pas être associé"),
    "en": ("This form was already sent with other content.", "An archived partner cannot be named on an engagement."),
}


def fill(page, name: str) -> None:
    page.locator("#f-title").fill(f"Rencontre {uuid.uuid4().hex[:6]}")
    page.locator("#f-partners").fill(name)
    expect(page.locator("#partner-listbox [role=option]").first).to_be_visible()
    page.locator("#f-partners").press("Enter")
    expect(page.locator("#partner-chips input:checked")).to_have_count(1)
    page.locator("#f-thrusts").fill("invest")
    page.locator("#f-thrusts").press("Enter")


def archived_for_engagements(api, partner_id: str, seconds: float = 60) -> None:
    """Archives the partner and waits until the engagements service has heard of it (by its event)."""
    assert api.post(f"/partners/{partner_id}/archive").status_code == 200
    body = {"type": "meeting", "title": "Sonde", "starts_at": "2026-01-05T15:00:00Z", "partner_ids": [partner_id]}
    body["thrusts"] = ["trade"]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = api.post("/engagements", json=body)
        if answer.status_code == 201:  # not heard yet: the probe is taken back
            api.delete(f"/engagements/{answer.json()['id']}", headers={"If-Match": answer.headers["etag"]})
        elif answer.json().get("type") == "urn:liaison:problem:archived-partner":
            return
        time.sleep(0.3)
    raise AssertionError("the engagements service never heard that the partner was archived")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_form_refusals_follow_the_page_language(new_page, make_user, login_as, api, lang, shoot):
    writer = make_user("officer")  # their own: the language chosen is remembered per person
    page = new_page
    login_as(page, writer)
    (in_french if lang == "fr" else in_english)(page, "/engagements/new")
    name = f"Comté d'essai {uuid.uuid4().hex[:6]}"
    chosen = partner(
        api, name_fr=name, name_en=name, acronyms=[], kind="other", country="FR", contact=("Ana Lima", "Cheffe")
    )
    already, archived = WORDS[lang]

    # The same form sent again with other content: the service says "Idempotency-Key reused".
    fill(page, name)
    answers = page.evaluate(
        """async () => {
            const form = document.getElementById("engagement-form");
            const first = await fetch(form.getAttribute("action"), {method: "POST", body: new FormData(form)});
            const changed = new FormData(form);
            changed.set("title", changed.get("title") + " (autre)");
            const second = await fetch(form.getAttribute("action"), {method: "POST", body: changed});
            return [first.status, second.status, await second.text()];
        }"""
    )
    assert answers[0] == 200 and answers[1] == 422, answers[:2]  # fetch followed the first one's redirect
    assert already in answers[2]

    # A partner archived after it was chosen: the service's problem is known by its type. (The form
    # sent by fetch left its draft in this browser: a new form starts from nothing. The form is left
    # first, so that a draft save it still had pending cannot write the draft back after the clear.)
    page.goto("/")
    page.evaluate("() => window.localStorage.clear()")
    (in_french if lang == "fr" else in_english)(page, "/engagements/new")
    fill(page, name)
    archived_for_engagements(api, chosen["id"])
    page.locator("#engagement-submit").click()
    expect(page.locator("#engagement-form")).to_contain_text(archived)
    shoot(page, "engagement-form-archived-partner")
