"""Small shared helpers: schema base, ids, clock, pagination, column types."""
