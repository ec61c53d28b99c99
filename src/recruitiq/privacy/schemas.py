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

