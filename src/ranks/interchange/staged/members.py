"""Members, staged: the checks of `handlers.members` and `people.services` in SQL, for a file
that admits people who have no membership yet (a first load, as of a province or the country).

What the staged path leaves to the ordinary one (`NotStaged`): a person who already has a
membership stored (a second import, a correction), a person with two admissions in the file,
rows of one membership that disagree on its fields, and two rows for the same posting. Those
are the cases where the ordinary path updates what an earlier row wrote, row after row.

The audit holds, for each person, the membership and its postings as the import leaves them
(`ranks.people.membership.imported`, one entry per 5,000 rows of the file).
"""

from __future__ import annotations

from ranks.core import bulk
from ranks.core.audit import audit_record_sql
from ranks.counters import services as counters
from ranks.counters.models import AdmissionCount, CompositionCount
from ranks.interchange.engine import Context
from ranks.interchange.staged import (
    NotStaged,
    Stage,
    any_row,
    check_cells,
    execute,
    fetch,
    json_table,
    next_id,
)
from ranks.org.models import Unit, UnitKind, UnitVersion
from ranks.people.models import Membership, Person, Posting

ROWS = "ranks_stage_members"
MEMBERSHIPS = "ranks_stage_memberships"
POSTINGS = "ranks_stage_postings"
AUDIT_ROWS = 5_000


def stage_rows(stage: Stage, ctx: Context) -> None:
    """One row a posting, typed, with the person and the cell it names; NotStaged for anything
    the checks of `membership_row_check`, `cell_check` and the access to codes would refuse, or
    that the staged path leaves to the ordinary one."""
    number = stage.col("admission_decision_no")
    reason = stage.col("left_reason")
    admitted = stage.date("admission_decision_date")
    execute(f"DROP TABLE IF EXISTS {ROWS}")
    execute(
        f"""
        CREATE TEMPORARY TABLE {ROWS} ON COMMIT DROP AS
        SELECT s.n, {stage.col("person_id")} AS person_id, {stage.col("cell_code")} AS cell_code,
               p.id AS person_pk, u.id AS cell_pk, {admitted} AS admitted,
               {f"coalesce({number}, '')" if number else "''"} AS decision_no,
               {stage.date("ceremony_date")} AS ceremony,
               {stage.date("official_date")} AS official,
               {stage.date("left_date")} AS left_date,
               {f"coalesce({reason}, '')" if reason else "''"} AS left_reason,
               coalesce({stage.date("cell_from")}, {admitted}) AS cell_from
        FROM {stage.table} s
        LEFT JOIN {Person._meta.db_table} p ON p.person_id = {stage.col("person_id")}
        LEFT JOIN {Unit._meta.db_table} u ON u.code = {stage.col("cell_code")}
        """
    )
    today = ctx.today
    versions, kinds = UnitVersion._meta.db_table, UnitKind._meta.db_table
    covering = f"""
        FROM {versions} v JOIN {kinds} k ON k.id = v.kind_id
        WHERE v.unit_id = r.cell_pk
          AND (v.valid_from IS NULL OR v.valid_from <= r.cell_from)
          AND (v.valid_to IS NULL OR v.valid_to >= r.cell_from)
    """
    refused = [
        "r.person_pk IS NULL",
        "r.cell_pk IS NULL",
        "r.admitted > %(today)s",
        "r.ceremony < r.admitted",
        "r.official < coalesce(r.ceremony, r.admitted)",
        "r.left_date < r.admitted",
        "r.left_date > %(today)s",
        "(r.left_date IS NOT NULL AND r.left_reason = '')",
        "r.cell_from < r.admitted",
        "r.cell_from > r.left_date",
        f"NOT EXISTS (SELECT 1 {covering} AND k.holds_members)",
        f"EXISTS (SELECT 1 {covering} AND NOT k.holds_members)",
        f"EXISTS (SELECT 1 FROM {Membership._meta.db_table} m WHERE m.person_id = r.person_pk)",
    ]
    where = " OR ".join(f"coalesce({o}, false)" for o in refused)
    if any_row(f"SELECT 1 FROM {ROWS} r WHERE {where}", {"today": today}):
        raise NotStaged("a row the checks refuse, or a person with a membership stored")
    # Two rows for one posting (the file's key, person_id and cell_from, included).
    execute(f"ALTER TABLE {ROWS} ADD PRIMARY KEY (person_pk, cell_from)")
    nullable = ("ceremony", "official", "left_date")
    disagree = ["count(DISTINCT admitted) > 1", "count(DISTINCT decision_no) > 1"]
    disagree += ["count(DISTINCT left_reason) > 1"]
    disagree += [f"count(DISTINCT {f}) > 1 OR count({f}) NOT IN (0, count(*))" for f in nullable]
    if any_row(f"SELECT 1 FROM {ROWS} GROUP BY person_pk HAVING {' OR '.join(disagree)}"):
        raise NotStaged("two admissions of a person, or rows of a membership that disagree")


def write() -> None:
    """The memberships (one a person), then their postings, each ending the day before the next
    starts and the last when the member left (`people.services.posting_ends`)."""
    with bulk.indexes_built_after(Membership, Posting):
        _write()


def _write() -> None:
    execute(f"DROP TABLE IF EXISTS {MEMBERSHIPS}")
    execute(
        f"""
        CREATE TEMPORARY TABLE {MEMBERSHIPS} ON COMMIT DROP AS
        SELECT person_pk, min(person_id) AS person_id, min(admitted) AS admitted,
               min(decision_no) AS decision_no, min(ceremony) AS ceremony,
               min(official) AS official, min(left_date) AS left_date,
               min(left_reason) AS left_reason, min(n) AS n, min(n) / {AUDIT_ROWS} AS batch,
               {next_id(Membership)} AS pk
        FROM {ROWS} GROUP BY person_pk ORDER BY min(n)
        """
    )
    execute(f"ALTER TABLE {MEMBERSHIPS} ADD PRIMARY KEY (person_pk)")
    execute(f"DROP TABLE IF EXISTS {POSTINGS}")
    execute(
        f"""
        CREATE TEMPORARY TABLE {POSTINGS} ON COMMIT DROP AS
        SELECT q.*, {next_id(Posting)} AS pk FROM (
            SELECT r.n, r.person_id AS person_code, r.person_pk, r.cell_pk, r.cell_code, r.cell_from, m.pk AS membership_pk,
                   m.batch, CASE WHEN lead(r.cell_from) OVER w IS NULL THEN r.left_date
                                 ELSE lead(r.cell_from) OVER w - 1 END AS valid_to
            FROM {ROWS} r JOIN {MEMBERSHIPS} m ON m.person_pk = r.person_pk
            WINDOW w AS (PARTITION BY r.person_pk ORDER BY r.cell_from)
        ) q ORDER BY n
        """
    )
    execute(
        f"""
        INSERT INTO {Membership._meta.db_table} (id, person_id, admission_decision_date,
            admission_decision_no, ceremony_date, official_date, left_date, left_reason)
        SELECT pk, person_pk, admitted, decision_no, ceremony, official, left_date, left_reason
        FROM {MEMBERSHIPS} ORDER BY n
        """
    )
    execute(
        f"""
        INSERT INTO {Posting._meta.db_table} (id, membership_id, person_id, cell_id, valid_from,
            valid_to)
        SELECT pk, membership_pk, person_pk, cell_pk, cell_from, valid_to FROM {POSTINGS}
        ORDER BY n
        """
    )
    execute(f"CREATE INDEX ON {POSTINGS} (batch)")
    execute(f"CREATE INDEX ON {MEMBERSHIPS} (batch)")


MEMBERSHIP_COLUMNS = [
    ("person", "m.person_id", "text"),
    ("id", "m.pk", "int"),
    ("person_id", "m.person_pk", "int"),
    ("admission_decision_date", "m.admitted", "date"),
    ("admission_decision_no", "m.decision_no", "text"),
    ("ceremony_date", "m.ceremony", "date"),
    ("official_date", "m.official", "date"),
    ("left_date", "m.left_date", "date"),
    ("left_reason", "m.left_reason", "text"),
]
POSTING_COLUMNS = [
    ("person", "r.person_code", "text"),
    ("id", "r.pk", "int"),
    ("membership_id", "r.membership_pk", "int"),
    ("person_id", "r.person_pk", "int"),
    ("cell", "r.cell_code", "text"),
    ("cell_id", "r.cell_pk", "int"),
    ("valid_from", "r.cell_from", "date"),
    ("valid_to", "r.valid_to", "date"),
]


def audit(ctx: Context) -> None:
    """One entry per 5,000 rows of the file: the memberships and postings it created, as tables
    (each row names its person by person_id first)."""
    for batch, first, last in fetch(
        f"""
        SELECT batch, min(person_id COLLATE "C"), max(person_id COLLATE "C")
        FROM {MEMBERSHIPS} GROUP BY batch ORDER BY batch
        """
    ):
        memberships = json_table(
            MEMBERSHIP_COLUMNS, f"FROM {MEMBERSHIPS} m WHERE m.batch = {int(batch)}", "m.n"
        )
        postings = json_table(
            POSTING_COLUMNS, f"FROM {POSTINGS} r WHERE r.batch = {int(batch)}", "r.n"
        )
        audit_record_sql(
            ctx.actor,
            "ranks.people.membership.imported",
            object_type="person",
            object_id=f"{first}…{last}"[:120],
            before_sql="SELECT NULL::text",
            after_sql=(
                f"""SELECT '{{"memberships":' || ({memberships}) || ',"postings":' """
                f"""|| ({postings}) || '}}'"""
            ),
        )


def load(stage: Stage, ctx: Context) -> None:
    check_cells(stage, ctx.kind.columns)
    stage_rows(stage, ctx)
    # The members' places gain members: their coverage, before and after, in the database.
    places = (
        "SELECT DISTINCT pp.place_id FROM people_personplace pp"
        f" WHERE pp.person_id IN (SELECT person_pk FROM {ROWS})"
    )
    with counters.recounting_places(places, [], members_only=True):
        write()
    # Counted in the database; planned on the rows just written, not on empty tables.
    execute(f"ANALYZE {Membership._meta.db_table}, {Posting._meta.db_table}, {MEMBERSHIPS}")
    with bulk.indexes_built_after(AdmissionCount, CompositionCount):
        counters.add_new(f"SELECT pk FROM {MEMBERSHIPS}", [])
    # Planned on what was counted: the first dashboards after a load read these.
    execute(f"ANALYZE {AdmissionCount._meta.db_table}, {CompositionCount._meta.db_table}")
    audit(ctx)
    counts = f"SELECT (SELECT count(*) FROM {ROWS}), count(*) FROM {MEMBERSHIPS}"
    rows, memberships = fetch(counts)[0]
    ctx.result.rows = rows
    # A membership's first row in the file creates it; each later row adds a posting.
    ctx.result.created = memberships
    ctx.result.updated = rows - memberships
    ctx.result.unchanged = 0
