"""Deciding what a record is: the dedup state (SQLite and Redis backends), near-duplicates, revisions."""
