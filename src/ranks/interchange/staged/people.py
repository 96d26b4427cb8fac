"""People, staged: the checks of `handlers.people` and `people.services.person_check` in SQL.

For a user whose scope is the whole tree (no visibility checks). A person's snapshot in the
audit holds the same values as the ordinary path's (`core.audit.snapshot` without `search_name`),
and `search_name` is `people.names.fold` of the name, done by `unaccent` for the letters it folds
as `fold` does (`name_pattern`); a name with any other character goes to the ordinary path.
"""

from __future__ import annotations

from django.db import connection

from ranks.core import bulk, crypto
from ranks.core.audit import audit_record_sql
from ranks.core.clock import today
from ranks.counters.services import recounting, recounting_places
from ranks.interchange.engine import Context
from ranks.interchange.handlers.people import BLANK_AS_EMPTY
from ranks.interchange.staged import (
    NotStaged,
    Stage,
    any_row,
    bool_value,
    check_cells,
    execute,
    fetch,
    json_table,
    next_id,
)
from ranks.org.models import Place
from ranks.people.models import (
    DATED_FIELDS,
    Membership,
    Person,
    PersonAttributes,
    PersonPlace,
    PlaceRole,
)
from ranks.people.names import fold
from ranks.people.services import PERSON_FIELDS

NEW = "ranks_stage_people"
NATIONAL_IDS = "ranks_stage_national_ids"  # each row's national ID as it is stored: encrypted
PLACE = Place._meta.db_table
AUDIT_ROWS = 5_000  # changed rows held by one audit entry

PLACES = {
    "residence_place_code": "residence_place_id",
    "workplace_place_code": "workplace_place_id",
}
# The person's values as a snapshot names them, in the order of its sorted keys (without `id`).
VALUES = tuple(sorted([*PERSON_FIELDS, *PLACES.values()]))


def name_pattern() -> str:
    """A regular expression for the names whose `fold` is `lower(unaccent(name))` with single
    spaces: printable ASCII and the letters that `unaccent` folds here exactly as `fold` does
    (asked of the database, so another rules file cannot fold a name differently)."""
    candidates = []
    for point in range(0xC0, 0x2000):
        folded = fold(chr(point))
        if len(folded) == 1 and folded.isascii() and folded.isalpha():
            candidates.append(chr(point))
    rows = fetch("SELECT c, lower(unaccent(c)) FROM unnest(%s::text[]) AS c", [candidates])
    letters = "".join(char for char, folded in rows if folded == fold(char))
    return f"^[ -~{letters}]*$"


SEARCH_NAME = "regexp_replace(btrim(lower(unaccent(full_name))), ' +', ' ', 'g')"


def check(stage: Stage, ctx: Context) -> None:
    """Raise NotStaged unless every cell is one the ordinary path takes as it is, and every name
    one that `unaccent` folds as `fold` does. What needs the typed values (dates that exist,
    places that exist, a person_id twice) is `stage_new`'s."""
    name = f"{stage.col('full_name')} !~ %s"
    check_cells(stage, ctx.kind.columns, [name], [name_pattern()])


def _new_value(stage: Stage, field: str) -> str:
    """The SQL of a field's value after the import: the file's, else the person's, else blank."""
    keep = f"p.{field}"
    if field in PLACES.values():
        column = next(c for c, f in PLACES.items() if f == field)
        if not stage.has(column):
            return keep
        alias = "rp" if field == "residence_place_id" else "wp"
        return f"{alias}.id"
    cell = stage.col(field)
    if field == "national_id" and cell is not None:
        return "coalesce(e.value, '')"  # encrypted in Python by `seal_national_ids`
    if cell is None:
        default = "false" if field == "youth_union" else "''"
        return f"coalesce({keep}, {default})"
    if field == "birth_date":
        return f"{cell}::date"
    if field == "youth_union":
        return bool_value(cell)
    if field in BLANK_AS_EMPTY:
        return f"coalesce({cell}, '')"
    return cell


def seal_national_ids(stage: Stage) -> None:
    """The file's national IDs as they are stored (core.crypto: `INDEX:TOKEN` under the data
    key), encrypted here in Python, into a table of (row number, value): no plain national ID is
    written to the people's table or the audit. The plain cells stay only in the staging table,
    which is temporary and dropped with the transaction."""
    cell = stage.col("national_id")
    if cell is None:
        return
    execute(f"DROP TABLE IF EXISTS {NATIONAL_IDS}")
    execute(
        f"CREATE TEMPORARY TABLE {NATIONAL_IDS} (n bigint PRIMARY KEY, value text NOT NULL) "
        "ON COMMIT DROP"
    )
    seal = crypto.seal
    connection.ensure_connection()
    # A cursor of the server's, read a chunk at a time, each chunk sealed and copied back.
    with connection.connection.cursor(name="ranks_stage_national_ids") as cells:
        cells.execute(f"SELECT n, {cell} FROM {stage.table} s WHERE {cell} IS NOT NULL")
        while chunk := cells.fetchmany(20_000):
            bulk.copy_rows(NATIONAL_IDS, ("n", "value"), [(n, seal(v)) for n, v in chunk])
    execute(f"ANALYZE {NATIONAL_IDS}")


def stage_new(stage: Stage) -> None:
    """One row a person: the values before (o_*) and after (the fields' names), the state (c
    created, x changed, u unchanged) and the batch of its audit entry. Raise NotStaged for a
    person_id twice, a place that does not exist, or a birth date in the future; a date that
    does not exist stops the statement itself."""
    joins, unknown = [], ["false"]
    for column, field in PLACES.items():
        if stage.has(column):
            alias = "rp" if field == "residence_place_id" else "wp"
            code = stage.col(column)
            joins.append(f"LEFT JOIN {PLACE} {alias} ON {alias}.code = {code}")
            unknown.append(f"({code} IS NOT NULL AND {alias}.id IS NULL)")
    if stage.has("national_id"):
        joins.append(f"LEFT JOIN {NATIONAL_IDS} e ON e.n = s.n")
    places_from = stage.col("places_from")
    attributes_from = stage.col("attributes_from")
    new = ", ".join(f"{_new_value(stage, f)} AS {f}" for f in VALUES)
    old = ", ".join(f"p.{f} AS o_{f}" for f in VALUES)
    # Two encryptions of one national ID differ: their blind indexes are the same.
    same = " AND ".join(
        crypto.same_value_sql(f, f"o_{f}")
        if f == "national_id"
        else f"{f} IS NOT DISTINCT FROM o_{f}"
        for f in VALUES
    )
    execute(f"DROP TABLE IF EXISTS {NEW}")
    execute(
        f"""
        CREATE TEMPORARY TABLE {NEW} ON COMMIT DROP AS
        SELECT q.*, CASE WHEN o_pk IS NULL THEN 'c' WHEN {same} THEN 'u' ELSE 'x' END AS state,
               {SEARCH_NAME} AS search_name, n / {AUDIT_ROWS} AS batch,
               -- a new person's id (in the order rows come, the file's as a rule; no sort)
               CASE WHEN o_pk IS NULL THEN {next_id(Person)} ELSE o_pk END AS pk
        FROM (
            SELECT s.n, {stage.col("person_id")} AS person_id, p.id AS o_pk, {old}, {new},
                   {places_from + "::date" if places_from else "NULL::date"} AS places_from,
                   {attributes_from + "::date" if attributes_from else "NULL::date"}
                       AS attributes_from,
                   {" OR ".join(unknown)} AS unknown_place
            FROM {stage.table} s
            LEFT JOIN {Person._meta.db_table} p ON p.person_id = {stage.col("person_id")}
            {" ".join(joins)}
        ) q
        """
    )
    execute(f"ALTER TABLE {NEW} ADD PRIMARY KEY (person_id)")  # a person_id twice stops here
    if any_row(
        f"SELECT 1 FROM {NEW} WHERE unknown_place OR birth_date > %s"
        " OR attributes_from > %s OR attributes_from < birth_date",
        [today(), today()],
    ):
        raise NotStaged("an unknown place, or a birth date or attributes' date out of range")
    execute(f"CREATE INDEX ON {NEW} (batch) WHERE state <> 'u'")


def write(ctx: Context) -> None:
    with bulk.indexes_built_after(Person, PersonPlace, PersonAttributes):
        _write(ctx)


def _write(ctx: Context) -> None:
    table = Person._meta.db_table
    fields = [*VALUES, "search_name"]
    execute(
        f"""
        INSERT INTO {table} (id, person_id, {", ".join(fields)})
        SELECT pk, person_id, {", ".join(fields)} FROM {NEW} WHERE state = 'c' ORDER BY n
        """
    )
    execute(
        f"""
        UPDATE {table} p SET {", ".join(f"{f} = t.{f}" for f in fields)}
        FROM {NEW} t WHERE t.state = 'x' AND p.id = t.pk
        """
    )
    _place_periods(ctx)
    _attribute_periods()


def _attribute_periods() -> None:
    """`people.attributes.attribute_periods_follow` for every row whose dated attributes are
    new or changed, at once: from the row's `attributes_from` (default: the birth date for a new
    person, today for a change)."""
    periods = PersonAttributes._meta.db_table
    changes = "ranks_stage_attributes"
    differ = " OR ".join(f"{f} IS DISTINCT FROM o_{f}" for f in DATED_FIELDS)
    execute(f"DROP TABLE IF EXISTS {changes}")
    execute(
        f"""
        CREATE TEMPORARY TABLE {changes} ON COMMIT DROP AS
        SELECT t.n, t.pk, t.state, t.o_birth_date,
               coalesce(t.attributes_from,
                        CASE WHEN t.state = 'c' THEN t.birth_date ELSE %s::date END) AS start,
               {", ".join(f"t.{f}, t.o_{f}" for f in DATED_FIELDS)}
        FROM {NEW} t WHERE t.state = 'c' OR (t.state = 'x' AND ({differ}))
        """,
        [today()],
    )
    fields = ", ".join(DATED_FIELDS)
    # A person kept without history held the values before since birth.
    execute(
        f"""
        INSERT INTO {periods} (person_id, valid_from, valid_to, {fields})
        SELECT m.pk, m.o_birth_date, m.start - 1, {", ".join(f"m.o_{f}" for f in DATED_FIELDS)}
        FROM {changes} m
        WHERE m.state = 'x' AND m.start > m.o_birth_date
          AND NOT EXISTS (SELECT 1 FROM {periods} pa WHERE pa.person_id = m.pk)
        ORDER BY m.n
        """
    )
    mine = "m.state = 'x' AND pa.person_id = m.pk"
    execute(f"DELETE FROM {periods} pa USING {changes} m WHERE {mine} AND pa.valid_from >= m.start")
    execute(
        f"UPDATE {periods} pa SET valid_to = m.start - 1 FROM {changes} m WHERE {mine}"
        " AND pa.valid_from < m.start AND (pa.valid_to IS NULL OR pa.valid_to >= m.start)"
    )
    execute(
        f"""
        INSERT INTO {periods} (person_id, valid_from, {fields})
        SELECT pk, start, {fields} FROM {changes} ORDER BY n
        """
    )


def _place_periods(ctx: Context) -> None:
    """`people.services.place_periods_follow` for every changed place of every row at once."""
    periods = PersonPlace._meta.db_table
    moves = "ranks_stage_moves"
    execute(f"DROP TABLE IF EXISTS {moves}")
    execute(
        f"""
        CREATE TEMPORARY TABLE {moves} ON COMMIT DROP AS
        SELECT t.n, t.pk, v.rank, v.role, v.old, v.new, t.places_from,
               coalesce(t.places_from, %s::date) AS start
        FROM {NEW} t CROSS JOIN LATERAL (VALUES
            (1, %s, t.o_residence_place_id, t.residence_place_id),
            (2, %s, t.o_workplace_place_id, t.workplace_place_id)
        ) AS v(rank, role, old, new)
        WHERE t.state <> 'u' AND v.old IS DISTINCT FROM v.new
        """,
        [today(), PlaceRole.RESIDENCE.value, PlaceRole.WORKPLACE.value],
    )
    open_period = """m.old IS NOT NULL AND pp.person_id = m.pk AND pp.role = m.role
        AND pp.valid_to IS NULL"""
    # A period that would end before it began (a second change on the same day) goes.
    execute(
        f"DELETE FROM {periods} pp USING {moves} m "
        f"WHERE {open_period} AND pp.valid_from > m.start - 1"
    )
    execute(f"UPDATE {periods} pp SET valid_to = m.start - 1 FROM {moves} m WHERE {open_period}")
    execute(
        f"""
        INSERT INTO {periods} (person_id, role, place_id, valid_from)
        SELECT pk, role, new,
               CASE WHEN old IS NOT NULL OR places_from IS NOT NULL THEN start END
        FROM {moves} WHERE new IS NOT NULL ORDER BY n, rank
        """
    )


def _columns(prefix: str) -> list[tuple[str, str, str]]:
    """A person's values as `core.audit.snapshot` gives them, without `search_name` (`prefix`
    "o_" for the values before the import), as (name, SQL, type)."""
    kinds = {"birth_date": "date", "youth_union": "bool"}
    columns = [("person_id", "t.person_id", "text"), ("id", "t.pk", "int")]
    for field in VALUES:
        kind = "int" if field.endswith("_place_id") else kinds.get(field, "text")
        sql = f"t.{prefix}{field}"
        if field == "national_id":  # its keyed hash, as `snapshot` gives it
            sql = crypto.audit_value_sql(sql)
        columns.append((field, sql, kind))
    return columns


def audit(ctx: Context) -> None:
    """One entry per 5,000 rows of the file: the changed people before and after, as tables."""
    batches = fetch(
        f"""
        SELECT batch, min(person_id COLLATE "C"), max(person_id COLLATE "C") FROM {NEW}
        WHERE state <> 'u' GROUP BY batch ORDER BY batch
        """
    )
    for batch, first, last in batches:
        rows = f"FROM {NEW} t WHERE batch = {int(batch)}"
        audit_record_sql(
            ctx.actor,
            "ranks.people.person.imported",
            object_type="person",
            object_id=f"{first}…{last}"[:120],
            before_sql=json_table(_columns("o_"), f"{rows} AND state = 'x'", "t.n"),
            after_sql=json_table(_columns(""), f"{rows} AND state <> 'u'", "t.n"),
        )


def load(stage: Stage, ctx: Context) -> None:
    check(stage, ctx)
    seal_national_ids(stage)
    stage_new(stage)
    # A member's attributes move the counts of their admissions, and where they live or work
    # the coverage of those places: the changed people who are members are counted around the
    # write, in the database (new people have no membership yet). The places they move to are
    # named with the places they leave: those existed before and counted then.
    changed = (
        f"FROM {NEW} t JOIN {Membership._meta.db_table} m ON m.person_id = t.pk WHERE t.state = 'x'"
    )
    places = (
        f"SELECT pp.place_id FROM {PersonPlace._meta.db_table} pp WHERE pp.person_id IN"
        f" (SELECT t.pk {changed})"
        f" UNION SELECT t.residence_place_id {changed} AND t.residence_place_id IS NOT NULL"
        f" UNION SELECT t.workplace_place_id {changed} AND t.workplace_place_id IS NOT NULL"
    )
    with (
        recounting(f"SELECT DISTINCT m.id {changed}", []),
        recounting_places(places, [], members_only=True),
    ):
        write(ctx)
    audit(ctx)
    counts = dict(fetch(f"SELECT state, count(*) FROM {NEW} GROUP BY state"))
    ctx.result.rows = sum(counts.values())
    ctx.result.created = counts.get("c", 0)
    ctx.result.updated = counts.get("x", 0)
    ctx.result.unchanged = counts.get("u", 0)
