"""Resume upload, download and removal. Changing a resume is a candidate update: it emits
``candidate.updated`` with the candidate snapshot (``resumeUrl``) and the previous value."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from recruitiq.candidates.events import CANDIDATE_UPDATED, CandidateUpdatedData
from recruitiq.candidates.schemas import candidate_out, resume_url
from recruitiq.candidates.service import get_candidate
from recruitiq.db import after_commit
from recruitiq.errors import NotFound
from recruitiq.events.emit import emit
from recruitiq.models import Candidate
from recruitiq.resumes import formats, storage

MAX_NAME_CHARACTERS = 100


@dataclass(frozen=True)
class StoredResume:
    path: Path
    filename: str
    content_type: str


def display_name(client_name: str | None, fmt: formats.ResumeFormat) -> str:
    """The client's base name, stripped of anything unsafe in a header, with the
    extension of what the file really is."""
    base = (client_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = unicodedata.normalize("NFC", stem)
    stem = "".join(c for c in stem if unicodedata.category(c)[0] not in "CZ" or c == " ")
    stem = stem.replace('"', "").strip(" .")[:MAX_NAME_CHARACTERS] or "resume"
    return f"{stem}.{fmt.extension}"


def _emit_updated(session: Session, candidate: Candidate, previous_url: str | None) -> None:
    # The URL may be unchanged (a replaced file); `previous` still names it, because what
    # it points at changed.
    data = CandidateUpdatedData(
        candidate=candidate_out(candidate), previous={"resumeUrl": previous_url}
    )
    emit(session, candidate.organization_id, CANDIDATE_UPDATED, data)


def _remove_after_commit(session: Session, data_dir: Path, relative_path: str | None) -> None:
    if relative_path:
        after_commit(session, lambda: storage.remove(data_dir, relative_path))


def upload_resume(
    session: Session,
    data_dir: Path,
    organization_id: str,
    candidate_id: str,
    client_name: str | None,
    data: bytes,
) -> Candidate:
    candidate = get_candidate(session, organization_id, candidate_id)
    fmt = formats.sniff(data)
    text = formats.extract_text(fmt, data)
    previous_path, previous_url = candidate.resume_path, resume_url(candidate)
    candidate.resume_path = storage.write(data_dir, organization_id, candidate.id,
                                          fmt.extension, data)
    candidate.resume_filename = display_name(client_name, fmt)
    candidate.resume_content_type = fmt.content_type
    candidate.resume_size = len(data)
    candidate.resume_text = text
    session.flush()
    _remove_after_commit(session, data_dir, previous_path)
    _emit_updated(session, candidate, previous_url)
    return candidate


def _with_resume(session: Session, organization_id: str, candidate_id: str) -> Candidate:
    candidate = get_candidate(session, organization_id, candidate_id)
    if candidate.resume_path is None:
        raise NotFound("Resume", candidate_id)
    return candidate


def stored_resume(
    session: Session, data_dir: Path, organization_id: str, candidate_id: str
) -> StoredResume:
    candidate = _with_resume(session, organization_id, candidate_id)
    assert candidate.resume_path is not None
    path = storage.absolute(data_dir, candidate.resume_path)
    if not path.is_file():
        raise NotFound("Resume file", candidate_id)
    return StoredResume(
        path,
        candidate.resume_filename or "resume",
        candidate.resume_content_type or "application/octet-stream",
    )


def resume_text(session: Session, organization_id: str, candidate_id: str) -> str:
    return _with_resume(session, organization_id, candidate_id).resume_text or ""


def clear_resume_columns(candidate: Candidate) -> None:
    candidate.resume_path = None
    candidate.resume_filename = None
    candidate.resume_content_type = None
    candidate.resume_size = None
    candidate.resume_text = None


def delete_resume(
    session: Session, data_dir: Path, organization_id: str, candidate_id: str
) -> Candidate:
    candidate = _with_resume(session, organization_id, candidate_id)
    previous_path, previous_url = candidate.resume_path, resume_url(candidate)
    clear_resume_columns(candidate)
    session.flush()
    _remove_after_commit(session, data_dir, previous_path)
    _emit_updated(session, candidate, previous_url)
    return candidate
