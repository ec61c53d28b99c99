"""The recruiter report: each recruiter's share of the cohort, and how it ended."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from recruitiq.kit.clock import utcnow
from recruitiq.models import User
from recruitiq.reports.cohort import CohortApplication, load_cohort
from recruitiq.reports.measures import hire_durations_days, offer_outcomes
from recruitiq.reports.schemas import (
    RecruiterRef,
    RecruiterReport,
    RecruiterRow,
    ReportPeriod,
    ReportRange,
)
from recruitiq.reports.stats import median, rate

UNASSIGNED = "Unassigned"


def _row(recruiter: RecruiterRef, apps: list[CohortApplication]) -> RecruiterRow:
    interviews = sum(app.interview_statuses.count("completed") for app in apps)
    offers = offer_outcomes(apps)
    hire_days = hire_durations_days(apps)
    return RecruiterRow(
        recruiter=recruiter,
        applications=len(apps),
        hires=len(hire_days),
        median_time_to_hire_days=median(hire_days),
        interviews_completed=interviews,
        offers_sent=offers.sent,
        interview_to_offer_ratio=rate(offers.sent, interviews),
        offers=offers,
    )


def _user_names(session: Session, organization_id: str, user_ids: list[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    rows = session.execute(
        select(User.id, User.name).where(
            User.organization_id == organization_id, User.id.in_(user_ids)
        )
    )
    return {user_id: name for user_id, name in rows}


def build_recruiter_report(
    session: Session, organization_id: str, period: ReportRange
) -> RecruiterReport:
    """One row per user with applications assigned in the cohort (by name), then the
    unassigned applications, always present so the rows add up to the whole cohort."""
    by_recruiter: dict[str | None, list[CohortApplication]] = defaultdict(list)
    for app in load_cohort(session, organization_id, period, with_interviews=True):
        by_recruiter[app.assigned_to_id].append(app)
    user_ids = [uid for uid in by_recruiter if uid is not None]
    names = _user_names(session, organization_id, user_ids)
    assigned = sorted(user_ids, key=lambda uid: (names.get(uid, ""), uid))
    rows = [_row(RecruiterRef(id=uid, name=names.get(uid, "")), by_recruiter[uid])
            for uid in assigned]
    rows.append(_row(RecruiterRef(id=None, name=UNASSIGNED), by_recruiter.get(None, [])))
    return RecruiterReport(
        period=ReportPeriod(from_=period.start, to=period.end, generated_at=utcnow()),
        recruiters=rows,
    )
