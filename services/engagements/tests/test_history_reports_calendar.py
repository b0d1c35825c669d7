"""A partner's history, the thrusts report and an officer's calendar."""

from icalendar import Calendar

from services.engagements.tests.support import COLLEAGUE, OFFICER, add_partner, add_people, log


def test_history_is_newest_first_with_follow_ups_and_a_cursor(client, sessions):
    partner = add_partner(sessions)
    made = [
        log(
            client,
            [partner],
            title=f"Rencontre {n}",
            starts_at=f"2026-0{n}-01T10:00:00Z",
            ends_at=f"2026-0{n}-01T11:00:00Z",
        )
        for n in range(1, 6)
    ]
    client.post(
        f"/api/v1/engagements/{made[4]['id']}/follow-ups", json={"description": "Suivi", "assignee": OFFICER.user}
    )
    first = client.get(f"/api/v1/partners/{partner}/history", params={"limit": 3}).json()
    assert [i["engagement"]["title"] for i in first["items"]] == ["Rencontre 5", "Rencontre 4", "Rencontre 3"]
    assert first["total"] == 5 and first["items"][0]["follow_ups"][0]["description"] == "Suivi"
    rest = client.get(f"/api/v1/partners/{partner}/history", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [i["engagement"]["title"] for i in rest["items"]] == ["Rencontre 2", "Rencontre 1"]
    assert rest["next_cursor"] is None
    for params in ({"include": "everyone"}, {"limit": 0}, {"cursor": "bad"}):
        assert client.get(f"/api/v1/partners/{partner}/history", params=params).status_code in (400, 422)


def test_thrusts_report_counts_each_engagement_once_per_thrust_and_group(client, sessions):
    europe = add_partner(sessions)
    mexico = add_partner(sessions, name_en="Mexico", country="MX", region="latin-america-caribbean")
    log(
        client,
        [europe],
        thrusts=["trade.investment", "trade.policy"],
        starts_at="2026-01-15T12:00:00Z",
        ends_at="2026-01-15T13:00:00Z",
    )
    log(
        client,
        [europe, mexico],
        type="call",
        thrusts=["trade.investment"],
        starts_at="2026-04-01T02:00:00Z",
        ends_at="2026-04-01T03:00:00Z",
    )  # 31 March in Québec: first quarter
    log(client, [mexico], thrusts=["climate"], starts_at="2025-06-01T12:00:00Z", ends_at="2025-06-01T13:00:00Z")

    by = {
        g: {
            r["code"]: r
            for r in client.get(
                "/api/v1/reports/thrusts", params={"group_by": g, "from": "2026-01-01", "to": "2027-01-01"}
            ).json()["rows"]
        }
        for g in ("type", "quarter", "region")
    }
    assert by["type"]["trade"]["total"] == 2, "one engagement tagged with two trade children counts once"
    assert by["type"]["trade"]["groups"] == {"call": 1, "meeting": 1}
    assert by["type"]["trade.policy"]["total"] == 1 and by["type"]["climate"]["total"] == 0
    assert by["quarter"]["trade.investment"]["groups"] == {"2026-Q1": 2}
    assert by["region"]["trade"]["groups"] == {"europe": 2, "latin-america-caribbean": 1}
    assert client.get("/api/v1/reports/thrusts", params={"group_by": "colour"}).status_code == 422

    def report(**params) -> dict:
        return {r["code"]: r for r in client.get("/api/v1/reports/thrusts", params=params).json()["rows"]}

    calls = report(group_by="region", type="call")
    assert calls["trade"]["total"] == 1 and calls["trade"]["groups"] == {"europe": 1, "latin-america-caribbean": 1}
    # The region filter keeps engagements with a partner there; the grouping then counts all their regions.
    latin_by_region = report(group_by="region", region="latin-america-caribbean", type="call")
    assert latin_by_region["trade"]["groups"] == {"europe": 1, "latin-america-caribbean": 1}
    assert report(group_by="region", region="europe")["climate"]["groups"] == {}
    latin = report(group_by="quarter", region="latin-america-caribbean")
    assert latin["trade"]["groups"] == {"2026-Q1": 1} and latin["climate"]["groups"] == {"2025-Q2": 1}
    assert report(region="arctic")["trade"]["total"] == 0
    assert client.get("/api/v1/reports/thrusts", params={"type": "picnic"}).status_code == 422


def test_calendar_is_an_importable_icalendar_in_quebec_time(client, sessions):
    partner = add_partner(sessions)
    engagement = log(
        client,
        [partner],
        officers=[COLLEAGUE.user],
        starts_at="2026-07-02T14:00:00Z",
        ends_at="2026-07-02T15:30:00Z",
        title="Appel avec la Bavière",
        location={"city": "Québec", "country": "CA"},
    )
    client.post(
        f"/api/v1/engagements/{engagement['id']}/follow-ups",
        json={"description": "Envoyer le mémo", "assignee": COLLEAGUE.user, "due_on": "2026-07-10"},
    )
    response = client.get(f"/api/v1/calendar/{COLLEAGUE.user}.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    assert b"\r\n" in response.content, "RFC 5545 lines end in CRLF"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["version"]) == "2.0" and calendar["prodid"]
    [meeting] = [c for c in calendar.walk("VEVENT") if str(c["uid"]).startswith("engagement-")]
    assert str(meeting["summary"]) == "[meeting] Appel avec la Bavière"
    assert meeting["dtstart"].dt.isoformat() == "2026-07-02T10:00:00-04:00"
    assert meeting["dtstart"].params["TZID"] == "America/Toronto"
    assert calendar.walk("VTIMEZONE"), "the time zone is described for Outlook"
    [due] = [c for c in calendar.walk("VEVENT") if str(c["uid"]).startswith("follow-up-")]
    assert due["dtstart"].dt.isoformat() == "2026-07-10" and "Envoyer le mémo" in str(due["summary"])
    empty = Calendar.from_ical(client.get(f"/api/v1/calendar/{OFFICER.user}x.ics").content)
    assert empty.walk("VEVENT") == []


def test_a_calendar_name_with_a_carriage_return_is_answered_over_real_http_with_an_encoded_filename(client):
    """Issue 10, defect 3: the name went raw into Content-Disposition; uvicorn dropped the connection."""
    from urllib.parse import quote

    import httpx

    from tests.support.identity import SignedAs
    from tests.support.servers import ThreadedServer

    server = ThreadedServer(client.app).start()  # the app's lifespan already ran in `client`
    try:
        with httpx.Client(base_url=server.url, auth=SignedAs(), timeout=10) as http:
            for name in ("a\rb", "a\nb", "a\r\nX-Injected: 1", 'quote"d'):
                response = http.get(f"/api/v1/calendar/{quote(name, safe='')}.ics")
                assert response.status_code == 200, name
                assert "x-injected" not in response.headers
                disposition = response.headers["content-disposition"]
                assert f"filename*=UTF-8''{quote(name + '.ics', safe='')}" in disposition, disposition
                assert Calendar.from_ical(response.content).walk("VEVENT") == []
    finally:
        server.stop()


def test_an_officer_whose_name_is_not_latin_1_gets_their_calendar(client, sessions):
    from urllib.parse import quote

    name = "Łucja Nowak-Đặng"
    add_people(sessions, name)
    log(client, [add_partner(sessions)], officers=[name], title="Rencontre à Varsovie")
    response = client.get(f"/api/v1/calendar/{quote(name)}.ics")
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("inline; filename=")
    assert f"filename*=UTF-8''{quote(name + '.ics', safe='')}" in disposition
    disposition.encode("ascii")  # the fallback for old clients is plain ASCII
    [meeting] = Calendar.from_ical(response.content).walk("VEVENT")
    assert "Rencontre à Varsovie" in str(meeting["summary"])


def test_a_meeting_held_abroad_shows_in_its_country_s_time_zone(client, sessions):
    partner = add_partner(sessions)
    for country, city in (("DE", "Munich"), ("US", "Boston"), (None, None)):
        log(
            client,
            [partner],
            officers=[COLLEAGUE.user],
            starts_at="2026-07-02T14:00:00Z",
            ends_at="2026-07-02T15:30:00Z",
            title=f"Rencontre {country}",
            location={"city": city, "country": country},
        )
    calendar = Calendar.from_ical(client.get(f"/api/v1/calendar/{COLLEAGUE.user}.ics").content)
    starts = {str(e["summary"]): e["dtstart"] for e in calendar.walk("VEVENT")}
    munich = starts["[meeting] Rencontre DE"]
    assert munich.params["TZID"] == "Europe/Berlin" and munich.dt.isoformat() == "2026-07-02T16:00:00+02:00"
    assert starts["[meeting] Rencontre US"].params["TZID"] == "America/Toronto", "one of several zones: ours"
    assert starts["[meeting] Rencontre None"].params["TZID"] == "America/Toronto"
    assert {str(t["tzid"]) for t in calendar.walk("VTIMEZONE")} == {"Europe/Berlin", "America/Toronto"}
