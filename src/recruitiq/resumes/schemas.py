


"""Resume answers: the candidate after an upload, the extracted text."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from recruitiq.kit.schema import CamelModel

BINARY = {"schema": {"type": "string", "format": "binary"}}
# What a download may be: the stored file's real type.
DOWNLOAD_TYPES = {
    "application/pdf": BINARY,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": BINARY,
    "text/plain": {"schema": {"type": "string"}},
}


class ResumeTextOut(CamelModel):
    success: Literal[True]
    text: str = Field(description="The text extracted at upload")
    characters: int
