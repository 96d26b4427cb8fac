"""One handler per kind: how rows of that kind are checked against the database and written.

`HANDLERS` are the set-based handlers every import uses: a batch of rows is checked with a few
queries and written with bulk statements. `ROW_HANDLERS` write one row at a time through the
services; they are the reference the set-based ones are tested against (same database, same
exports, same audit), and `ranks import --row-by-row` still offers them.
"""

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


ROW_HANDLERS = {
    **HANDLERS,
    "units": "ranks.interchange.handlers.units:UnitsRowHandler",
    "places": "ranks.interchange.handlers.places:PlacesRowHandler",
    "members": "ranks.interchange.handlers.members:MembersRowHandler",
    "candidates": "ranks.interchange.handlers.pipeline:CandidatesRowHandler",
    "events": "ranks.interchange.handlers.pipeline:EventsRowHandler",
    "targets": "ranks.interchange.handlers.targets:TargetsRowHandler",
    "secondments": "ranks.interchange.handlers.secondments:SecondmentsRowHandler",
}


def handler_for(kind: str, *, row_by_row: bool = False):
    module, name = (ROW_HANDLERS if row_by_row else HANDLERS)[kind].split(":")
    return getattr(import_module(module), name)
