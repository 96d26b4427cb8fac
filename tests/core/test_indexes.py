"""No table keeps an index that another index of it begins with.

Such an index is written by every row an import or a service inserts (millions in a first load
of the country: docs/benchmarks.md) and read by nothing, since any lookup it serves is served by
the longer one. Django makes one for every foreign key unless told otherwise (`db_index=False`).
Read from the database itself, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

# Indexes in another order than the database's collation, which serve other queries.
OTHER_ORDER = {
    # People's names in code point order (`people.selectors`), beside the index in the
    # database's order that `Person.Meta.ordering` reads.
    "people_person_search_c",
}


def _our_tables() -> list[str]:
    """The tables of Ranks' own models (Django's tables for a many-to-many field are its own)."""
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model.__module__.startswith("ranks.")
        and not model._meta.auto_created
        and model._meta.managed
    )


def _redundant(table: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    keys = {
        name: tuple(c["columns"])
        for name, c in constraints.items()
        if (c["index"] or c["unique"] or c["primary_key"])
        and c["columns"]
        and None not in c["columns"]
        and c.get("type") != "gin"
        and name not in OTHER_ORDER
    }
    found = []
    for name, c in constraints.items():
        # A plain index: not the key, not unique, not an index for LIKE on PostgreSQL (`_like`:
        # another operator class), not partial (the introspection does not say; none is a prefix
        # here).
        if not c["index"] or c["unique"] or c["primary_key"] or name.endswith("_like"):
            continue
        columns = keys.get(name)
        if not columns:
            continue
        for other, longer in keys.items():
            if other != name and len(longer) > len(columns) and longer[: len(columns)] == columns:
                found.append((name, other))
                break
    return found


def test_no_index_is_the_beginning_of_another():
    found = {table: pairs for table in _our_tables() if (pairs := _redundant(table))}
    assert found == {}


def test_the_check_finds_an_index_another_begins_with():
    """The check itself: an index on the candidacy of stage events, as Django would make it,
    is found under the unique constraint on (candidacy, stage, date)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX stageevent_candidate_alone ON pipeline_stageevent (candidate_id)"
        )
    assert ("stageevent_candidate_alone", "stageevent_unique_stage_date") in _redundant(
        "pipeline_stageevent"
    )
