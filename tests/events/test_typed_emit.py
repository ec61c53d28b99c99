"""The event spec is the handle a service emits with: strict mypy refuses a string, a typo or
another event's data, so a wrong event cannot reach a subscriber."""

from __future__ import annotations

from pathlib import Path

from mypy import api

SNIPPET = '''
from sqlalchemy.orm import Session

from recruitiq.candidates.events import CandidateEventData
from recruitiq.events.emit import emit
from recruitiq.jobs.events import JOB_CREATED, JobEventData


def right(session: Session, data: JobEventData) -> None:
    emit(session, "org_1", JOB_CREATED, data)


def wrong_data(session: Session, data: CandidateEventData) -> None:
    emit(session, "org_1", JOB_CREATED, data)  # line 14


def a_string(session: Session, data: JobEventData) -> None:
    emit(session, "org_1", "job.created", data)  # line 18
'''


def test_mypy_refuses_the_wrong_data_and_a_string_for_the_event(tmp_path: Path) -> None:
    module = tmp_path / "emitting.py"
    module.write_text(SNIPPET)
    out, _err, status = api.run(["--strict", "--no-error-summary", str(module)])
    errors = sorted(int(line.split(":")[1]) for line in out.splitlines() if ": error:" in line)
    assert status == 1 and errors == [14, 18], out
