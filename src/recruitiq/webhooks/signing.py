"""Signatures on every delivery attempt: the brief's scheme and Standard Webhooks.

Both sign the exact stored bytes. ``X-Webhook-Signature`` is the brief's scheme (hex
HMAC-SHA256 keyed by the whole secret string, ``whsec_`` prefix included), signed with the
current secret only, because a receiver of that scheme compares one string. The Standard
Webhooks ``webhook-signature`` binds the event id and a timestamp (so a captured request
cannot be replayed later) and, during a secret rotation, carries one space-separated
signature per valid secret so receivers can switch secrets at their own pace.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache

from standardwebhooks import Webhook

USER_AGENT = "RecruitIQ-Webhooks/1.0"


@lru_cache(maxsize=4096)
def _standard_signer(secret: str) -> Webhook:
    # Decoding the whsec_ secret is the costly part of signing; secrets rarely change.
    return Webhook(secret)


def brief_signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.digest(secret.encode(), body, "sha256").hex()


def standard_signature(body: bytes, event_id: str, timestamp: int, secrets: Sequence[str]) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC)
    text = body.decode()
    return " ".join(_standard_signer(s).sign(event_id, moment, text) for s in secrets)


def signed_headers(
    body: bytes,
    *,
    event_id: str,
    event_type: str,
    secret: str,
    previous_secret: str | None = None,
    timestamp: int,
) -> dict[str, str]:
    """Every header of one attempt. ``previous_secret`` is passed only while it is valid."""
    secrets = [secret] if not previous_secret else [secret, previous_secret]
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Webhook-Event-Type": event_type,
        "X-Webhook-Event-Id": event_id,
        "X-Webhook-Signature": brief_signature(body, secret),
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_signature(body, event_id, timestamp, secrets),
    }
