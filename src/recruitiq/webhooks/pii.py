"""What counts as a candidate's personal data in an event payload, declared once.

Subscriptions created with ``includePii: false`` receive envelopes with these fields
removed (absent, not null, so a receiver cannot mistake it for "no e-mail"). The flag is
about candidates: the organization's own staff (an interview panel's names and e-mails)
stay, because the automations that schedule interviews need them.
"""

from __future__ import annotations

from typing import Any

# Application snapshots name their candidate with these, wherever they appear.
CANDIDATE_REFERENCE_FIELDS = frozenset({
    "candidateName",
    "candidateEmail",
    "candidatePhone",
    "resumeUrl",
})
# Inside a candidate's own data: a candidate object, or any candidate.* event's data (whose
# `previous` values and merged `duplicate` describe the same person).
CANDIDATE_FIELDS = frozenset({
    "name",
    "firstName",
    "lastName",
    "fullName",
    "email",
    "phone",
    "resumeUrl",
    "linkedinUrl",
})


def _is_candidate_key(key: str) -> bool:
    return "candidate" in key.lower()


def _removed(key: str, in_candidate: bool) -> bool:
    return key in CANDIDATE_REFERENCE_FIELDS or (in_candidate and key in CANDIDATE_FIELDS)


def _strip(value: Any, in_candidate: bool) -> Any:
    if isinstance(value, dict):
        return {
            key: _strip(item, in_candidate or _is_candidate_key(key))
            for key, item in value.items()
            if not _removed(key, in_candidate)
        }
    if isinstance(value, list):
        return [_strip(item, in_candidate) for item in value]
    return value


def strip_pii(envelope: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``envelope`` whose ``data`` carries no candidate personal data."""
    about_candidate = str(envelope.get("type", "")).startswith("candidate.")
    return {**envelope, "data": _strip(envelope.get("data", {}), about_candidate)}
