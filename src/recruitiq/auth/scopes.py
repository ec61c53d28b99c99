"""What a caller may do is a set of scopes; a role is the set its users hold.

One rule covers users and keys: a user holds their role's scopes, and an API key holds the
scopes it was given that its creator still holds (``capped``), so a key never exceeds the
user who made it, neither when it is made nor later, when that user is demoted or
deactivated. Admin-only powers are scopes only the admin role holds (``audit:read``).
"""

from __future__ import annotations

from collections.abc import Iterable

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
# The audit log shows what every colleague did: only admins read it.
ADMIN_ONLY_SCOPES = ("audit:read",)
ALL_SCOPES = (
    *(f"{area}:{mode}" for area in AREAS for mode in ("read", "write")),
    *ADMIN_ONLY_SCOPES,
)
ROLES = ("admin", "recruiter", "hiring_manager")

ADMIN_SCOPES = frozenset(ALL_SCOPES)
RECRUITER_SCOPES = ADMIN_SCOPES - frozenset(ADMIN_ONLY_SCOPES)
# Hiring managers read everything and act on the interviews and applications they own.
HIRING_MANAGER_SCOPES = frozenset(
    [f"{area}:read" for area in AREAS] + ["interviews:write", "applications:write"]
)
_ROLE_SCOPES = {
    "admin": ADMIN_SCOPES,
    "recruiter": RECRUITER_SCOPES,
    "hiring_manager": HIRING_MANAGER_SCOPES,
}


def scopes_for_role(role: str | None) -> frozenset[str]:
    """An unknown role holds nothing."""
    return _ROLE_SCOPES.get(role or "", frozenset())


def grants(granted: frozenset[str], needed: str) -> bool:
    """``<area>:write`` implies ``<area>:read``; nothing implies anything else."""
    if needed in granted:
        return True
    area, _, mode = needed.partition(":")
    return mode == "read" and f"{area}:write" in granted


def not_held(wanted: Iterable[str], holder: frozenset[str]) -> list[str]:
    """The scopes of ``wanted`` that ``holder`` does not grant, sorted."""
    return sorted({scope for scope in wanted if not grants(holder, scope)})


def capped(scopes: Iterable[str], holder: frozenset[str]) -> frozenset[str]:
    """What ``scopes`` still grant when their holder may grant only ``holder``: a write
    the holder lost keeps the read the holder kept."""
    kept: set[str] = set()
    for scope in scopes:
        area, _, mode = scope.partition(":")
        if grants(holder, scope):
            kept.add(scope)
        elif mode == "write" and grants(holder, f"{area}:read"):
            kept.add(f"{area}:read")
    return frozenset(kept)
