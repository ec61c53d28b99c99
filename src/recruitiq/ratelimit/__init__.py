"""Per-organization API rate limits by plan, shared by every API process (ADR 0011)."""
