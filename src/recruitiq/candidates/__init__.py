"""Candidates: people, their tags, search, merging duplicates and their e-mail history."""
