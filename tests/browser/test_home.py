"""Home: my open follow-ups (overdue first, owed by us / owed to us), my upcoming engagements, recent
activity on what I follow, and the four charts with their data tables, in French and English."""

from __future__ import annotations

import re
import statistics
import uuid
from datetime import UTC, datetime, timedelta

from tests.browser.home_support import (
    add_follow_up,
    client_for,
    log_engagement,
    new_partner,
    no_overflow,
    notified,
    switch_language,
    today,
    wait_for,
)


def chart_table(page, key: str) -> dict[str, list[str]]:
    rows = page.locator(f"#{key}-table tbody tr")
    return {
        rows.nth(i).locator("th").text_content().strip(): [
            c.strip() for c in rows.nth(i).locator("td").all_text_contents()
        ]
        for i in range(rows.count())
    }


def test_home_shows_what_i_owe_what_is_coming_what_happened_and_the_charts(
    new_page, login_as, make_user, api, web_system, shoot, assert_no_axe_violations
):
    me = make_user("officer", display_name="Dominique Côté")
    partner = new_partner(api, region="arctic")
    tag = uuid.uuid4().hex[:6]
    past = log_engagement(api, partner, title=f"Bilan nordique {tag}", officers=[me.username], thrusts=["north-arctic"])
    coming = log_engagement(
        api,
        partner,
        title=f"Mission à Nuuk {tag}",
        starts=datetime.now(UTC) + timedelta(days=5),
        officers=[me.username],
    )
    soon = add_follow_up(
        api,
        past,
        assignee=me.username,
        description=f"Envoyer le compte rendu {tag}",
        due_on=today() + timedelta(days=4),
    )
    late = add_follow_up(
        api, past, assignee=me.username, description=f"Relancer le ministère {tag}", due_on=today() - timedelta(days=3)
    )
    theirs = add_follow_up(
        api,
        past,
        assignee=me.username,
        description=f"Chiffres promis par le partenaire {tag}",
        due_on=today() - timedelta(days=40),
        owed_by="partner",
    )
    with client_for(web_system, me) as mine:
        mine.post(
            "/subscriptions", json={"kind": "partner", "target": partner["id"], "channels": ["inbox"]}
        ).raise_for_status()
        news = log_engagement(api, partner, title=f"Appel avec Nuuk {tag}")
        wait_for(notified(mine, news["title"]), what="the officer's notification")

    page = new_page
    login_as(page, me)
    response = page.goto("/")
    assert response.status == 200 and page.locator("html").get_attribute("lang") == "fr"
    assert re.search(r"\bapi;dur=[0-9.]+, charts;dur=[0-9.]+, app;dur=[0-9.]+$", response.headers["server-timing"])

    by_us = page.get_by_test_id("fu-by-us").locator("li")
    assert "Relancer le ministère" in by_us.nth(0).inner_text(), "the overdue one comes first"
    assert "En retard" in by_us.nth(0).inner_text() and "Bilan nordique" in by_us.nth(0).inner_text()
    assert soon["description"] in by_us.nth(1).inner_text() and "En retard" not in by_us.nth(1).inner_text()
    to_us = page.get_by_test_id("fu-to-us")
    assert theirs["description"] in to_us.inner_text() and late["description"] not in to_us.inner_text()
    assert coming["title"] in page.get_by_test_id("upcoming").inner_text()
    assert past["title"] not in page.get_by_test_id("upcoming").inner_text(), "a past engagement is not upcoming"
    assert news["title"] in page.get_by_test_id("activity").inner_text()

    figures = page.locator("figure.chart")
    assert figures.count() == 4
    assert page.locator("figure.chart svg[role=img]").count() == 4, "each chart is inline SVG made on the server"
    assert page.locator("script:not([src])").count() == 0
    arctic = chart_table(page, "chart-region")["Arctique"]
    assert int(arctic[0]) >= 3
    assert int(chart_table(page, "chart-thrust")["Affaires nordiques et arctiques"][0]) >= 1
    overdue = chart_table(page, "chart-overdue")
    assert int(overdue["De 1 à 7 jours de retard"][0]) >= 1 and int(overdue["De 31 à 90 jours de retard"][1]) >= 1
    assert len(chart_table(page, "chart-quarter")) == 8
    shoot(page, "home")
    assert_no_axe_violations(page)

    switch_language(page)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="My open follow-ups").is_visible()
    assert "Overdue" in page.get_by_test_id("fu-by-us").locator("li").nth(0).inner_text()
    assert chart_table(page, "chart-region")["Arctic"] == arctic
    page.locator("#chart-region-table").locator("xpath=ancestor::details").locator("summary").click()
    assert page.locator("#chart-region-table").is_visible()
    shoot(page, "home")
    assert_no_axe_violations(page)

    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    assert no_overflow(page)
    shoot(page, "home-360")


def test_home_server_time(page, shoot):
    """Not a timed test: prints the server's own time for the home page (Server-Timing), no cache."""
    timings: dict[str, list[float]] = {}
    for _ in range(25):
        response = page.request.get("/")
        assert response.status == 200
        for part in response.headers["server-timing"].split(", "):
            name, duration = part.split(";dur=")
            timings.setdefault(name, []).append(float(duration))
    for name, durations in timings.items():
        durations.sort()
        p95 = durations[int(len(durations) * 0.95) - 1]
        median = statistics.median(durations)
        print(f"\nhome page server time, {name}, {len(durations)} loads: median {median:.0f} ms, p95 {p95:.0f} ms")
