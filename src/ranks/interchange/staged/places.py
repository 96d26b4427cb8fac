"""Places, staged: the checks of `handlers.places` and `org.services.place_version_save` in SQL,
for a file of places none of which is stored yet (a first load, as of a province or the country).

A place already stored goes to the ordinary path (`NotStaged`): there a row may update a version,
keep the cells of one when the file has no `cell_codes` column, or close it, row after row.

The audit holds each version as the import created it, with the codes of the cells based there
(`ranks.org.place.imported`, one entry per 5,000 rows of the file; each row of its table starts
with the place's code).
"""

from __future__ import annotations

from ranks.core import bulk
from ranks.counters import services as counters
from ranks.counters.services import moving
from ranks.interchange.engine import Context
from ranks.interchange.staged import (
    NotStaged,
    Stage,
    all_created,
    any_row,
    audit_created,
    check_cells,
    end,
    execute,
    fetch,
    insert_codes,
    json_texts,
    next_id,
    overlaps_one_before,
    refuse,
    sorted_list,
    start,
)
from ranks.org.models import Place, PlaceVersion, Unit, UnitVersion
from ranks.people.models import Posting

ROWS = "ranks_stage_places"
AUDIT_ROWS = 5_000
Cells = PlaceVersion.cells.through


def stage_rows(stage: Stage) -> None:
    """One row a version, typed, with its unit; NotStaged for a place already stored, an
    unknown unit or cell, an end before the start, two periods of one code that overlap, or a
    cell that never exists while the place does (`services.check_cell_during`)."""
    execute(f"DROP TABLE IF EXISTS {ROWS}")
    execute(
        f"""
        CREATE TEMPORARY TABLE {ROWS} ON COMMIT DROP AS
        SELECT s.n, {stage.col("code")} AS code, {stage.col("name")} AS name,
               {stage.col("kind")} AS kind, u.id AS unit_pk,
               {stage.date("valid_from")} AS valid_from, {stage.date("valid_to")} AS valid_to,
               {sorted_list(stage.col("cell_codes"))} AS cells,
               {sorted_list(stage.col("area_flags"))} AS flags,
               s.n / {AUDIT_ROWS} AS batch, {next_id(PlaceVersion)} AS pk
        FROM {stage.table} s
        LEFT JOIN {Unit._meta.db_table} u ON u.code = {stage.col("unit_code")}
        """
    )
    execute(f"ANALYZE {ROWS}")  # a temporary table has no statistics until asked
    refuse(
        ROWS,
        [
            "unit_pk IS NULL",
            "valid_to < valid_from",
            f"EXISTS (SELECT 1 FROM {Place._meta.db_table} p WHERE p.code = r.code)",
            overlaps_one_before(),
        ],
        "a place stored, an unknown unit, or periods that overlap",
    )
    units, versions = Unit._meta.db_table, UnitVersion._meta.db_table
    if any_row(
        f"""
        SELECT 1 FROM {ROWS} r CROSS JOIN LATERAL unnest(r.cells) AS c(code)
        LEFT JOIN {units} u ON u.code = c.code
        WHERE u.id IS NULL OR NOT EXISTS (
            SELECT 1 FROM {versions} v WHERE v.unit_id = u.id
              AND {start("v")} <= {end("r")} AND {start("r")} <= {end("v")})
        """
    ):
        raise NotStaged("an unknown cell, or one that never exists while the place does")


def write() -> None:
    with bulk.indexes_built_after(Place, PlaceVersion, Cells):
        _write()


def _write() -> None:
    codes = insert_codes(Place, ROWS)
    execute(f"ALTER TABLE {ROWS} ADD COLUMN place_pk bigint")
    execute(f"UPDATE {ROWS} r SET place_pk = c.pk FROM {codes} c WHERE c.code = r.code")
    execute(
        f"""
        INSERT INTO {PlaceVersion._meta.db_table} (id, place_id, name, kind, unit_id,
            area_flags, valid_from, valid_to)
        SELECT pk, place_pk, name, kind, unit_pk, to_jsonb(flags), valid_from, valid_to
        FROM {ROWS} ORDER BY n
        """
    )
    execute(
        f"""
        INSERT INTO {Cells._meta.db_table} (placeversion_id, unit_id)
        SELECT r.pk, u.id FROM {ROWS} r CROSS JOIN LATERAL unnest(r.cells) AS c(code)
        JOIN {Unit._meta.db_table} u ON u.code = c.code ORDER BY r.n, c.code
        """
    )
    execute(f"CREATE INDEX ON {ROWS} (batch)")


COLUMNS = [
    ("place", "r.code", "text"),
    ("id", "r.pk", "int"),
    ("place_id", "r.place_pk", "int"),
    ("name", "r.name", "text"),
    ("kind", "r.kind", "text"),
    ("unit_id", "r.unit_pk", "int"),
    ("area_flags", json_texts("r.flags"), "json"),
    ("valid_from", "r.valid_from", "date"),
    ("valid_to", "r.valid_to", "date"),
    ("cells", json_texts("r.cells"), "json"),
]


def load(stage: Stage, ctx: Context) -> None:
    check_cells(stage, ctx.kind.columns)
    stage_rows(stage)
    # Cells already holding members: linked to a village now, their admissions count there.
    held = fetch(
        f"""
        SELECT DISTINCT u.id FROM {ROWS} r CROSS JOIN LATERAL unnest(r.cells) AS c(code)
        JOIN {Unit._meta.db_table} u ON u.code = c.code
        WHERE EXISTS (SELECT 1 FROM {Posting._meta.db_table} p WHERE p.cell_id = u.id)
        """
    )
    with moving(cells=[pk for (pk,) in held]):
        write()
    # New places: what they add to coverage is all they count.
    counters.add_new_places(f"SELECT DISTINCT place_pk FROM {ROWS}", [])
    audit_created(ctx, ROWS, "ranks.org.place.imported", "place", COLUMNS)
    all_created(ctx, ROWS)
