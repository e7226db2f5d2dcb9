"""Fuzzing: hostile-input builders, mutations, and the campaign runner (docs/reliability.md)."""
