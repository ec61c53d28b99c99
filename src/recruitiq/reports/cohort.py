"""The narrow rows both reports read: one query per table, each over the same cohort.

The cohort is the organization's applications (optionally of one job) created in the
report's range. Every later table is joined to it rather than filtered with a list of ids,
so a large organization never builds a huge ``IN (...)``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from recruitiq.models import Application, Interview, Offer, StageChange
from recruitiq.reports.schemas import ReportRange


@dataclass
class StageEntry:
    stage: str
    at: datetime


@dataclass
class CohortApplication:
    id: str
    stage: str
    status: str
    assigned_to_id: str | None
    created_at: datetime
    hired_at: datetime | None
    rejected_at: datetime | None
    withdrawn_at: datetime | None
    history: list[StageEntry] = field(default_factory=list)
    interview_statuses: list[str] = field(default_factory=list)
    offers: list[tuple[str, datetime | None]] = field(default_factory=list)

    @property
    def left_pipeline_at(self) -> datetime | None:
        """When a rejection or withdrawal ended the stay in the current stage."""
        return self.rejected_at or self.withdrawn_at


def _conditions(organization_id: str, job_id: str | None, period: ReportRange) -> list[Any]:
    conditions: list[ColumnElement[bool]] = [Application.organization_id == organization_id]
    if job_id is not None:
        conditions.append(Application.job_id == job_id)
    if period.start is not None:
        conditions.append(Application.created_at >= period.start)
    if period.end is not None:
        conditions.append(Application.created_at < period.end)
    return conditions


def load_cohort(
    session: Session,
    organization_id: str,
    period: ReportRange,
    *,
    job_id: str | None = None,
    with_interviews: bool = False,
) -> list[CohortApplication]:
    where = _conditions(organization_id, job_id, period)
    apps = {
        row.id: CohortApplication(
            id=row.id, stage=row.stage, status=row.status, assigned_to_id=row.assigned_to_id,
            created_at=row.created_at, hired_at=row.hired_at, rejected_at=row.rejected_at,
            withdrawn_at=row.withdrawn_at,
        )
        for row in session.execute(
            select(
                Application.id, Application.stage, Application.status,
                Application.assigned_to_id, Application.created_at, Application.hired_at,
                Application.rejected_at, Application.withdrawn_at,
            ).where(*where)
        )
    }
    _attach_history(session, where, apps)
    for application_id, status, sent_at in session.execute(
        select(Offer.application_id, Offer.status, Offer.sent_at)
        .join(Application, Application.id == Offer.application_id)
        .where(*where, Offer.organization_id == organization_id)
    ):
        apps[application_id].offers.append((status, sent_at))
    if with_interviews:
        for application_id, status in session.execute(
            select(Interview.application_id, Interview.status)
            .join(Application, Application.id == Interview.application_id)
            .where(*where, Interview.organization_id == organization_id)
        ):
            apps[application_id].interview_statuses.append(status)
    return list(apps.values())


def _attach_history(
    session: Session, where: list[Any], apps: dict[str, CohortApplication]
) -> None:
    """Each application's stage timeline, starting with where it entered the pipeline.

    A change with no ``from_stage`` is the creation record; without one (rows imported
    before history was kept) the first stay starts at the application's ``created_at``.
    """
    changes: dict[str, list[tuple[str | None, str, datetime]]] = defaultdict(list)
    for application_id, from_stage, to_stage, changed_at in session.execute(
        select(
            StageChange.application_id, StageChange.from_stage, StageChange.to_stage,
            StageChange.changed_at,
        )
        .join(Application, Application.id == StageChange.application_id)
        .where(*where)
        .order_by(StageChange.application_id, StageChange.changed_at, StageChange.id)
    ):
        changes[application_id].append((from_stage, to_stage, changed_at))
    for app in apps.values():
        rows = changes.get(app.id, [])
        if not rows:
            app.history = [StageEntry(app.stage, app.created_at)]
            continue
        first_from = rows[0][0]
        if first_from is not None:
            app.history.append(StageEntry(first_from, app.created_at))
        app.history.extend(StageEntry(to_stage, at) for _, to_stage, at in rows)
