"""Agreements (engagements of type agreement): their legal status moves forward only, their dates
hold in order, and "agreements expiring this year" is a filter.

negotiating → signed → in_force → expired, and any of the first three → terminated (talks broken
off, an agreement denounced). Going back, or skipping a step, is for an administrator only: a
correction, which the audit trail records like any change.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from services.engagements.models import Engagement
from services.engagements.schemas import AgreementStatus
from services.kit.identity import Caller
from services.kit.problems import Problem

S = AgreementStatus
NEXT: dict[AgreementStatus, frozenset[AgreementStatus]] = {
    S.NEGOTIATING: frozenset({S.SIGNED, S.TERMINATED}),
    S.SIGNED: frozenset({S.IN_FORCE, S.TERMINATED}),
    S.IN_FORCE: frozenset({S.EXPIRED, S.TERMINATED}),
    S.EXPIRED: frozenset(),
    S.TERMINATED: frozenset(),
}
# Agreements whose expiry is still worth a renewal reminder.
RUNNING = frozenset({S.SIGNED, S.IN_FORCE})
# The dates, in the order they must come.
DATES = ("signed_on", "effective_on", "expires_on")


class InvalidAgreement(Problem):
    status = 422
    title = "Invalid agreement"


def check_dates(engagement: Engagement) -> None:
    """signed_on ≤ effective_on ≤ expires_on, for those set."""
    given = [(name, getattr(engagement, name)) for name in DATES if getattr(engagement, name) is not None]
    for (earlier, first), (later, second) in pairwise(given):
        if second < first:
            raise InvalidAgreement(f"{later} ({second}) must not be before {earlier} ({first}).", field=later)


def check_transition(*, caller: Caller, before: str | None, after: str | None) -> None:
    """A change of legal status an officer may make; an administrator may correct anything."""
    if before is None or after is None or before == after or caller.is_admin:
        return
    allowed = NEXT[AgreementStatus(before)]
    if AgreementStatus(after) not in allowed:
        steps = ", ".join(sorted(allowed)) or "none: it is final"
        raise InvalidAgreement(
            f"An agreement {before} cannot become {after} (next: {steps}); only an administrator corrects a status.",
            field="agreement_status",
            allowed=sorted(allowed),
        )


def year_bounds(today: date) -> tuple[date, date]:
    """This calendar year, for `expires_in=year`."""
    return date(today.year, 1, 1), date(today.year + 1, 1, 1)
