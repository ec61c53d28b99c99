"""A walk through the whole API that exercises every operation once, for the examples.

``record(client)`` drives a TestClient-like ``client`` (httpx interface) against a fresh
database and returns, for each operation ``"METHOD /path/{template}"``, the first successful
request body and response. ``python -m recruitiq.apidoc.record`` writes them to
``examples.json``, which ``apidoc.document`` merges into ``/openapi.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from recruitiq.kit.idempotency import is_secret

EXAMPLE_LIST_ITEMS = 2


@dataclass
class Recorder:
    client: Any
    templates: list[tuple[str, re.Pattern[str]]]
    token: str = ""
    examples: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _operation(self, method: str, url: str) -> str | None:
        path = url.split("?", 1)[0]
        for template, pattern in self.templates:
            if pattern.fullmatch(path):
                return f"{method} {template}"
        return None

    def call(self, method: str, url: str, body: Any = None, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {"Authorization": f"Bearer {self.token}"})
        response = self.client.request(method, url, json=body, headers=headers, **kwargs)
        assert response.status_code < 300, (
            f"{method} {url} → {response.status_code} {response.text}"
        )
        operation = self._operation(method, url)
        if operation and operation not in self.examples:
            content_type = response.headers.get("content-type", "")
            example: dict[str, Any] = {"status": response.status_code}
            if body is not None:
                example["request"] = _redact(body)
            if "files" in kwargs:
                example["requestText"] = "multipart/form-data with the file in the field `file`"
            if "params" in kwargs:
                example["query"] = kwargs["params"]
            if content_type.startswith("application/json"):
                example["response"] = _redact(response.json())
            elif response.status_code != 204:
                example["responseText"] = response.text[:800]
                example["contentType"] = content_type.split(";")[0]
            self.examples[operation] = example
        if response.status_code == 204 or not response.headers.get("content-type", "").startswith(
            "application/json"
        ):
            return None
        return response.json()


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            # Secrets (the idempotency layer's rule) are shown as placeholders.
            k: (_placeholder(v) if is_secret(k, v) else _redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        # Two items show the shape of a list; more only make the document longer.
        return [_redact(v) for v in value[:EXAMPLE_LIST_ITEMS]]
    return value


def _placeholder(value: str) -> str:
    prefix = next((p for p in ("riq_live_", "whsec_") if value.startswith(p)), "")
    return f"{prefix}…"


def _later(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat(timespec="seconds")


def templates_of(openapi: dict[str, Any]) -> list[tuple[str, re.Pattern[str]]]:
    found = []
    for template in openapi["paths"]:
        pattern = re.compile(re.sub(r"\\\{[a-zA-Z_]+\\\}", "[^/]+", re.escape(template)))
        found.append((template, pattern))
    # Literal segments win over parameters (/webhooks/event-types before /webhooks/{id}).
    return sorted(found, key=lambda item: item[0].count("{"))


# Nothing listens on the discard port: the examples never send traffic off this machine.
EXAMPLE_RECEIVER = "http://127.0.0.1:9/hooks/recruitiq"


def record(
    client: Any,
    openapi: dict[str, Any],
    resume_pdf: bytes,
    on_signed_up: Callable[[str], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """``on_signed_up(token)`` runs right after registration, before anything else happens."""
    r = Recorder(client, templates_of(openapi))
    c = r.call
    r.call("GET", "/healthz")
    reg = c(
        "POST",
        "/api/v1/auth/register",
        {
            "organizationName": "Acme Robotics",
            "name": "Ada Admin",
            "email": "ada@acme.example",
            "password": "correct horse battery staple",
        },
        headers={},
    )
    r.token = reg["accessToken"]
    if on_signed_up is not None:
        on_signed_up(r.token)
    c(
        "POST",
        "/api/v1/auth/login",
        {"email": "ada@acme.example", "password": "correct horse battery staple"},
        headers={},
    )
    c("GET", "/api/v1/auth/me")
    key = c(
        "POST",
        "/api/v1/api-keys",
        {
            "name": "ActivePieces Integration",
            "scopes": [
                "webhooks:read",
                "webhooks:write",
                "jobs:read",
                "applications:write",
                "candidates:read",
            ],
        },
    )["apiKey"]
    c("GET", "/api/v1/api-keys")
    manager = c(
        "POST",
        "/api/v1/users",
        {
            "name": "Hana Manager",
            "email": "hana@acme.example",
            "password": "a long hiring manager password",
            "role": "hiring_manager",
        },
    )["user"]
    c("GET", "/api/v1/users")
    c("GET", f"/api/v1/users/{manager['id']}")
    c("GET", "/api/v1/pipeline/stages")
    c("GET", "/api/v1/webhooks/event-types")
    hook = c(
        "POST",
        "/api/v1/webhooks",
        {
            "url": EXAMPLE_RECEIVER,
            "events": ["application.received", "job.published"],
            "description": "ActivePieces flow: AI screening",
        },
    )["webhook"]

    job = c(
        "POST",
        "/api/v1/jobs",
        {
            "title": "Senior Software Engineer",
            "department": "Engineering",
            "location": "Remote (EU)",
            "description": "Build our integration platform.",
            "employmentType": "full_time",
            "salaryRange": {"min": 120000, "max": 160000, "currency": "EUR"},
            "hiringManagerId": manager["id"],
        },
    )["job"]
    c("PATCH", f"/api/v1/jobs/{job['id']}", {"location": "Berlin or remote (EU)"})
    c("POST", f"/api/v1/jobs/{job['id']}/publish")
    c("GET", "/api/v1/jobs", params={"status": "open", "limit": 10})
    c("GET", f"/api/v1/jobs/{job['id']}")

    def person(first: str, last: str) -> Any:
        return c(
            "POST",
            "/api/v1/candidates",
            {
                "firstName": first,
                "lastName": last,
                "email": f"{first.lower()}.{last.lower()}@example.com",
                "phone": "+49 30 1234567",
                "currentTitle": "Backend Engineer",
                "source": "referral",
                "tags": ["python"],
            },
        )["candidate"]

    jose = person("José", "García")
    c("GET", "/api/v1/candidates", params={"q": "jose"})
    c("GET", f"/api/v1/candidates/{jose['id']}")
    c("PATCH", f"/api/v1/candidates/{jose['id']}", {"currentCompany": "Initech"})
    c("POST", f"/api/v1/candidates/{jose['id']}/tags", {"tags": ["senior", "remote"]})
    duplicate = c(
        "POST",
        "/api/v1/candidates",
        {
            "firstName": "Jose",
            "lastName": "Garcia",
            "email": "jgarcia@example.net",
        },
    )["candidate"]
    c("POST", f"/api/v1/candidates/{jose['id']}/merge", {"duplicateId": duplicate["id"]})
    c(
        "PUT",
        f"/api/v1/candidates/{jose['id']}/resume",
        files={"file": ("jose-garcia.pdf", resume_pdf, "application/pdf")},
    )
    c("GET", f"/api/v1/candidates/{jose['id']}/resume")
    c("GET", f"/api/v1/candidates/{jose['id']}/resume/text")

    application = c(
        "POST",
        "/api/v1/applications",
        {
            "jobId": job["id"],
            "candidateId": jose["id"],
            "source": "careers_page",
        },
    )["application"]
    c("GET", "/api/v1/applications", params={"jobId": job["id"], "stage": "new"})
    c("POST", f"/api/v1/applications/{application['id']}/review")
    c(
        "PATCH",
        f"/api/v1/applications/{application['id']}",
        {"score": 86, "assignedTo": reg["user"]["id"]},
    )
    c("PUT", f"/api/v1/applications/{application['id']}/stage", {"stage": "interview"})
    c("POST", f"/api/v1/applications/{application['id']}/notes", {"body": "Strong system design."})
    c("GET", f"/api/v1/applications/{application['id']}/notes")
    c("GET", f"/api/v1/applications/{application['id']}")

    interview = c(
        "POST",
        "/api/v1/interviews",
        {
            "applicationId": application["id"],
            "scheduledAt": _later(days=3),
            "durationMinutes": 60,
            "timezone": "Europe/Berlin",
            "interviewers": [manager["id"]],
            "meetingUrl": "https://meet.example.com/abc-defg-hij",
        },
    )["interview"]
    c("GET", "/api/v1/interviews", params={"applicationId": application["id"]})
    c("GET", f"/api/v1/interviews/{interview['id']}")
    c("PATCH", f"/api/v1/interviews/{interview['id']}", {"scheduledAt": _later(days=4)})
    c("POST", f"/api/v1/interviews/{interview['id']}/complete")
    c(
        "POST",
        f"/api/v1/interviews/{interview['id']}/feedback",
        {
            "rating": 5,
            "recommendation": "strong_yes",
            "notes": "Clear thinker, great collaborator.",
        },
    )
    c("GET", f"/api/v1/interviews/{interview['id']}/feedback")
    second = c(
        "POST",
        "/api/v1/interviews",
        {
            "applicationId": application["id"],
            "scheduledAt": _later(days=5),
            "durationMinutes": 30,
            "timezone": "UTC",
            "interviewers": ["cto@acme.example"],
        },
    )["interview"]
    c("POST", f"/api/v1/interviews/{second['id']}/cancel", {"reason": "Panel no longer needed"})

    offer_body = {
        "salary": 150000,
        "currency": "EUR",
        "startDate": _later(days=45)[:10],
        "expiresAt": _later(days=7),
    }
    offer = c("POST", "/api/v1/offers", {"applicationId": application["id"], **offer_body})["offer"]
    c("PATCH", f"/api/v1/offers/{offer['id']}", {"salary": 152000})
    c("GET", "/api/v1/offers", params={"status": "draft"})
    c("GET", f"/api/v1/offers/{offer['id']}")
    c("POST", f"/api/v1/offers/{offer['id']}/send")
    c("POST", f"/api/v1/offers/{offer['id']}/accept")
    c("POST", f"/api/v1/applications/{application['id']}/onboarding")

    def applicant(first: str) -> Any:
        return c(
            "POST",
            "/api/v1/applications",
            {
                "jobId": job["id"],
                "candidate": {
                    "firstName": first,
                    "lastName": "Example",
                    "email": f"{first.lower()}@example.org",
                },
            },
        )["application"]["id"]

    c(
        "POST",
        f"/api/v1/applications/{applicant('Mia')}/reject",
        {"reason": "Looking for more Go experience"},
    )
    c("POST", f"/api/v1/applications/{applicant('Noah')}/withdraw")
    c("POST", f"/api/v1/applications/{applicant('Lea')}/hire")
    declined = c("POST", "/api/v1/offers", {"applicationId": applicant("Ivo"), **offer_body})[
        "offer"
    ]
    c("POST", f"/api/v1/offers/{declined['id']}/send")
    c("POST", f"/api/v1/offers/{declined['id']}/decline", {"reason": "Accepted another offer"})
    withdrawn = c("POST", "/api/v1/offers", {"applicationId": applicant("Zoe"), **offer_body})[
        "offer"
    ]
    c("POST", f"/api/v1/offers/{withdrawn['id']}/withdraw")

    c("GET", "/api/v1/webhooks")
    c("GET", f"/api/v1/webhooks/{hook['id']}")
    c(
        "PUT",
        f"/api/v1/webhooks/{hook['id']}",
        {"events": ["application.received", "application.advanced"]},
    )
    deliveries = c("GET", f"/api/v1/webhooks/{hook['id']}/events", params={"limit": 5})["events"]
    c("GET", f"/api/v1/webhooks/{hook['id']}/events/{deliveries[0]['id']}")
    c("POST", f"/api/v1/webhooks/{hook['id']}/events/{deliveries[0]['id']}/redeliver")
    c("POST", f"/api/v1/webhooks/{hook['id']}/recover", {"since": _later(days=-1)})
    c("POST", f"/api/v1/webhooks/{hook['id']}/enable", {"recover": True})
    c("POST", f"/api/v1/webhooks/{hook['id']}/rotate-secret")
    c("POST", f"/api/v1/webhooks/{hook['id']}/test")
    events = c("GET", "/api/v1/events", params={"type": "application.received", "limit": 1})[
        "events"
    ]
    c("GET", f"/api/v1/events/{events[0]['id']}")
    c("GET", "/api/v1/usage")

    message = c(
        "POST",
        f"/api/v1/candidates/{jose['id']}/emails",
        {
            "subject": "Your interview at Acme Robotics",
            "text": "Hi José, thanks for your time!",
            "applicationId": application["id"],
        },
    )["message"]
    c("GET", "/api/v1/messages", params={"candidateId": jose["id"]})
    c("GET", f"/api/v1/messages/{message['id']}")

    c("GET", "/api/v1/reports/pipeline", params={"jobId": job["id"]})
    c("GET", "/api/v1/reports/recruiters")
    c("GET", "/api/v1/exports/applications", params={"format": "json", "jobId": job["id"]})
    c("GET", "/api/v1/audit-events", params={"limit": 3})

    spare = c("POST", "/api/v1/jobs", {"title": "Data Analyst", "department": "Finance"})["job"]
    c("PUT", f"/api/v1/jobs/{spare['id']}/status", {"status": "open"})
    c("POST", f"/api/v1/jobs/{spare['id']}/close")
    c("DELETE", f"/api/v1/jobs/{spare['id']}")
    c("DELETE", f"/api/v1/candidates/{jose['id']}/resume")
    c("DELETE", f"/api/v1/candidates/{person('Tom', 'Temp')['id']}")
    c("DELETE", f"/api/v1/webhooks/{hook['id']}")
    c("DELETE", f"/api/v1/api-keys/{key['id']}")
    return r.examples


def dumps(examples: dict[str, Any]) -> str:
    return json.dumps(dict(sorted(examples.items())), indent=1, ensure_ascii=False) + "\n"
