"""ORM models, one module per aggregate. Importing this package registers every table."""

from recruitiq.models.api_rate_limit import ApiRateLimit
from recruitiq.models.application import Application, ApplicationNote, StageChange
from recruitiq.models.audit import AuditEvent
from recruitiq.models.base import Base
from recruitiq.models.candidate import Candidate
from recruitiq.models.event import Event
from recruitiq.models.interview import Interview, InterviewFeedback
from recruitiq.models.job import Job
from recruitiq.models.keyset_indexes import KEYSET_INDEXES
from recruitiq.models.login_throttle import LoginThrottle
from recruitiq.models.message import Message
from recruitiq.models.offer import Offer
from recruitiq.models.organization import ApiKey, IdempotencyRecord, Organization, User
from recruitiq.models.webhook import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookRateCursor,
    WebhookSubscription,
)
from recruitiq.models.webhook_usage import WebhookUsage

__all__ = [
    "ApiKey",
    "ApiRateLimit",
    "Application",
    "ApplicationNote",
    "AuditEvent",
    "Base",
    "Candidate",
    "Event",
    "IdempotencyRecord",
    "Interview",
    "InterviewFeedback",
    "Job",
    "KEYSET_INDEXES",
    "LoginThrottle",
    "Message",
    "Offer",
    "Organization",
    "StageChange",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookRateCursor",
    "WebhookSubscription",
    "WebhookUsage",
]
