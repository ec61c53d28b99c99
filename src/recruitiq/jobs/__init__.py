"""Job postings: draft → open → closed, soft delete."""
