"""Agreements: the legal status moves forward only (an administrator corrects), dates hold in order,
and lists filter by status and by expiry ("agreements expiring this year")."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.engagements.tests.support import ADMIN, add_partner, as_, log

AGREEMENT = {"type": "agreement", "signatories": ["Premier ministre"]}


def patch(client, engagement, version, caller=None, **changes):
    kwargs = {"auth": as_(caller)} if caller else {}
    return client.patch(
        f"/api/v1/engagements/{engagement['id']}", headers={"If-Match": f'W/"{version}"'}, json=changes, **kwargs
    )


def test_the_status_moves_forward_step_by_step(client, sessions):
    agreement = log(client, [add_partner(sessions)], **AGREEMENT)
    assert agreement["agreement_status"] == "negotiating"
    steps = [
        ("signed", {"signed_on": "2026-03-02"}),
        ("in_force", {"effective_on": "2026-04-01", "expires_on": "2029-03-31"}),
        ("expired", {}),
    ]
    for version, (status, dates) in enumerate(steps, start=1):
        response = patch(client, agreement, version, agreement_status=status, **dates)
        assert response.status_code == 200, response.text
        assert response.json()["agreement_status"] == status


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (["signed"], "negotiating"),  # back
        ([], "in_force"),  # a step skipped
        ([], "expired"),
        (["terminated"], "negotiating"),  # final
        (["signed", "in_force", "expired"], "in_force"),
    ],
)
def test_going_back_or_skipping_a_step_is_refused_for_an_officer(client, sessions, path, refused):
    agreement = log(client, [add_partner(sessions)], **AGREEMENT)
    version = 1
    for status in path:
        assert patch(client, agreement, version, agreement_status=status).status_code == 200
        version += 1
    response = patch(client, agreement, version, agreement_status=refused)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Invalid agreement" and problem["field"] == "agreement_status"
    assert "administrator" in problem["detail"]
    current = client.get(f"/api/v1/engagements/{agreement['id']}").json()
    assert current["version"] == version, "nothing written"


def test_an_administrator_may_correct_a_status(client, sessions):
    agreement = log(client, [add_partner(sessions)], **AGREEMENT)
    assert patch(client, agreement, 1, agreement_status="terminated").status_code == 200
    corrected = patch(client, agreement, 2, caller=ADMIN, agreement_status="negotiating")
    assert corrected.status_code == 200 and corrected.json()["agreement_status"] == "negotiating"
    audit = client.get(f"/api/v1/engagements/{agreement['id']}/audit", auth=as_(ADMIN)).json()["items"]
    assert audit[0]["changes"]["agreement_status"] == {"before": "terminated", "after": "negotiating"}


@pytest.mark.parametrize(
    "dates",
    [
        {"signed_on": "2026-05-01", "effective_on": "2026-04-01"},
        {"signed_on": "2026-05-01", "expires_on": "2026-04-01"},
        {"effective_on": "2026-05-01", "expires_on": "2026-04-30"},
    ],
)
def test_dates_out_of_order_are_refused(client, sessions, dates):
    partner = add_partner(sessions)
    response = client.post(
        "/api/v1/engagements",
        json={
            "type": "agreement",
            "title": "Entente",
            "starts_at": "2026-03-02T09:30:00-05:00",
            "partner_ids": [str(partner)],
            "thrusts": ["trade.investment"],
        }
        | dates,
    )
    assert response.status_code == 422 and response.json()["title"] == "Invalid agreement"
    assert response.json()["field"] in dates
    agreement = log(client, [partner], **AGREEMENT, signed_on="2026-03-02")
    late = patch(client, agreement, 1, expires_on="2026-01-01")
    assert late.status_code == 422 and late.json()["field"] == "expires_on"


def test_lists_filter_by_status_and_expiry(client, sessions):
    partner = add_partner(sessions)
    year = datetime.now(ZoneInfo("America/Toronto")).year  # the service's zone in tests
    this_year = log(client, [partner], **AGREEMENT, title="A", agreement_status="in_force", expires_on=f"{year}-12-01")
    next_year = log(
        client, [partner], **AGREEMENT, title="B", agreement_status="signed", expires_on=f"{year + 1}-06-30"
    )
    log(client, [partner], **AGREEMENT, title="C")
    log(client, [partner], title="Rencontre")

    def titles(**params):
        response = client.get("/api/v1/engagements", params=params)
        assert response.status_code == 200, response.text
        return sorted(e["title"] for e in response.json()["items"])

    assert titles(agreement_status="in_force") == [this_year["title"]]
    assert titles(agreement_status="negotiating") == ["C"]
    assert titles(expires_in="year") == [this_year["title"]]
    assert titles(expiring_before=f"{year + 2}-01-01") == sorted([this_year["title"], next_year["title"]])
    assert titles(expires_in="year", expiring_before=f"{year}-06-01") == []
    for bad in (
        {"agreement_status": "ratified"},
        {"expires_in": "decade"},
        {"expiring_before": "soon"},
        {"expiring_before": "2500-01-01"},
    ):
        response = client.get("/api/v1/engagements", params=bad)
        assert response.status_code == 422, bad
        assert response.headers["content-type"] == "application/problem+json"
