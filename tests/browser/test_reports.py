"""Reports in a real browser: the coverage heat maps count what the officer may see, the filters
round-trip through the URL, the CSV downloads (cells neutralised), in French and English, with axe."""

from __future__ import annotations

import csv
import io
import re
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from services.kit.spreadsheets import FORMULA_STARTS

# 2019: a year no other browser test logs engagements in, so the counts are this module's own.
YEAR_FILTER = "from=2019-01-01&to=2019-12-31"


def log(api, partner_ids: list[str], **fields) -> dict:
    body = {"type": "meeting", "title": f"Rencontre {uuid.uuid4().hex[:6]}", "partner_ids": partner_ids, **fields}
    deadline = time.monotonic() + 30
    while True:
        answer = api.post("/engagements", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
        if answer.status_code == 422 and time.monotonic() < deadline:
            time.sleep(0.2)  # the partners' events have not reached the engagements service yet
            continue
        answer.raise_for_status()
        return answer.json()


@pytest.fixture(scope="module")
def coverage_data(api):
    """Europe and Africa partners; five engagements in 2019, one of them restricted (the officer's
    report must not count it)."""
    tag = uuid.uuid4().hex[:6]
    europe = api.post(
        "/partners", json={"kind": "state", "name_fr": f"Belgique {tag}", "country": "BE", "region": "europe"}
    ).json()["id"]
    africa = api.post(
        "/partners", json={"kind": "state", "name_fr": f"Sénégal {tag}", "country": "SN", "region": "africa"}
    ).json()["id"]
    log(api, [europe], thrusts=["french-language.francophonie"], starts_at="2019-02-10T15:00:00Z")
    log(api, [africa], type="call", thrusts=["french-language", "culture"], starts_at="2019-05-15T15:00:00Z")
    log(api, [europe, africa], thrusts=["culture"], starts_at="2019-05-20T15:00:00Z")
    log(api, [europe], thrusts=["trade"], starts_at="2019-11-03T15:00:00Z")
    log(api, [europe], thrusts=["north-arctic"], starts_at="2019-08-01T15:00:00Z", confidentiality="restricted")
    return {"europe": europe, "africa": africa}


@pytest.fixture
def reader(new_page, login_as, make_user):
    """A fresh officer (their language choice is theirs alone)."""
    login_as(new_page, make_user("officer"))
    return new_page


def cell(page, table: str, thrust: str, column: str) -> str:
    expect(page.locator(f"#{table} thead th").first).to_be_visible()
    headers = page.locator(f"#{table} thead th").all_inner_texts()
    index = [h.strip() for h in headers].index(column)
    return page.locator(f"#{table} tr[data-thrust='{thrust}'] > *").nth(index).inner_text().strip()


def test_heat_maps_count_engagements_per_thrust_region_and_quarter(
    reader, coverage_data, api, shoot, assert_no_axe_violations
):
    page = reader
    page.goto(f"/reports?{YEAR_FILTER}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Couverture des axes de la politique")
    assert cell(page, "heat-region", "culture", "Afrique") == "2"
    assert cell(page, "heat-region", "culture", "Europe") == "1"
    assert cell(page, "heat-region", "french-language", "Europe") == "1"
    assert cell(page, "heat-region", "french-language.francophonie", "Europe") == "1"
    assert cell(page, "heat-region", "culture", "Total") == "2"
    # The restricted engagement is counted for the administrator only.
    assert cell(page, "heat-region", "north-arctic", "Europe") == "0"
    as_admin = api.get("/reports/thrusts", params={"group_by": "region", "from": "2019-01-01", "to": "2020-01-01"})
    assert {r["code"]: r for r in as_admin.json()["rows"]}["north-arctic"]["groups"]["europe"] == 1
    # Quarters: every quarter from the first to the last, the empty third one included.
    quarters = page.locator("#heat-quarter thead th").all_inner_texts()
    assert quarters == ["Axe", "T1 2019", "T2 2019", "T3 2019", "T4 2019", "Total"]
    assert cell(page, "heat-quarter", "culture", "T2 2019") == "2"
    assert cell(page, "heat-quarter", "trade", "T3 2019") == "0"
    assert cell(page, "heat-quarter", "trade", "T4 2019") == "1"
    # The darkest shade goes to the largest count; an empty cell is not shaded.
    expect(page.locator("#heat-region tr[data-thrust='culture'] td[data-count='2']")).to_have_class("heat-5")
    expect(page.locator("#heat-region tr[data-thrust='trade'] td[data-count='0']").first).to_have_class("heat-0")
    shoot(page, "reports")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Policy thrust coverage")
    assert cell(page, "heat-region", "culture", "Africa") == "2"
    assert cell(page, "heat-quarter", "culture", "Q2 2019") == "2"
    shoot(page, "reports")
    assert_no_axe_violations(page)
    assert page.outside_requests == []


def test_filters_round_trip_through_the_url(reader, coverage_data, new_page, chromium, web_system):
    page = reader
    page.goto("/reports")
    page.locator("#f-from").fill("2019-01-01")
    page.locator("#f-to").fill("2019-12-31")
    page.locator("#f-type").select_option("call")
    page.locator("#f-region").select_option("africa")
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url(re.compile(r"region=africa"))
    page.wait_for_load_state()
    query = parse_qs(urlsplit(page.url).query)
    assert query["from"] == ["2019-01-01"] and query["to"] == ["2019-12-31"]
    assert query["type"] == ["call"] and query["region"] == ["africa"]
    # Only the call (with the Senegalese partner) is counted.
    assert cell(page, "heat-region", "culture", "Afrique") == "1"
    assert cell(page, "heat-region", "culture", "Europe") == "0"
    assert cell(page, "heat-region", "french-language.francophonie", "Europe") == "0"

    shared = page.url
    page.goto("/")
    page.goto(shared)  # the same URL, later: the same report and the same filters in the form
    expect(page.locator("#f-from")).to_have_value("2019-01-01")
    expect(page.locator("#f-to")).to_have_value("2019-12-31")
    expect(page.locator("#f-type")).to_have_value("call")
    expect(page.locator("#f-region")).to_have_value("africa")
    assert cell(page, "heat-region", "culture", "Afrique") == "1"

    page.goto(f"/reports?{YEAR_FILTER}&thrust=french-language")
    rows = page.locator("#heat-region tbody tr").evaluate_all("rows => rows.map(r => r.dataset.thrust)")
    assert rows and all(code.startswith("french-language") for code in rows)
    expect(page.locator("#f-thrust")).to_have_value("french-language")


def test_a_bad_filter_is_answered_beside_its_field(reader):
    page = reader
    response = page.goto("/reports?from=31/02/2019&region=atlantis")
    assert response.status == 400
    expect(page.locator("#f-from-error")).to_have_text("Entrez une date au format AAAA-MM-JJ.")
    expect(page.locator("#f-from")).to_have_attribute("aria-describedby", re.compile("f-from-error"))
    expect(page.locator("#f-region-error")).to_be_visible()
    expect(page.locator("#heat-region")).to_be_visible()  # the report, without the filters it could not read


def test_the_csv_export_downloads_the_filtered_heat_map_neutralised(reader, coverage_data):
    page = reader
    page.goto(f"/reports?{YEAR_FILTER}&type=meeting")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("thrusts by region|axes par région", re.I)).click()
    assert download.value.suggested_filename == "coverage-region.csv"
    text = download.value.path().read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header, by_code = rows[0], {row[0]: row for row in rows[1:]}
    assert header[:2] == ["Code de l'axe", "Axe"] and header[-1] == "Total"
    europe, africa = header.index("Europe"), header.index("Afrique")
    # Meetings only: the Belgian meetings and the joint one.
    assert by_code["culture"][europe] == "1" and by_code["culture"][africa] == "1"
    assert by_code["french-language.francophonie"][europe] == "1" and by_code["north-arctic"][europe] == "0"
    assert all(not cell.startswith(FORMULA_STARTS) for row in rows for cell in row)

    by_quarter = page.request.get(f"/reports/coverage.csv?{YEAR_FILTER}&by=quarter")
    assert by_quarter.status == 200 and "T2 2019" in by_quarter.text()
    assert page.request.get("/reports/coverage.csv?by=colour").status == 400
