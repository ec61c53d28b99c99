"""Measures both reports compute over a list of cohort applications."""

from __future__ import annotations

from collections.abc import Sequence

from recruitiq.reports.cohort import CohortApplication
from recruitiq.reports.schemas import OfferOutcomes
from recruitiq.reports.stats import days_between, rate


def hire_durations_days(apps: Sequence[CohortApplication]) -> list[float]:
    """Applied (the application's creation) to hired, for every hired application."""
    return [
        days_between(app.created_at, app.hired_at)
        for app in apps
        if app.status == "hired" and app.hired_at is not None
    ]


def offer_outcomes(apps: Sequence[CohortApplication]) -> OfferOutcomes:
    """Acceptance = accepted / (accepted + declined + expired): offers still open or
    withdrawn by us say nothing about whether candidates accept."""
    statuses = [status for app in apps for status, _sent in app.offers]
    sent = sum(1 for app in apps for _status, sent_at in app.offers if sent_at is not None)
    accepted, declined, expired = (statuses.count(s) for s in ("accepted", "declined", "expired"))
    return OfferOutcomes(
        sent=sent,
        accepted=accepted,
        declined=declined,
        expired=expired,
        acceptance_rate=rate(accepted, accepted + declined + expired),
    )
