"""Composite ``(organization_id, created_at, id)`` indexes on the exportable tables.

Exports read a whole organization in keyset batches ordered by ``(created_at, id)``.
Without these, each batch sorts every remaining row of the organization (SQLite picks the
``organization_id`` index), which made a 100,000-row export quadratic; with them a batch is
an index range scan on both databases. List pagination walks the same key, newest first.
"""

from __future__ import annotations

from sqlalchemy import Index

from recruitiq.models.application import Application
from recruitiq.models.candidate import Candidate
from recruitiq.models.interview import Interview
from recruitiq.models.job import Job
from recruitiq.models.offer import Offer

KEYSET_INDEXES = [
    Index(f"ix_{model.__tablename__}_org_created_id", model.organization_id, model.created_at,
          model.id)
    for model in (Job, Candidate, Application, Interview, Offer)
]
