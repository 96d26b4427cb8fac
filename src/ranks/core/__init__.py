"""Shared kernel: audit, errors, the acting user, the clock."""
