from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import Field

from recruitiq.errors import ValidationFailed
from recruitiq.kit.envelopes import envelope
from recruitiq.kit.schema import CamelModel, Timestamp, UTCTimestamp


@dataclass(frozen=True)
class ReportRange:
    """Applications whose ``created_at`` falls in ``[start, end)``; either end may be open."""

    start: datetime | None
    end: datetime | None


def report_range(
    start: Annotated[
        Timestamp | None,
        Query(alias="from", description="Applications created at or after (ISO 8601 with offset)"),
    ] = None,
    end: Annotated[
        Timestamp | None,
        Query(alias="to", description="Applications created before (ISO 8601 with offset)"),
    ] = None,
) -> ReportRange:
    if start is not None and end is not None and start >= end:
        raise ValidationFailed("from must be earlier than to", field="from")
    return ReportRange(start, end)


class ReportPeriod(CamelModel):
    from_: UTCTimestamp | None = Field(alias="from")
    to: UTCTimestamp | None
    generated_at: UTCTimestamp


class Conversion(CamelModel):
    from_stage: str
    to_stage: str
    reached: int
    converted: int
    rate: float | None


class StageDuration(CamelModel):
    stage: str
    completed_stays: int
    median_hours: float | None


class TimeToHire(CamelModel):
    hires: int
    median_days: float | None
    mean_days: float | None


class OfferOutcomes(CamelModel):
    sent: int
    accepted: int
    declined: int
    expired: int
    acceptance_rate: float | None


class PipelineReport(CamelModel):
    job_id: str | None
    period: ReportPeriod
    total_applications: int
    by_stage: dict[str, int]
    by_status: dict[str, int]
    conversion: list[Conversion]
    time_in_stage: list[StageDuration]
    time_to_hire: TimeToHire
    offers: OfferOutcomes


class RecruiterRef(CamelModel):
    id: str | None
    name: str


class RecruiterRow(CamelModel):
    recruiter: RecruiterRef
    applications: int
    hires: int
    median_time_to_hire_days: float | None
    interviews_completed: int
    offers_sent: int
    interview_to_offer_ratio: float | None
    offers: OfferOutcomes


class RecruiterReport(CamelModel):
    period: ReportPeriod
    recruiters: list[RecruiterRow]


PipelineReportEnvelope = envelope("PipelineReportEnvelope", "report", PipelineReport)
RecruiterReportEnvelope = envelope("RecruiterReportEnvelope", "report", RecruiterReport)
