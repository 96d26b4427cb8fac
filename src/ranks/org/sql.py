"""Recursive SQL over the effective-dated tree, the same text on SQLite and PostgreSQL.

Each function returns (sql, params) for a sub-select, so callers can use it inside `__in`
lookups (one query, whatever the depth of the tree) or run it on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection

V = "org_unitversion"
OPEN_START = "'0001-01-01'"
OPEN_END = "'9999-12-31'"


def date_param(day: dt.date):
    # SQLite keeps dates as ISO text; pass text so comparisons are the same as Django's own.
    return day.isoformat() if connection.vendor == "sqlite" else day


def _start(alias: str) -> str:
    return f"COALESCE({alias}.valid_from, {OPEN_START})"


def _end(alias: str) -> str:
    return f"COALESCE({alias}.valid_to, {OPEN_END})"


def versions_of(unit: str, alias: str = "v", vendor: str | None = None) -> str:
    """A join of the versions (as `alias`) of the unit `unit` names, for each row of a walk up
    the tree, looked up by the index on the unit. As a plain join, PostgreSQL hashes every
    version of the country once a statement, however few rows walk up (scale-dependent: about
    0.2 s at 425,000 versions); a lateral sub-select with OFFSET 0 stays a lookup a row."""
    if (vendor or connection.vendor) == "postgresql":
        return (
            f"CROSS JOIN LATERAL (SELECT * FROM {V} {alias}0"
            f" WHERE {alias}0.unit_id = {unit} OFFSET 0) {alias}"
        )
    return f"JOIN {V} {alias} ON {alias}.unit_id = {unit}"


def _placeholders(ids: Sequence[int]) -> str:
    return ", ".join(["%s"] * len(ids)) if ids else "NULL"


def subtree_on_cte(root_ids: Sequence[int], day: dt.date) -> tuple[str, list]:
    """A `WITH RECURSIVE on_sub(unit_id)` clause: the roots and all below them on `day`."""
    d = date_param(day)
    sql = (
        f"WITH RECURSIVE on_sub(unit_id) AS ("
        f" SELECT v.unit_id FROM {V} v WHERE v.unit_id IN ({_placeholders(root_ids)})"
        f" AND {_start('v')} <= %s AND {_end('v')} >= %s"
        f" UNION SELECT c.unit_id FROM {V} c JOIN on_sub s ON c.parent_id = s.unit_id"
        f" WHERE {_start('c')} <= %s AND {_end('c')} >= %s)"
    )
    return sql, [*root_ids, d, d, d, d]


def first(select_sql: str) -> str:
    """The rows of a sub-select for `x IN (…)`, in a form PostgreSQL computes once, first, and
    plans for as a few rows; the same text elsewhere.

    PostgreSQL cannot estimate a recursive CTE: it guesses a few hundred units, and a subtree's
    rows as that many times the average rows of a unit, so for a commune it scanned the whole
    of `people_posting` (or `pipeline_candidate`, or `people_person` for a search in a scope).
    Wrapped as `SELECT unnest(ARRAY(…))`, the sub-select runs once before the query (an
    InitPlan) and the planner counts on about ten rows, so it reads the table through the index
    of the column compared: a cost that grows with the subtree, not with the country. For a
    very large subtree the index is still read row by row (fine for a province; the country's
    figures come from counters, DESIGN.md §10)."""
    if connection.vendor != "postgresql":
        return select_sql
    return f"SELECT unnest(ARRAY({select_sql}))"


def subtree_on_ids(root_ids: Sequence[int], day: dt.date) -> tuple[str, list]:
    cte, params = subtree_on_cte(root_ids, day)
    return first(f"{cte} SELECT unit_id FROM on_sub"), params


def subtree_ever_cte(root_ids: Sequence[int]) -> tuple[str, list]:
    """A `WITH RECURSIVE ever_sub(unit_id, vf, vt)` clause: every unit that was ever below a
    root, with each period during which it was (the overlap of its version with its parent's)."""

    def later(a: str, b: str) -> str:
        return f"CASE WHEN {a} > {b} THEN {a} ELSE {b} END"

    def earlier(a: str, b: str) -> str:
        return f"CASE WHEN {a} < {b} THEN {a} ELSE {b} END"

    sql = (
        f"WITH RECURSIVE ever_sub(unit_id, vf, vt) AS ("
        f" SELECT v.unit_id, {_start('v')}, {_end('v')} FROM {V} v"
        f" WHERE v.unit_id IN ({_placeholders(root_ids)})"
        f" UNION SELECT c.unit_id, {later(_start('c'), 's.vf')}, {earlier(_end('c'), 's.vt')}"
        f" FROM {V} c JOIN ever_sub s ON c.parent_id = s.unit_id"
        f" WHERE {_start('c')} <= s.vt AND {_end('c')} >= s.vf)"
    )
    return sql, list(root_ids)


def below_during(unit_id: int, start: dt.date, end: dt.date) -> tuple[str, list]:
    """Units below `unit_id` at some date between `start` and `end`: one query, for the loop check
    (a unit cannot hang below a unit that is below it on the same date)."""

    def later(a: str, b: str) -> str:
        return f"CASE WHEN {a} > {b} THEN {a} ELSE {b} END"

    def earlier(a: str, b: str) -> str:
        return f"CASE WHEN {a} < {b} THEN {a} ELSE {b} END"

    sql = (
        f"WITH RECURSIVE below(unit_id, vf, vt) AS ("
        f" SELECT c.unit_id, {later(_start('c'), '%s')}, {earlier(_end('c'), '%s')} FROM {V} c"
        f" WHERE c.parent_id = %s AND {_start('c')} <= %s AND {_end('c')} >= %s"
        f" UNION SELECT c.unit_id, {later(_start('c'), 'b.vf')}, {earlier(_end('c'), 'b.vt')}"
        f" FROM {V} c JOIN below b ON c.parent_id = b.unit_id"
        f" WHERE {_start('c')} <= b.vt AND {_end('c')} >= b.vf)"
        f" SELECT DISTINCT unit_id FROM below"
    )
    s, e = date_param(start), date_param(end)
    return sql, [s, s, e, e, unit_id, e, s]


def subtree_ever_ids(root_ids: Sequence[int]) -> tuple[str, list]:
    cte, params = subtree_ever_cte(root_ids)
    return first(f"{cte} SELECT unit_id FROM ever_sub"), params


def covered_among(
    unit_ids: Sequence[int] | tuple[str, list], root_ids: Sequence[int]
) -> tuple[str, list]:
    """Which of `unit_ids` (or of the ids a sub-select gives, as (sql, params)) are roots or were
    ever below one (the same periods as `subtree_ever_cte`: a chain of versions whose periods all
    overlap), found by walking up from each unit: a cost that grows with the depth of the tree,
    not with the roots' subtrees (a province's grant, asked about one unit, does not list the
    province's units)."""

    def later(a: str, b: str) -> str:
        return f"CASE WHEN {a} > {b} THEN {a} ELSE {b} END"

    def earlier(a: str, b: str) -> str:
        return f"CASE WHEN {a} < {b} THEN {a} ELSE {b} END"

    if isinstance(unit_ids, tuple) and len(unit_ids) == 2 and isinstance(unit_ids[0], str):
        start, start_params = unit_ids
    else:
        start, start_params = _placeholders(list(unit_ids)), list(unit_ids)
    sql = (
        f"WITH RECURSIVE up(start, unit_id, parent_id, vf, vt) AS ("
        f" SELECT v.unit_id, v.unit_id, v.parent_id, {_start('v')}, {_end('v')} FROM {V} v"
        f" WHERE v.unit_id IN ({start})"
        f" UNION SELECT u.start, p.unit_id, p.parent_id, {later(_start('p'), 'u.vf')},"
        f" {earlier(_end('p'), 'u.vt')} FROM up u {versions_of('u.parent_id', 'p')}"
        f" WHERE {_start('p')} <= u.vt AND {_end('p')} >= u.vf)"
        f" SELECT DISTINCT start FROM up WHERE unit_id IN ({_placeholders(root_ids)})"
    )
    return sql, [*start_params, *root_ids]


def ancestries_on(unit_ids: Sequence[int], day: dt.date) -> tuple[str, list]:
    """(start, unit_id, depth) of each unit `start` and every unit above it on `day`, depth 0
    being `start` itself: the ancestries of many units in one walk."""
    d = date_param(day)
    sql = (
        f"WITH RECURSIVE up(start, unit_id, parent_id, depth) AS ("
        f" SELECT v.unit_id, v.unit_id, v.parent_id, 0 FROM {V} v"
        f" WHERE v.unit_id IN ({_placeholders(unit_ids)})"
        f" AND {_start('v')} <= %s AND {_end('v')} >= %s"
        f" UNION ALL SELECT u.start, p.unit_id, p.parent_id, u.depth + 1"
        f" FROM up u {versions_of('u.parent_id', 'p')}"
        f" WHERE {_start('p')} <= %s AND {_end('p')} >= %s AND u.depth < 64)"
        f" SELECT start, unit_id, depth FROM up"
    )
    return sql, [*unit_ids, d, d, d, d]


def ancestors_on(unit_id: int, day: dt.date) -> tuple[str, list]:
    """(unit_id, depth) of the unit and every unit above it on `day`, depth 0 being the unit."""
    d = date_param(day)
    sql = (
        f"WITH RECURSIVE up(unit_id, parent_id, depth) AS ("
        f" SELECT v.unit_id, v.parent_id, 0 FROM {V} v WHERE v.unit_id = %s"
        f" AND {_start('v')} <= %s AND {_end('v')} >= %s"
        f" UNION SELECT p.unit_id, p.parent_id, u.depth + 1 FROM up u {versions_of('u.parent_id', 'p')}"
        f" WHERE {_start('p')} <= %s AND {_end('p')} >= %s AND u.depth < 64)"
        f" SELECT unit_id, depth FROM up"
    )
    return sql, [unit_id, d, d, d, d]
