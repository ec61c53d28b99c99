"""The data of ``candidate.deleted`` after an erasure: the id, the fact, nothing personal.

Kept free of other imports so the candidates feature's event specs can declare it
(``candidate: CandidateOut | ErasedCandidateRef``) without an import cycle.
"""

from __future__ import annotations

from typing import Literal

from recruitiq.kit.schema import CamelModel


class ErasedCandidateRef(CamelModel):
    id: str
    erased: Literal[True] = True


class CandidateErasedData(CamelModel):
    candidate: ErasedCandidateRef


SAMPLE_ERASED = {"candidate": {"id": "cand_0193a1b2c3d4e5f6a7b8c9d0", "erased": True}}
