"""What counts as a candidate's personal data in an event payload, declared once.

Subscriptions created with ``includePii: false`` receive envelopes with these fields
removed (the field is absent, not null, so receivers cannot mistake it for "no e-mail").
"""

from __future__ import annotations

from typing import Any

# Removed wherever they appear: they only ever describe a person.
PERSONAL_FIELDS = frozenset({
    "firstName",
    "lastName",
    "fullName",
    "email",
    "phone",
    "resumeUrl",
    "linkedinUrl",
    "candidateName",
    "candidateEmail",
    "candidatePhone",
})
# ``name`` is personal only inside a candidate object (a job or a stage has a name too).
CANDIDATE_ONLY_FIELDS = frozenset({"name"})


def _is_candidate_key(key: str) -> bool:
    return "candidate" in key.lower()


def _strip(value: Any, inside_candidate: bool) -> Any:
    if isinstance(value, dict):
        return {
            key: _strip(item, inside_candidate or _is_candidate_key(key))
            for key, item in value.items()
            if key not in PERSONAL_FIELDS
            and not (inside_candidate and key in CANDIDATE_ONLY_FIELDS)
        }
    if isinstance(value, list):
        return [_strip(item, inside_candidate) for item in value]
    return value


def strip_pii(envelope: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``envelope`` whose ``data`` carries no candidate personal data."""
    return {**envelope, "data": _strip(envelope.get("data", {}), False)}
