"""Event catalog and transactional emission (the outbox)."""
