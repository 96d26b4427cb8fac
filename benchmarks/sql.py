"""The per-unit actual of `progress()` as one hand-written query, to compare with the Python rollup.

One statement, the same text on SQLite and PostgreSQL, with three CTEs under one WITH RECURSIVE:
`ever_sub`, the units ever below the root (the cells whose admissions count, as `progress()`
selects them); `adm`, each admission of the period in the cell it joined, then again for every
unit above that cell on the decision date (a walk up the effective-dated tree); `on_sub`, the
root and the units below it on the day asked for. Grouping `adm` by unit and keeping the units
of `on_sub` gives each unit's count.

`restated_by_unit` is the same count restated in the structure of a date S (issue 15), for the
cells in force on S: the subtree of S, each cell paired with every unit above it then, and the
admissions of the period in those cells (read first, by their decision date: planned from the
walk, PostgreSQL read every posting of every cell).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from ranks.org.sql import date_param

START = "COALESCE({a}.valid_from, '0001-01-01')"
END = "COALESCE({a}.valid_to, '9999-12-31')"


def _during(alias: str, day: str) -> str:
    return f"{START.format(a=alias)} <= {day} AND {END.format(a=alias)} >= {day}"


ACTUAL_BY_UNIT = f"""
WITH RECURSIVE
ever_sub(unit_id, vf, vt) AS (
    SELECT v.unit_id, {START.format(a="v")}, {END.format(a="v")}
    FROM org_unitversion v WHERE v.unit_id = %(root)s
    UNION
    SELECT c.unit_id,
           CASE WHEN {START.format(a="c")} > s.vf THEN {START.format(a="c")} ELSE s.vf END,
           CASE WHEN {END.format(a="c")} < s.vt THEN {END.format(a="c")} ELSE s.vt END
    FROM org_unitversion c JOIN ever_sub s ON c.parent_id = s.unit_id
    WHERE {START.format(a="c")} <= s.vt AND {END.format(a="c")} >= s.vf
),
adm(membership_id, unit_id, day) AS (
    SELECT m.id, p.cell_id, m.admission_decision_date
    FROM people_membership m JOIN people_posting p ON p.membership_id = m.id
    WHERE m.admission_decision_date >= %(start)s AND m.admission_decision_date <= %(end)s
      AND p.valid_from <= m.admission_decision_date
      AND (p.valid_to IS NULL OR p.valid_to >= m.admission_decision_date)
      AND p.cell_id IN (SELECT unit_id FROM ever_sub)
    UNION ALL
    SELECT a.membership_id, v.parent_id, a.day
    FROM adm a JOIN org_unitversion v ON v.unit_id = a.unit_id
    WHERE v.parent_id IS NOT NULL AND {_during("v", "a.day")}
),
on_sub(unit_id) AS (
    SELECT v.unit_id FROM org_unitversion v
    WHERE v.unit_id = %(root)s AND {_during("v", "%(on)s")}
    UNION
    SELECT c.unit_id FROM org_unitversion c JOIN on_sub s ON c.parent_id = s.unit_id
    WHERE {_during("c", "%(on)s")}
)
SELECT a.unit_id, COUNT(DISTINCT a.membership_id)
FROM adm a JOIN on_sub s ON s.unit_id = a.unit_id
GROUP BY a.unit_id
"""


def actual_by_unit(root_id: int, start: dt.date, on: dt.date) -> dict[int, int]:
    """Admissions decided from `start` to `on` counted for each unit of the root's subtree on
    `on` (units with none are left out): what `progress(...).rows[*].actual` says."""
    params = {
        "root": root_id,
        "start": date_param(start),
        "end": date_param(on),
        "on": date_param(on),
    }
    with connection.cursor() as cursor:
        cursor.execute(ACTUAL_BY_UNIT, params)
        return dict(cursor.fetchall())


RESTATED_BY_UNIT = f"""
WITH RECURSIVE
on_sub(unit_id) AS (
    SELECT v.unit_id FROM org_unitversion v
    WHERE v.unit_id = %(root)s AND {_during("v", "%(structure_on)s")}
    UNION
    SELECT c.unit_id FROM org_unitversion c JOIN on_sub s ON c.parent_id = s.unit_id
    WHERE {_during("c", "%(structure_on)s")}
),
up(cell_id, unit_id) AS (
    SELECT v.unit_id, v.unit_id FROM on_sub s JOIN org_unitversion v ON v.unit_id = s.unit_id
    JOIN org_unitkind k ON k.id = v.kind_id AND k.holds_members
    WHERE {_during("v", "%(structure_on)s")}
    UNION ALL
    SELECT up.cell_id, v.parent_id FROM up JOIN org_unitversion v ON v.unit_id = up.unit_id
    WHERE v.parent_id IS NOT NULL AND {_during("v", "%(structure_on)s")}
),
adm(membership_id, cell_id) AS MATERIALIZED (
    SELECT m.id, p.cell_id
    FROM people_membership m JOIN people_posting p ON p.membership_id = m.id
    WHERE m.admission_decision_date >= %(start)s AND m.admission_decision_date <= %(end)s
      AND p.valid_from <= m.admission_decision_date
      AND (p.valid_to IS NULL OR p.valid_to >= m.admission_decision_date)
)
SELECT up.unit_id, COUNT(DISTINCT a.membership_id)
FROM adm a JOIN up ON up.cell_id = a.cell_id JOIN on_sub s ON s.unit_id = up.unit_id
GROUP BY up.unit_id
"""


def restated_by_unit(
    root_id: int, start: dt.date, on: dt.date, structure_on: dt.date
) -> dict[int, int]:
    """Admissions decided from `start` to `on` in the cells in force on `structure_on` below the
    root then, counted for each unit above the cell in the tree of `structure_on`: the restated
    actual of `progress(structure_on=)` for the cells that stand for themselves on that date
    (cells closed before it or opened after it, which the rule places through a successor or a
    parent, are left out: a floor of the restated count)."""
    params = {
        "root": root_id,
        "start": date_param(start),
        "end": date_param(on),
        "structure_on": date_param(structure_on),
    }
    with connection.cursor() as cursor:
        cursor.execute(RESTATED_BY_UNIT, params)
        return dict(cursor.fetchall())
