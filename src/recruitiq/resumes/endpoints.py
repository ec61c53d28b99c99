from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from recruitiq.auth.dependencies import require_scope
from recruitiq.auth.principal import Principal
from recruitiq.candidates.schemas import CandidateEnvelope
from recruitiq.candidates.service import candidate_data
from recruitiq.deps import DbSession, SettingsDep
from recruitiq.errors import PayloadTooLarge, ValidationFailed
from recruitiq.kit.routing import api_router
from recruitiq.resumes import service
from recruitiq.resumes.schemas import DOWNLOAD_TYPES, ResumeTextOut

router = api_router(prefix="/api/v1/candidates", tags=["resumes"])

Reader = Annotated[Principal, Depends(require_scope("candidates:read"))]
Writer = Annotated[Principal, Depends(require_scope("candidates:write"))]

# Room for the multipart boundaries and headers around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
CHUNK = 256 * 1024


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Resumes may be at most {limit} bytes")


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


@router.put("/{candidate_id}/resume", openapi_extra={"requestBody": {"content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"}}}}}, "required": True}},
            response_model=CandidateEnvelope)
async def upload_resume(
    candidate_id: str,
    request: Request,
    principal: Writer,
    session: DbSession,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Store the candidate's resume (multipart field `file`): PDF, DOCX or UTF-8 text,
    recognised from the bytes (the declared type and name are ignored); 415 otherwise,
    413 above `RECRUITIQ_RESUME_MAX_BYTES`. Replaces any previous resume and emits
    `candidate.updated`."""
    limit = settings.resume_max_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD:
        raise _too_large(limit)  # refused before a byte of the body is read
    async with request.form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ValidationFailed("Send the resume as the multipart field 'file'", field="file")
        data = await _read_limited(upload, limit)
        client_name = upload.filename
    if not data:
        raise ValidationFailed("The file is empty", field="file")
    candidate = await run_in_threadpool(
        service.upload_resume, session, settings.data_dir, principal.organization_id,
        candidate_id, client_name, data,
    )
    return {"success": True, "candidate": candidate_data(candidate)}


@router.get("/{candidate_id}/resume", response_class=FileResponse,
            responses={200: {"content": DOWNLOAD_TYPES}})
def download_resume(
    candidate_id: str, principal: Reader, session: DbSession, settings: SettingsDep
) -> FileResponse:
    """The stored file, with its real content type, as an attachment."""
    stored = service.stored_resume(
        session, settings.data_dir, principal.organization_id, candidate_id
    )
    return FileResponse(
        stored.path,
        media_type=stored.content_type,
        filename=stored.filename,
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )


@router.get("/{candidate_id}/resume/text", response_model=ResumeTextOut)
def resume_text(candidate_id: str, principal: Reader, session: DbSession) -> dict[str, Any]:
    """The text extracted from the resume at upload (for search, screening, AI steps)."""
    text = service.resume_text(session, principal.organization_id, candidate_id)
    return {"success": True, "text": text, "characters": len(text)}


@router.delete("/{candidate_id}/resume", status_code=204)
def delete_resume(
    candidate_id: str, principal: Writer, session: DbSession, settings: SettingsDep
) -> Response:
    """Remove the resume (file and text). Emits `candidate.updated`."""
    service.delete_resume(session, settings.data_dir, principal.organization_id, candidate_id)
    return Response(status_code=204)
