"""Units, staged: the checks of `handlers.units` and `org.services.unit_version_save` in SQL, for
a file of units none of which is stored yet (a first load: a province, the country, or the tree
below a stored unit). The rows may come in any order; a parent is a unit of the file or one
already stored.

A unit already stored goes to the ordinary path (`NotStaged`): there a row may update a
version, keep what a column the file lacks holds, or close it, row after row. So does a file
whose parent links could loop (the ordinary path names the rows of the loop).

The audit holds each version as the import created it, with its parent's code
(`ranks.org.unit.imported`, one entry per 5,000 rows of the file; each row of its table starts
with the unit's code).
"""

from __future__ import annotations

from ranks.core import bulk
from ranks.interchange.engine import Context
from ranks.interchange.staged import (
    NotStaged,
    Stage,
    all_created,
    any_row,
    audit_created,
    bool_value,
    check_cells,
    end,
    execute,
    insert_codes,
    json_texts,
    next_id,
    overlaps_one_before,
    refuse,
    sorted_list,
    start,
)
from ranks.org.models import Unit, UnitKind, UnitVersion

ROWS = "ranks_stage_units"
AUDIT_ROWS = 5_000


def stage_rows(stage: Stage) -> None:
    """One row a version, typed, with its kind; NotStaged for a unit already stored, an unknown
    kind or parent, an end before the start, two periods of one code that overlap, a unit its
    own parent, a parent that never exists during the period (`services.check_parent_during`),
    or parent links that loop."""
    parent = stage.col("parent_code")
    can_admit = stage.col("can_admit")
    execute(f"DROP TABLE IF EXISTS {ROWS}")
    execute(
        f"""
        CREATE TEMPORARY TABLE {ROWS} ON COMMIT DROP AS
        SELECT s.n, {stage.col("code")} AS code, {stage.col("name")} AS name, k.id AS kind_pk,
               {parent or "NULL::text"} AS parent_code,
               {stage.date("valid_from")} AS valid_from, {stage.date("valid_to")} AS valid_to,
               {bool_value(can_admit) if can_admit else "false"} AS can_admit,
               {sorted_list(stage.col("area_flags"))} AS flags,
               coalesce({stage.col("admin_code") or "NULL::text"}, '') AS admin_code,
               s.n / {AUDIT_ROWS} AS batch, {next_id(UnitVersion)} AS pk
        FROM {stage.table} s
        LEFT JOIN {UnitKind._meta.db_table} k ON k.key = {stage.col("kind")}
        """
    )
    execute(f"CREATE INDEX ON {ROWS} (code)")
    execute(f"ANALYZE {ROWS}")  # a temporary table has no statistics until asked
    units, versions = Unit._meta.db_table, UnitVersion._meta.db_table
    refuse(
        ROWS,
        [
            "kind_pk IS NULL",
            "valid_to < valid_from",
            "parent_code = code",
            f"EXISTS (SELECT 1 FROM {units} u WHERE u.code = r.code)",
            overlaps_one_before(),
        ],
        "a unit stored, an unknown kind, or periods that overlap",
    )
    # The parent, in the file or stored, exists at some time during the unit's period.
    overlap = f"{start('x')} <= {end('r')} AND {start('r')} <= {end('x')}"
    if any_row(
        f"""
        SELECT 1 FROM {ROWS} r WHERE r.parent_code IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM {ROWS} x WHERE x.code = r.parent_code AND {overlap})
          AND NOT EXISTS (SELECT 1 FROM {units} pu JOIN {versions} x ON x.unit_id = pu.id
                          WHERE pu.code = r.parent_code AND {overlap})
        """
    ):
        raise NotStaged("an unknown parent, or one that never exists during the period")
    # A stored unit's parents are stored: a loop can only run through rows of the file. As the
    # ordinary path puts a file's rows parent first whatever their dates, links that would loop
    # at different times (A under B until 1999, B under A from 2000) go to it as well.
    if any_row(
        f"""
        WITH RECURSIVE links AS (
            SELECT DISTINCT code, parent_code FROM {ROWS} WHERE parent_code IS NOT NULL
        ), up(origin, code) AS (
            SELECT code, parent_code FROM links
            UNION
            SELECT u.origin, l.parent_code FROM up u JOIN links l ON l.code = u.code
        )
        SELECT 1 FROM up WHERE code = origin
        """
    ):
        raise NotStaged("parent links that loop")


def write() -> None:
    with bulk.indexes_built_after(Unit, UnitVersion):
        _write()


def _write() -> None:
    units, codes = Unit._meta.db_table, insert_codes(Unit, ROWS)
    execute(f"ALTER TABLE {ROWS} ADD COLUMN unit_pk bigint, ADD COLUMN parent_pk bigint")
    execute(f"UPDATE {ROWS} r SET unit_pk = c.pk FROM {codes} c WHERE c.code = r.code")
    execute(f"ANALYZE {units}")  # filled just now, and read by code without its index
    execute(f"UPDATE {ROWS} r SET parent_pk = u.id FROM {units} u WHERE u.code = r.parent_code")
    execute(
        f"""
        INSERT INTO {UnitVersion._meta.db_table} (id, unit_id, name, kind_id, parent_id,
            valid_from, valid_to, can_admit, area_flags, admin_code, latitude, longitude)
        SELECT pk, unit_pk, name, kind_pk, parent_pk, valid_from, valid_to, can_admit,
               to_jsonb(flags), admin_code, NULL, NULL
        FROM {ROWS} ORDER BY n
        """
    )
    execute(f"CREATE INDEX ON {ROWS} (batch)")


COLUMNS = [
    ("unit", "r.code", "text"),
    ("id", "r.pk", "int"),
    ("unit_id", "r.unit_pk", "int"),
    ("name", "r.name", "text"),
    ("kind_id", "r.kind_pk", "int"),
    ("parent", "r.parent_code", "text"),
    ("parent_id", "r.parent_pk", "int"),
    ("valid_from", "r.valid_from", "date"),
    ("valid_to", "r.valid_to", "date"),
    ("can_admit", "r.can_admit", "bool"),
    ("area_flags", json_texts("r.flags"), "json"),
    ("admin_code", "r.admin_code", "text"),
    ("latitude", "NULL", "int"),
    ("longitude", "NULL", "int"),
]


def load(stage: Stage, ctx: Context) -> None:
    check_cells(stage, ctx.kind.columns)
    stage_rows(stage)
    write()
    audit_created(ctx, ROWS, "ranks.org.unit.imported", "unit", COLUMNS)
    all_created(ctx, ROWS)
