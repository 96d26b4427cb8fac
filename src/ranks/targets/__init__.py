"""Targets assigned to units per year and metric, with their revisions."""
