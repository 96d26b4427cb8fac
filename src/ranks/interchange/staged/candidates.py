"""Candidates, staged: the checks of `handlers.pipeline.CandidatesHandler` and
`pipeline.services.candidate_save` in SQL, for a file of people none of whom is a candidate yet
(a first load of the source lists, as of a province or the country).

A person who already has a candidacy goes to the ordinary path (`NotStaged`): there a row may
update it, keep its mentors or source group when the file lacks the column, row after row.

The audit holds each candidacy as the import created it, with its cell's code and its mentors
(`ranks.pipeline.candidate.imported`, one entry per 5,000 rows of the file; each row of its
table starts with the person_id).
"""

from __future__ import annotations

from ranks.core import bulk
from ranks.counters.services import add_new_candidates, recounting
from ranks.interchange.engine import Context
from ranks.interchange.staged import (
    NotStaged,
    Stage,
    all_created,
    any_row,
    audit_created,
    check_cells,
    execute,
    json_texts,
    next_id,
    refuse,
    sorted_list,
)
from ranks.org.models import Unit, UnitKind, UnitVersion
from ranks.people.models import Membership, Person
from ranks.pipeline.models import Candidate

ROWS = "ranks_stage_candidates"
AUDIT_ROWS = 5_000
Mentors = Candidate.mentors.through


def stage_rows(stage: Stage, ctx: Context) -> None:
    """One row a candidacy, typed, with its person and cell; NotStaged for an unknown person or
    cell, a person twice or already a candidate, a date in the future or before the birth date,
    a cell that does not exist that day or is no cell (`people.services.cell_check`), or a mentor
    unknown or the candidate themself (`pipeline.services.mentors_check`)."""
    group = stage.col("source_group")
    people = Person._meta.db_table
    execute(f"DROP TABLE IF EXISTS {ROWS}")
    execute(
        f"""
        CREATE TEMPORARY TABLE {ROWS} ON COMMIT DROP AS
        SELECT s.n, {stage.col("person_id")} AS code, p.id AS person_pk, p.birth_date,
               {stage.col("cell_code")} AS cell_code, u.id AS cell_pk,
               {stage.date("added_on")} AS added_on,
               {f"coalesce({group}, '')" if group else "''"} AS source_group,
               {sorted_list(stage.col("mentor_person_ids"))} AS mentors,
               s.n / {AUDIT_ROWS} AS batch, {next_id(Candidate)} AS pk
        FROM {stage.table} s
        LEFT JOIN {people} p ON p.person_id = {stage.col("person_id")}
        LEFT JOIN {Unit._meta.db_table} u ON u.code = {stage.col("cell_code")}
        """
    )
    execute(f"ANALYZE {ROWS}")  # a temporary table has no statistics until asked
    versions, kinds = UnitVersion._meta.db_table, UnitKind._meta.db_table
    refuse(
        ROWS,
        [
            "person_pk IS NULL",
            "cell_pk IS NULL",
            "added_on > %(today)s",
            "added_on < birth_date",
            f"""NOT EXISTS (SELECT 1 FROM {versions} v JOIN {kinds} k ON k.id = v.kind_id
                WHERE v.unit_id = r.cell_pk AND k.holds_members
                  AND (v.valid_from IS NULL OR v.valid_from <= r.added_on)
                  AND (v.valid_to IS NULL OR v.valid_to >= r.added_on))""",
            f"EXISTS (SELECT 1 FROM {Candidate._meta.db_table} c WHERE c.person_id = r.person_pk)",
            "code = ANY(mentors)",
        ],
        "an unknown person or cell, a candidate already, or a date or cell the checks refuse",
        {"today": ctx.today},
    )
    execute(f"ALTER TABLE {ROWS} ADD PRIMARY KEY (person_pk)")  # a person twice stops here
    if any_row(
        f"""
        SELECT 1 FROM {ROWS} r CROSS JOIN LATERAL unnest(r.mentors) AS m(code)
        LEFT JOIN {people} p ON p.person_id = m.code WHERE p.id IS NULL
        """
    ):
        raise NotStaged("an unknown mentor")


def write() -> None:
    with bulk.indexes_built_after(Candidate, Mentors):
        execute(
            f"""
            INSERT INTO {Candidate._meta.db_table} (id, person_id, cell_id, added_on,
                source_group, note)
            SELECT pk, person_pk, cell_pk, added_on, source_group, '' FROM {ROWS} ORDER BY n
            """
        )
        execute(
            f"""
            INSERT INTO {Mentors._meta.db_table} (candidate_id, person_id)
            SELECT r.pk, p.id FROM {ROWS} r CROSS JOIN LATERAL unnest(r.mentors) AS m(code)
            JOIN {Person._meta.db_table} p ON p.person_id = m.code ORDER BY r.n, m.code
            """
        )
    execute(f"CREATE INDEX ON {ROWS} (batch)")


COLUMNS = [
    ("person", "r.code", "text"),
    ("id", "r.pk", "int"),
    ("person_id", "r.person_pk", "int"),
    ("cell_id", "r.cell_pk", "int"),
    ("cell_code", "r.cell_code", "text"),
    ("added_on", "r.added_on", "date"),
    ("source_group", "r.source_group", "text"),
    ("note", "''::text", "text"),
    ("mentors", json_texts("r.mentors"), "json"),
]


def load(stage: Stage, ctx: Context) -> None:
    check_cells(stage, ctx.kind.columns)
    stage_rows(stage, ctx)
    # A source group moves the composition of the admissions of the people who are members:
    # theirs are counted around the write, in the database.
    grouped = (
        f"SELECT DISTINCT m.id FROM {ROWS} r JOIN {Membership._meta.db_table} m"
        " ON m.person_id = r.person_pk WHERE r.source_group <> ''"
    )
    with recounting(grouped, [], presence=False):
        write()
    add_new_candidates(f"SELECT pk FROM {ROWS}", [])  # new candidacies: nothing to take away
    audit_created(ctx, ROWS, "ranks.pipeline.candidate.imported", "candidate", COLUMNS)
    all_created(ctx, ROWS)
