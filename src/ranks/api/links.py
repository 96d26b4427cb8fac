"""OpenAPI links between the API's operations: where a value in one answer is a parameter of
another (a unit's code in a list opens the unit). A client follows them; schemathesis' stateful
test walks them. drf-spectacular has no place for links, so a post-processing hook adds them to
the generated schema, by operation id."""

from __future__ import annotations

from typing import Any

# operation id → status → link name → (target operation id, {parameter: runtime expression}).
LINKS: dict[str, dict[str, dict[str, tuple[str, dict[str, str]]]]] = {}

_FIRST_UNIT = {"code": "$response.body#/results/0/code"}
# What a unit's code opens.
_UNIT = {
    "unit": ("units_retrieve", _FIRST_UNIT),
    "subtree": ("units_subtree", _FIRST_UNIT),
    "history": ("units_history", _FIRST_UNIT),
    "places": ("places_list", {"unit": "$response.body#/results/0/code"}),
    "candidates": ("units_candidates", _FIRST_UNIT),
    "due": ("units_due", _FIRST_UNIT),
    "members": ("units_members", _FIRST_UNIT),
    "transfers": ("units_transfers", _FIRST_UNIT),
    "leavings": ("units_leavings", _FIRST_UNIT),
    "targets": ("targets_list", _FIRST_UNIT),
    "progress": ("figures_progress", _FIRST_UNIT),
    "ratio": ("figures_ratio", _FIRST_UNIT),
    "coverage": ("figures_coverage", _FIRST_UNIT),
    "cells": ("figures_cells", _FIRST_UNIT),
}
_PERSON = {"person_id": "$response.body#/person_id"}
_EVENT = {"person_id": "$response.body#/person_id", "event_id": "$response.body#/id"}
_JOB = {"job_id": "$response.body#/id"}
LINKS.update(
    {
        "units_list": {"200": _UNIT},
        "units_subtree": {"200": _UNIT},
        "places_list": {
            "200": {"place": ("places_retrieve", {"place": "$response.body#/results/0/code"})}
        },
        "people_search": {
            "200": {
                "person": ("people_retrieve", {"person_id": "$response.body#/results/0/person_id"}),
                "memberships": (
                    "people_memberships",
                    {"person_id": "$response.body#/results/0/person_id"},
                ),
            }
        },
        "candidates_create": {
            "201": {
                "candidate": ("candidates_retrieve", _PERSON),
                "eligibility": ("candidates_eligibility", _PERSON),
                "record": ("candidates_events_create", _PERSON),
            }
        },
        "candidates_events_create": {
            status: {
                "candidate": ("candidates_retrieve", _PERSON),
                "correct": ("candidates_events_correct", _EVENT),
            }
            for status in ("200", "201")
        },
        "imports_create": {
            "201": {
                "job": ("imports_retrieve", _JOB),
                "confirm": ("imports_confirm", _JOB),
                "report": ("imports_report", _JOB),
            }
        },
    }
)


def _operations(result: dict[str, Any]):
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            if isinstance(operation, dict) and "operationId" in operation:
                yield operation


def add_links(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """The post-processing hook: each link whose source and target operations both exist."""
    known = {operation["operationId"] for operation in _operations(result)}
    for operation in _operations(result):
        for status, links in LINKS.get(operation["operationId"], {}).items():
            response = operation.get("responses", {}).get(status)
            if response is None:
                continue
            for name, (target, parameters) in sorted(links.items()):
                if target in known:
                    response.setdefault("links", {})[name] = {
                        "operationId": target,
                        "parameters": parameters,
                    }
    return result
