"""What a resume file really is, decided by its bytes alone, and the text inside it.

The client's content type and file name are never trusted: a renamed executable must
not be served back as a PDF.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from recruitiq.errors import UnsupportedMediaType

# A DOCX whose main part inflates beyond this is refused rather than parsed (zip bombs).
MAX_DOCX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_TEXT_CHARACTERS = 1_000_000


@dataclass(frozen=True)
class ResumeFormat:
    name: str
    content_type: str
    extension: str


PDF = ResumeFormat("pdf", "application/pdf", "pdf")
DOCX = ResumeFormat(
    "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"
)
TXT = ResumeFormat("txt", "text/plain; charset=utf-8", "txt")
FORMATS = {f.name: f for f in (PDF, DOCX, TXT)}

REFUSED = "Resumes must be PDF, DOCX or UTF-8 text; this file is none of those"


def _docx_document_size(data: bytes) -> int | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.getinfo("word/document.xml").file_size
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff(data: bytes) -> ResumeFormat:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        size = _docx_document_size(data)
        if size is None:
            raise UnsupportedMediaType(REFUSED)
        if size > MAX_DOCX_DOCUMENT_BYTES:
            raise UnsupportedMediaType("This DOCX expands to more than we accept")
        return DOCX
    if _is_text(data):
        return TXT
    raise UnsupportedMediaType(REFUSED)


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join((page.extract_text() or "") for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnsupportedMediaType("This PDF could not be read") from exc


def _docx_text(data: bytes) -> str:
    from docx import Document

    try:
        document = Document(io.BytesIO(data))
    except (ValueError, KeyError, zipfile.BadZipFile, OSError) as exc:
        raise UnsupportedMediaType("This DOCX could not be read") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def extract_text(fmt: ResumeFormat, data: bytes) -> str:
    if fmt is PDF:
        text = _pdf_text(data)
    elif fmt is DOCX:
        text = _docx_text(data)
    else:
        text = data.decode("utf-8").removeprefix("\ufeff")
    # PostgreSQL text cannot hold NUL, which some PDFs' text layers contain.
    return text.replace("\x00", "").strip()[:MAX_TEXT_CHARACTERS]
