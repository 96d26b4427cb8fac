"""One handler per kind: how rows of that kind are checked against the database and written."""

from __future__ import annotations

from importlib import import_module

HANDLERS = {
    "units": "ranks.interchange.handlers.units:UnitsHandler",
    "places": "ranks.interchange.handlers.places:PlacesHandler",
    "people": "ranks.interchange.handlers.people:PeopleHandler",
    "members": "ranks.interchange.handlers.members:MembersHandler",
    "candidates": "ranks.interchange.handlers.pipeline:CandidatesHandler",
    "events": "ranks.interchange.handlers.pipeline:EventsHandler",
    "targets": "ranks.interchange.handlers.targets:TargetsHandler",
    "secondments": "ranks.interchange.handlers.secondments:SecondmentsHandler",
}


def handler_for(kind: str):
    module, name = HANDLERS[kind].split(":")
    return getattr(import_module(module), name)
