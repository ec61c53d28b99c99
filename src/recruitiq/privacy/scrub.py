"""Find and replace one person's data in free text and in stored JSON envelopes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from recruitiq.events.serialize import canonical_json

REDACTED = "[erased]"
ERASED_FIRST_NAME = "Erased"
ERASED_LAST_NAME = "candidate"
ERASED_NAME = f"{ERASED_FIRST_NAME} {ERASED_LAST_NAME}"
# Fields that describe the person when they sit in an object about the candidate (the
# candidate itself, or an application naming it by candidateId). A wider set than the
# webhooks' includePii=false stripping: erasure also takes the profile.
PERSONAL_FIELDS = frozenset({
    "name", "firstName", "lastName", "fullName", "email", "phone", "linkedinUrl",
    "resumeUrl", "location", "currentTitle", "currentCompany", "tags",
    "candidateName", "candidateEmail", "candidatePhone",
})
# Shorter terms would match inside ordinary words ("Al" in "Alpha").
MIN_TERM_LENGTH = 2


def erased_email(candidate_id: str) -> str:
    """Unique per candidate (the live-e-mail index stays satisfied) and says nothing."""
    return f"{candidate_id}@erased.invalid"


@dataclass(frozen=True)
class Person:
    """What identifies the erased candidate, and what to put in its place."""

    candidate_id: str
    terms: tuple[str, ...]
    placeholder_email: str

    @classmethod
    def of(cls, candidate_id: str, values: Iterable[str | None]) -> Person:
        terms = {v.strip() for v in values if v and len(v.strip()) >= MIN_TERM_LENGTH}
        # Longest first, so a full name is replaced whole before its parts.
        ordered = tuple(sorted(terms, key=len, reverse=True))
        return cls(candidate_id, ordered, erased_email(candidate_id))

    @property
    def pattern(self) -> re.Pattern[str]:
        alternatives = "|".join(re.escape(term) for term in self.terms)
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def scrub_text(self, text: str) -> str:
        return self.pattern.sub(REDACTED, text) if self.terms else text

    def mentioned_in(self, text: str | None) -> bool:
        return bool(text) and (
            self.candidate_id in str(text) or bool(self.terms and self.pattern.search(str(text)))
        )

    def _replacement(self, key: str) -> Any:
        if key in ("email", "candidateEmail"):
            return self.placeholder_email
        if key == "firstName":
            return ERASED_FIRST_NAME
        if key == "lastName":
            return ERASED_LAST_NAME
        if key in ("fullName", "candidateName", "name"):
            return ERASED_NAME
        if key == "tags":
            return []
        return None

    def _about_candidate(self, obj: dict[str, Any]) -> bool:
        return self.candidate_id in (obj.get("id"), obj.get("candidateId"))

    def scrub_json(self, value: Any) -> Any:
        if isinstance(value, dict):
            about = self._about_candidate(value)
            return {
                key: self._replacement(key)
                if about and key in PERSONAL_FIELDS
                else self.scrub_json(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.scrub_json(item) for item in value]
        if isinstance(value, str):
            return self.scrub_text(value)
        return value

    def scrub_document(self, text: str) -> str:
        """A stored JSON document (an envelope, a response) rewritten in its canonical
        form; anything that is not JSON (a truncated response) is scrubbed as text."""
        try:
            parsed = json.loads(text)
        except ValueError:
            return self.scrub_text(text)
        return canonical_json(self.scrub_json(parsed))
