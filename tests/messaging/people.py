"""Candidates for the messaging, resume and privacy tests, made through the public API."""

from __future__ import annotations

import uuid
from typing import Any

from tests.support import Tenant


def add_candidate(tenant: Tenant, first: str = "Ada", last: str = "Lovelace", **extra: Any) -> dict[str, Any]:
    email = extra.pop("email", f"{first}.{last}.{uuid.uuid4().hex[:6]}@example.com".lower())
    body = {"firstName": first, "lastName": last, "email": email, **extra}
    response = tenant.post("/api/v1/candidates", body)
    assert response.status_code == 201, response.text
    return response.json()["candidate"]  # type: ignore[no-any-return]
