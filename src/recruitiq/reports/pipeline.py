"""The pipeline report: where applications are, how they move, how long they stay."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy.orm import Session

from recruitiq.kit.clock import utcnow
from recruitiq.kit.lookup import get_owned
from recruitiq.models import Job
from recruitiq.models.application import APPLICATION_STATUSES, STAGE_POSITION, STAGES
from recruitiq.reports.cohort import CohortApplication, load_cohort
from recruitiq.reports.measures import hire_durations_days, offer_outcomes
from recruitiq.reports.schemas import (
    Conversion,
    PipelineReport,
    ReportPeriod,
    ReportRange,
    StageDuration,
    TimeToHire,
)
from recruitiq.reports.stats import hours_between, mean, median, rate


def furthest_stage_index(app: CohortApplication) -> int:
    """How far the application got. A skipped stage counts as passed, and moving back
    does not undo progress, so the funnel never grows from one stage to the next."""
    reached = [STAGE_POSITION.get(entry.stage, 0) for entry in app.history]
    reached.append(STAGE_POSITION.get(app.stage, 0))
    if app.status == "hired":
        reached.append(STAGE_POSITION["hired"])
    return max(reached)


def conversions(apps: list[CohortApplication]) -> list[Conversion]:
    furthest = Counter(furthest_stage_index(app) for app in apps)
    reached = [sum(n for index, n in furthest.items() if index >= i) for i in range(len(STAGES))]
    return [
        Conversion(
            from_stage=STAGES[i], to_stage=STAGES[i + 1], reached=reached[i],
            converted=reached[i + 1], rate=rate(reached[i + 1], reached[i]),
        )
        for i in range(len(STAGES) - 1)
    ]


def completed_stays_hours(apps: list[CohortApplication]) -> dict[str, list[float]]:
    """Hours per finished stay in each stage. A stay finishes when the application moves on,
    or is rejected or withdrawn while there; the current stay of an active application is
    still running and is left out, so the figure does not drift with the report's date."""
    stays: dict[str, list[float]] = defaultdict(list)
    for app in apps:
        for entry, following in zip(app.history, app.history[1:], strict=False):
            stays[entry.stage].append(hours_between(entry.at, following.at))
        last = app.history[-1]
        if app.left_pipeline_at is not None and last.stage != "hired":
            stays[last.stage].append(hours_between(last.at, app.left_pipeline_at))
    return stays


def build_pipeline_report(
    session: Session, organization_id: str, period: ReportRange, job_id: str | None
) -> PipelineReport:
    if job_id is not None:
        get_owned(session, Job, organization_id, job_id, resource="Job", live_only=False)
    apps = load_cohort(session, organization_id, period, job_id=job_id)
    stage_counts = Counter(app.stage for app in apps)
    status_counts = Counter(app.status for app in apps)
    stays = completed_stays_hours(apps)
    hire_days = hire_durations_days(apps)
    return PipelineReport(
        job_id=job_id,
        period=ReportPeriod(from_=period.start, to=period.end, generated_at=utcnow()),
        total_applications=len(apps),
        by_stage={stage: stage_counts.get(stage, 0) for stage in STAGES},
        by_status={status: status_counts.get(status, 0) for status in APPLICATION_STATUSES},
        conversion=conversions(apps),
        time_in_stage=[
            StageDuration(
                stage=stage, completed_stays=len(stays.get(stage, [])),
                median_hours=median(stays.get(stage, [])),
            )
            for stage in STAGES
            if stage != "hired"
        ],
        time_to_hire=TimeToHire(
            hires=len(hire_days), median_days=median(hire_days), mean_days=mean(hire_days)
        ),
        offers=offer_outcomes(apps),
    )
