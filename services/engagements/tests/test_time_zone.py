"""The display time zone is a setting (LIAISON_ENGAGEMENTS_TIMEZONE), America/Toronto by default."""

import pytest
from icalendar import Calendar
from pydantic import ValidationError

from services.engagements.app import create_app
from services.engagements.settings import EngagementsSettings
from services.engagements.tests.support import OFFICER, add_partner, log
from tests.support.apps import service_client, unit_settings


@pytest.fixture
def tokyo(engagements_engine, monkeypatch, cast):
    monkeypatch.setenv("LIAISON_ENGAGEMENTS_TIMEZONE", "Asia/Tokyo")
    with service_client(create_app, unit_settings(EngagementsSettings), engine=engagements_engine) as client:
        yield client


def test_quarters_calendars_and_zoneless_query_times_follow_the_setting(tokyo, sessions):
    partner = add_partner(sessions)
    # 31 March in Toronto, already 1 April in Tokyo.
    # A call has no place abroad: the calendar gives it in the service's zone
    # (a meeting abroad: test_history_reports_calendar).
    log(
        tokyo,
        [partner],
        starts_at="2026-03-31T16:00:00Z",
        ends_at="2026-03-31T17:00:00Z",
        title="Appel",
        location={"city": None, "country": None},
    )
    report = tokyo.get("/api/v1/reports/thrusts", params={"group_by": "quarter"}).json()
    [row] = [r for r in report["rows"] if r["code"] == "trade.investment"]
    assert row["groups"] == {"2026-Q2": 1}
    # A time without a zone is Tokyo's: 01:00 on 1 April there is 16:00 UTC the day before.
    assert tokyo.get("/api/v1/engagements", params={"from": "2026-04-01T00:30:00"}).json()["total"] == 1
    assert tokyo.get("/api/v1/engagements", params={"from": "2026-04-01T01:30:00"}).json()["total"] == 0
    calendar = Calendar.from_ical(tokyo.get(f"/api/v1/calendar/{OFFICER.user}.ics").content)
    [event] = calendar.walk("VEVENT")
    assert event["dtstart"].params["TZID"] == "Asia/Tokyo"
    assert event["dtstart"].dt.isoformat() == "2026-04-01T01:00:00+09:00"


def test_an_unknown_time_zone_is_refused_at_start():
    with pytest.raises(ValidationError, match="unknown time zone"):
        unit_settings(EngagementsSettings, timezone="Mars/Olympus_Mons")
    assert unit_settings(EngagementsSettings).timezone == "America/Toronto"
