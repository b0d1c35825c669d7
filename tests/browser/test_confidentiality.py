"""A person who may not see a restricted engagement finds it on no page: home (its lists and its
chart counts), search and its facets, the partner's timeline, reports, the calendar feed, the inbox.

The outsider is an officer who follows the partner, the region and the thrust, and was even about
to be given one of the restricted engagement's follow-ups (refused: he could not see it); an insider
(one of its officers) sees it in the same places, which shows the checks could fail.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from tests.browser.home_support import (
    add_follow_up,
    client_for,
    log_engagement,
    log_in,
    new_partner,
    notified,
    today,
    wait_for,
)


def chart_numbers(page) -> dict[str, str]:
    """Every chart's data table on the home page, cell by cell."""
    page.goto("/")
    cells = {}
    for table in page.locator("figure.chart table").all():
        key = table.get_attribute("id")
        for row in table.locator("tbody tr").all():
            cells[f"{key}/{row.locator('th').text_content()}"] = "|".join(row.locator("td").all_text_contents())
    return cells


def page_text(page, path: str) -> str:
    page.goto(path)
    return page.locator("body").inner_text()


@pytest.fixture(scope="module")
def secret(chromium, web_system, make_user):
    """The restricted engagement, and what the outsider's pages showed before it was logged."""
    api = httpx.Client(base_url=web_system["url"] + "/api/v1", headers=web_system["admin"], timeout=30)
    insider, outsider = make_user("officer"), make_user("officer")
    tag = uuid.uuid4().hex[:8]
    partner = new_partner(api, region="asia-pacific", name=f"Préfecture de Kyoto {tag}")
    follows = [
        ("partner", partner["id"]),
        ("region", "asia-pacific"),
        ("thrust", "culture"),
        ("engagement_type", "meeting"),
    ]
    with client_for(web_system, outsider) as theirs, client_for(web_system, insider) as ours:
        for kind, target in follows:
            theirs.post(
                "/subscriptions", json={"kind": kind, "target": target, "channels": ["inbox"]}
            ).raise_for_status()
        ours.post(
            "/subscriptions", json={"kind": "partner", "target": partner["id"], "channels": ["inbox"]}
        ).raise_for_status()

        # A public engagement about the partner: it has a timeline, and the outsider hears of it.
        public = log_engagement(api, partner, title=f"Échange culturel public {tag}", thrusts=["culture"])
        wait_for(notified(theirs, public["title"]), what="the outsider's notification of the public engagement")
        context = chromium.new_context(base_url=web_system["url"], locale="fr-CA")
        before_page = context.new_page()
        log_in(before_page, outsider)
        before = {"charts": chart_numbers(before_page), "reports": page_text(before_page, "/reports")}
        context.close()

        title = f"Négociation confidentielle {tag}"
        engagement = log_engagement(
            api, partner, title=title, officers=[insider.username], thrusts=["culture"], confidentiality="restricted"
        )
        words = f"Clause secrète {tag}"
        given = api.post(
            f"/engagements/{engagement['id']}/follow-ups",
            json={"description": words, "assignee": outsider.username, "due_on": str(today() - timedelta(days=2))},
        )
        assert given.status_code == 422 and given.json()["field"] == "assignee", given.text
        add_follow_up(
            api,
            engagement,
            assignee=insider.username,
            description=words + " (insider)",
            due_on=today() + timedelta(days=2),
        )
        # The insider's notification: the outsider's would have been decided in the same step.
        wait_for(notified(ours, title), what="the insider's notification")
    yield {
        "insider": insider,
        "outsider": outsider,
        "partner": partner,
        "title": title,
        "words": words,
        "tag": tag,
        "before": before,
        "api": api,
    }
    api.close()


def feed_of(page) -> str:
    page.goto("/follow-ups")
    return httpx.get(page.locator("#feed-url").input_value(), timeout=30).text


PAGES = [
    pytest.param("/", id="home"),
    pytest.param("/follow-ups", id="follow-ups"),
    pytest.param("/follow-ups?overdue=1", id="follow-ups-overdue"),
    pytest.param("/inbox", id="inbox"),
    pytest.param("/search?q={title}", id="search"),
    pytest.param("/search?q={tag}", id="search-facets"),
    pytest.param("/partners/{partner}", id="partner-timeline"),
]


@pytest.mark.parametrize("path", PAGES)
def test_the_outsider_does_not_find_it(secret, new_page, login_as, path):
    login_as(new_page, secret["outsider"])
    text = page_text(new_page, path.format(title=secret["title"], tag=secret["tag"], partner=secret["partner"]["id"]))
    assert new_page.url.split("?")[0].endswith(path.split("?")[0].format(partner=secret["partner"]["id"])), (
        "the page itself"
    )
    assert secret["title"] not in text and secret["words"] not in text
    if path.startswith("/search"):
        # Facets count what matched: the restricted engagement must be in no count (none matches the tag
        # but the public engagement, which is in 'Culture' and 'Asie-Pacifique' once).
        assert "Négociation" not in text


def test_the_outsiders_chart_counts_leave_it_out(secret, new_page, login_as):
    login_as(new_page, secret["outsider"])
    assert chart_numbers(new_page) == secret["before"]["charts"]


def test_the_outsiders_reports_leave_it_out(secret, new_page, login_as):
    login_as(new_page, secret["outsider"])
    assert new_page.goto("/reports").status == 200
    assert page_text(new_page, "/reports") == secret["before"]["reports"]


def test_the_outsiders_calendar_feed_leaves_it_out(secret, new_page, login_as):
    login_as(new_page, secret["outsider"])
    feed = feed_of(new_page)
    assert "BEGIN:VCALENDAR" in feed
    assert secret["title"] not in feed and secret["words"] not in feed


def test_the_insider_sees_it_where_the_outsider_does_not(secret, new_page, login_as, web_system):
    """The control: the same checks find it for one of its officers."""
    login_as(new_page, secret["insider"])
    assert secret["title"] in page_text(new_page, "/inbox")
    assert secret["words"] + " (insider)" in page_text(new_page, "/")
    assert secret["title"] in feed_of(new_page)
    assert secret["title"] in page_text(new_page, "/search?q={}".format(secret["title"]))
    assert secret["title"] in page_text(new_page, "/partners/{}".format(secret["partner"]["id"]))
    assert page_text(new_page, "/reports") != secret["before"]["reports"]
    with client_for(web_system, secret["outsider"]) as theirs:
        items = theirs.get("/notifications", params={"limit": 200}).json()["items"]
    assert not [n for n in items if secret["tag"] in n["title"] and "Négociation" in n["title"]]
    assert [n for n in items if secret["tag"] in n["title"]], "the outsider was told about the public one"
