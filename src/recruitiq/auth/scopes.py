from __future__ import annotations

AREAS = (
    "jobs",
    "candidates",
    "applications",
    "interviews",
    "offers",
    "reports",
    "webhooks",
    "messages",
)
ALL_SCOPES = tuple(f"{area}:{mode}" for area in AREAS for mode in ("read", "write"))
ROLES = ("admin", "recruiter", "hiring_manager")

# Hiring managers read everything and act on the interviews and applications they own.
HIRING_MANAGER_SCOPES = frozenset(
    [f"{area}:read" for area in AREAS] + ["interviews:write", "applications:write"]
)


def scopes_for_role(role: str) -> frozenset[str]:
    if role == "hiring_manager":
        return HIRING_MANAGER_SCOPES
    return frozenset(ALL_SCOPES)


def grants(granted: frozenset[str], needed: str) -> bool:
    """``<area>:write`` implies ``<area>:read``; nothing implies anything else."""
    if needed in granted:
        return True
    area, _, mode = needed.partition(":")
    return mode == "read" and f"{area}:write" in granted
