from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from recruitiq.kit.envelopes import envelope, page_envelope
from recruitiq.kit.schema import CamelInput, CamelModel, Patch, UTCTimestamp

EmploymentType = Literal["full_time", "part_time", "contract", "intern"]
JobStatus = Literal["draft", "open", "closed"]


class SalaryRange(CamelInput):
    min: int | None = Field(default=None, ge=0, examples=[120000])
    max: int | None = Field(default=None, ge=0, examples=[160000])
    currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$", examples=["USD"], description="ISO 4217 code"
    )

    @model_validator(mode="after")
    def _ordered(self) -> SalaryRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("salaryRange.min must not exceed salaryRange.max")
        return self


class JobCreate(CamelInput):
    title: str = Field(min_length=1, max_length=200, examples=["Senior Software Engineer"])
    department: str | None = Field(default=None, max_length=200, examples=["Engineering"])
    location: str | None = Field(default=None, max_length=200, examples=["Remote (EU)"])
    description: str | None = Field(default=None, max_length=50_000)
    employment_type: EmploymentType = "full_time"
    salary_range: SalaryRange | None = None
    hiring_manager_id: str | None = None


class JobUpdate(CamelInput):
    title: Patch[str] = Field(default=None, min_length=1, max_length=200)
    department: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=50_000)
    employment_type: Patch[EmploymentType] = None
    salary_range: SalaryRange | None = None
    hiring_manager_id: str | None = None


class JobStatusIn(CamelInput):
    status: JobStatus


class SalaryRangeOut(CamelModel):
    min: int | None
    max: int | None
    currency: str | None


class JobOut(CamelModel):
    id: str
    organization_id: str
    title: str
    department: str | None
    location: str | None
    description: str | None
    employment_type: str
    salary_range: SalaryRangeOut
    hiring_manager_id: str | None
    status: str
    published_at: UTCTimestamp | None
    closed_at: UTCTimestamp | None
    created_at: UTCTimestamp
    updated_at: UTCTimestamp


JobEnvelope = envelope("JobEnvelope", "job", JobOut)
JobPage = page_envelope("JobPage", "jobs", JobOut)
