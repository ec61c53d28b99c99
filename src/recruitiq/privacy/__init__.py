"""Personal-data erasure (GDPR)."""
