"""The counters' SQL: the admissions of some memberships, rolled up to every unit above their
cells on their decision dates, by month. The same text on SQLite and PostgreSQL but for a few
date and text expressions.

The segment rules here are the rules of `ranks.targets.progress.ADMISSION_METRICS`, and the
composition's those of `ranks.targets.progress.composition`, written in SQL so that a first load of the country is counted by the database. The Python statement of
them recounts from the records in `ranks counters verify`, so the two are checked against each
other on every scenario of the test suite.
"""

from __future__ import annotations

from ranks.counters.models import (
    ADMISSION_COLUMNS,
    COMPOSITION,
    COMPOSITION_VALUES,
    STAGE_COLUMNS,
)
from ranks.org.sql import versions_of
from ranks.targets.results import AGE_BANDS

OPEN_START = "'0001-01-01'"
# How far up the walks go: a tree is far shallower; the bound stops a loop of parent links that
# a units import writes before it finds and refuses it (`versions_below_themselves`).
MAX_DEPTH = 64
OPEN_END = "'9999-12-31'"
# The stage whose events count as class graduates (`ranks.pipeline.models.Stage`).
CLASS_PASSED = "class_passed"
# The values the segments test, shared with `ranks.targets.progress` (after `fold_value`).
HOME_PLACES = ("village", "residential_group")
MAJORITY_ETHNICITY = ("kinh", "")
NO_RELIGION = ("", "không", "khong", "none")


def fold_value(text: str | None) -> str:
    """How a free-text attribute is compared: stripped, lower case (as `ADMISSION_METRICS`)."""
    return (text or "").strip().lower()


def _valid(alias: str, day: str) -> str:
    return (
        f"COALESCE({alias}.valid_from, {OPEN_START}) <= {day}"
        f" AND COALESCE({alias}.valid_to, {OPEN_END}) >= {day}"
    )


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def vendor_parts(vendor: str) -> dict[str, str]:
    if vendor == "postgresql":
        return {
            "month": "CAST(date_trunc('month', {x}) AS date)",
            "year": "CAST(EXTRACT(YEAR FROM {x}) AS integer)",
            "monthday": "to_char({x}, 'MMDD')",
            "fold": "lower(btrim({x}))",
            "greatest": "GREATEST({a}, {b})",
            "least": "LEAST({a}, {b})",
            "day_before": "({x} - 1)",
            "day_after": "({x} + 1)",
            "bytes": '{x} COLLATE "C"',
        }
    return {
        "month": "substr({x}, 1, 8) || '01'",
        "year": "CAST(substr({x}, 1, 4) AS integer)",
        "monthday": "(substr({x}, 6, 2) || substr({x}, 9, 2))",
        "fold": "ranks_fold_value({x})",
        "greatest": "max({a}, {b})",
        "least": "min({a}, {b})",
        "day_before": "date({x}, '-1 day')",
        "day_after": "date({x}, '+1 day')",
        "bytes": "{x}",
    }


def dated(field: str) -> str:
    """A dated attribute's value on the admission's day: its period's (`ATTRIBUTES_ON`), or
    the person's own for a person kept without history."""
    if not attributes_kept():
        return f"per.{field}"
    return f"COALESCE(att.{field}, per.{field})"


_attributes_table_seen = False


def attributes_kept() -> bool:
    """Whether the history of attributes exists yet. The counters' data migrations written
    before it (counters 0002–0014) rebuild the counters with this code, on a database that may
    not have the table yet; once seen, it is not asked again."""
    global _attributes_table_seen
    if not _attributes_table_seen:
        from django.db import connection

        _attributes_table_seen = "people_personattributes" in connection.introspection.table_names()
    return _attributes_table_seen


# Joins to an admission of `adm` (alias `a`) and its person (`per`) the period of the person's
# attributes in force on the decision day (`people.attributes.period_on`): the one that began on
# or before it and had not ended, or the first if the day is before it. One row at most: a
# person's periods follow one another without overlapping.
ATTRIBUTES_ON = (
    " LEFT JOIN people_personattributes att ON att.person_id = per.id"
    " AND (att.valid_to IS NULL OR att.valid_to >= a.day)"
    " AND (att.valid_from <= a.day OR NOT EXISTS (SELECT 1 FROM people_personattributes e"
    " WHERE e.person_id = att.person_id AND e.valid_from < att.valid_from))"
)


def _dimension_values(p: dict[str, str]) -> dict[str, str]:
    """The SQL of each composition dimension's value for an admission of `adm` (alias `a`)
    joined to its person (`per`), the period of the person's attributes that day (`att`,
    `ATTRIBUTES_ON`) and candidacy (`cand`)."""
    born, day = "per.birth_date", "a.day"
    age = (
        f"({p['year'].format(x=day)} - {p['year'].format(x=born)}"
        f" - CASE WHEN {p['monthday'].format(x=day)} < {p['monthday'].format(x=born)}"
        " THEN 1 ELSE 0 END)"
    )
    # One kind per admission, as `progress._place_kind`: a village or residential group
    # first, else the first kind by name, among the places the cell is based at that day.
    home_first = " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(HOME_PLACES))
    place_kind = (
        "COALESCE((SELECT pv.kind FROM org_placeversion_cells pc"
        " JOIN org_placeversion pv ON pv.id = pc.placeversion_id"
        f" WHERE pc.unit_id = a.cell_id AND {_valid('pv', 'a.day')}"
        f" ORDER BY CASE pv.kind {home_first} ELSE {len(HOME_PLACES)} END,"
        f" {p['bytes'].format(x='pv.kind')} LIMIT 1), '')"
    )
    return {
        "age": age,
        "occupation": f"COALESCE({dated('occupation')}, '')",
        "gender": "COALESCE(per.gender, '')",
        "education_general": f"COALESCE({dated('education_general')}, '')",
        "education_professional": f"COALESCE({dated('education_professional')}, '')",
        "youth_union": f"CASE WHEN {dated('youth_union')} THEN 'true' ELSE 'false' END",
        "source_group": "COALESCE(cand.source_group, '')",
        "place_kind": place_kind,
        "ethnicity": p["fold"].format(x=dated("ethnicity")),
        "religion": p["fold"].format(x=dated("religion")),
    }


def _band(age: str) -> str:
    """The age band of `age`, as `progress._age_band`."""
    limits = " ".join(
        f"WHEN {age} <= {limit} THEN '{band}'"
        for band, limit in zip(AGE_BANDS, (30, 40, 50, 60), strict=False)
    )
    return f"CASE {limits} ELSE '{AGE_BANDS[-1]}' END"


def _tests() -> list[tuple[str, str]]:
    """(column, test on the columns of `one`) of every count the rollup gives but `members`."""
    segments = [
        ("villages", f"one.place_kind IN ({_quoted(HOME_PLACES)})"),
        ("farmers", "one.occupation = 'farmer'"),
        ("workers", "one.occupation = 'worker'"),
        ("aged_18_30", "one.age <= 30"),
        ("ethnic_minority", f"one.ethnicity NOT IN ({_quoted(MAJORITY_ETHNICITY)})"),
        ("religious", f"one.religion NOT IN ({_quoted(NO_RELIGION)})"),
        ("women", "one.gender = 'female'"),
    ]
    listed = dict(COMPOSITION_VALUES)
    composition = []
    for dimension, value, column in COMPOSITION:
        x = "one.age_band" if dimension == "age_band" else f"one.{dimension}"
        if value == "":  # not recorded, or a value outside the list
            others = [v for v in listed[dimension] if v]
            composition.append((column, f"{x} NOT IN ({_quoted(tuple(others))})"))
        else:
            composition.append((column, f"{x} = '{value}'"))
    return segments + composition


def ancestry(p: dict[str, str], vendor: str) -> str:
    """The CTE `anc(cell_id, unit_id, parent_id, a, b, depth)` of the cells a CTE `cells(cell_id)`
    gives: the unit is the cell or above it on every day from `a` to `b` (the walk up clips each
    step to the versions it passes, and stops at the first unit with no version that day, as
    `VersionTree.chain`)."""
    greatest, least = p["greatest"], p["least"]
    return (
        "anc(cell_id, unit_id, parent_id, a, b, depth) AS ("
        f" SELECT c.cell_id, v.unit_id, v.parent_id, COALESCE(v.valid_from, {OPEN_START}),"
        f" COALESCE(v.valid_to, {OPEN_END}), 0"
        " FROM cells c JOIN org_unitversion v ON v.unit_id = c.cell_id"
        " UNION ALL SELECT u.cell_id, v.unit_id, v.parent_id,"
        f" {greatest.format(a='u.a', b=f'COALESCE(v.valid_from, {OPEN_START})')},"
        f" {least.format(a='u.b', b=f'COALESCE(v.valid_to, {OPEN_END})')}, u.depth + 1"
        f" FROM anc u {versions_of('u.parent_id', 'v', vendor)}"
        f" WHERE COALESCE(v.valid_from, {OPEN_START}) <= u.b"
        f" AND COALESCE(v.valid_to, {OPEN_END}) >= u.a AND u.depth < {MAX_DEPTH})"
    )


def pipeline_rollup(ids_sql: str, vendor: str) -> str:
    """SELECT (unit_id, day, *`PIPELINE_COLUMNS`) for the candidacies whose ids `ids_sql`
    selects: each counts once on the day it was added to the source list, and once on the day
    of each awareness class it passed, for its current cell and each unit above that cell on
    that day (as `progress._pipeline_events` and `VersionTree.chain`)."""
    p = vendor_parts(vendor)
    return (
        f"WITH RECURSIVE chosen(id) AS ({ids_sql}),"
        " ev(cell_id, day, s, g) AS ("
        " SELECT c.cell_id, c.added_on, 1, 0"
        " FROM chosen x CROSS JOIN pipeline_candidate c WHERE c.id = x.id"
        " UNION ALL SELECT c.cell_id, e.date, 0, 1"
        " FROM chosen x CROSS JOIN pipeline_candidate c"
        " JOIN pipeline_stageevent e ON e.candidate_id = c.id"
        f" WHERE c.id = x.id AND e.stage = '{CLASS_PASSED}'),"
        " cd(cell_id, day, s, g) AS (SELECT cell_id, day, SUM(s), SUM(g) FROM ev"
        " GROUP BY cell_id, day),"
        " cells(cell_id) AS (SELECT DISTINCT cell_id FROM cd),"
        f" {ancestry(p, vendor)}"
        " SELECT an.unit_id, c.day, SUM(c.s), SUM(c.g)"
        " FROM cd c JOIN anc an ON an.cell_id = c.cell_id AND c.day >= an.a AND c.day <= an.b"
        " GROUP BY an.unit_id, c.day"
    )


def stage_segments(vendor: str) -> str:
    """A sub-select of the stretches of candidacies at one stage that `counters.rollup` passes in
    one parameter (an array each on PostgreSQL, a JSON list on SQLite): (cell_id, a, e, col, n),
    `n` candidacies of the cell in column `col` of `STAGE_COLUMNS` from day `a` to the day
    before `e` (NULL: still)."""
    if vendor == "postgresql":
        return "SELECT * FROM unnest(%s::bigint[], %s::date[], %s::date[], %s::int[], %s::int[])"
    return (
        "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),"
        " json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]')"
        " FROM json_each(%s)"
    )


def stage_rollup(segments_sql: str, vendor: str, wide: bool = True) -> str:
    """SELECT (unit_id, day, *`STAGE_COLUMNS`) of the stretches `segments_sql` selects (as
    `stage_segments`): +n on the first day a stretch lies below each unit above its cell, −n on
    the first day it no longer does (the next state, or the day after the walk up ends). Not
    `wide`: (unit_id, day, column index, n), one row per column that moves (a writer reads
    these; most of the 63 columns of a key are zero)."""
    p = vendor_parts(vendor)
    first = p["greatest"].format(a="s.a", b="an.a")
    after = p["day_after"].format(x="an.b")
    overlap = "an.cell_id = s.cell_id AND s.a <= an.b AND (s.e IS NULL OR s.e > an.a)"
    ends = "(s.e IS NOT NULL AND s.e <= an.b)"
    deltas = (
        f"WITH RECURSIVE seg(cell_id, a, e, col, n) AS ({segments_sql}),"
        " cells(cell_id) AS (SELECT DISTINCT cell_id FROM seg),"
        f" {ancestry(p, vendor)},"
        " d(unit_id, day, col, n) AS ("
        f" SELECT an.unit_id, {first}, s.col, s.n FROM seg s JOIN anc an ON {overlap}"
        f" UNION ALL SELECT an.unit_id, CASE WHEN {ends} THEN s.e ELSE {after} END, s.col, -s.n"
        f" FROM seg s JOIN anc an ON {overlap} WHERE {ends} OR an.b < {OPEN_END})"
    )
    # A unit whose walk up passes two versions one after the other ends and starts again: those
    # add up to nothing and are left out.
    narrow = (
        f"{deltas} SELECT d.unit_id, d.day, d.col, SUM(d.n) AS n FROM d"
        " GROUP BY d.unit_id, d.day, d.col HAVING SUM(d.n) <> 0"
    )
    if not wide:
        return narrow
    # Spread into columns after adding up: few rows are left by then.
    sums = ", ".join(
        f"SUM(CASE WHEN w.col = {i} THEN w.n ELSE 0 END)" for i in range(len(STAGE_COLUMNS))
    )
    return f"SELECT w.unit_id, w.day, {sums} FROM ({narrow}) w GROUP BY w.unit_id, w.day"


def _posted(p: dict[str, str], presence: bool = True) -> str:
    """The CTE `posted(cell_id, a, b, o)` of the memberships a CTE `chosen(id)` gives: each
    posting from the later of its start and the decision to the earlier of its end and the day
    before leaving, with the official date (nothing without `presence`)."""
    posting_end = p["least"].format(
        a=f"COALESCE(p.valid_to, {OPEN_END})",
        b=f"COALESCE({p['day_before'].format(x='m.left_date')}, {OPEN_END})",
    )
    return (
        "posted(cell_id, a, b, o) AS ("
        f" SELECT p.cell_id, {p['greatest'].format(a='p.valid_from', b='m.admission_decision_date')},"
        f" {posting_end}, m.official_date"
        # CROSS JOIN: SQLite starts from the ids chosen, not from every membership.
        " FROM chosen c CROSS JOIN people_membership m"
        " JOIN people_posting p ON p.membership_id = m.id WHERE m.id = c.id"
        f"{'' if presence else ' AND 1 = 0'})"
    )


def _stretch(p: dict[str, str]) -> str:
    """The CTE `stretch(unit_id, a, b, o)`: each posting's presence below each unit above its
    cell, clipped to the days the walk up (`anc`) holds."""
    return (
        "stretch(unit_id, a, b, o) AS ("
        f" SELECT an.unit_id, {p['greatest'].format(a='p.a', b='an.a')},"
        f" {p['least'].format(a='p.b', b='an.b')}, p.o"
        " FROM posted p JOIN anc an ON an.cell_id = p.cell_id"
        " AND p.a <= an.b AND p.b >= an.a AND p.a <= p.b)"
    )


def _present(p: dict[str, str]) -> str:
    """The CTEs `cm`, `win`, `bounds`, `run` and `present(unit_id, month, members, official)`:
    the members present below each unit, as changes by month, from `posted` and `anc`.

    Each cell's own changes are added up by month first (`cm`: +1 in the month of the day before
    a presence starts, −1 in the month of its last day, and the same for the official members
    from the later of the start and the official date), then each window of `anc` takes them
    whole, not each posting: a cell's postings are pooled before the walk up. A window from
    day A to day B takes the cell's running total at the end of the month of A − 1 (the members
    present on day A, with the changes of the days after it in that month), the cell's changes
    of the months after it and before the month of B, and minus its running total before the
    month of B (those present on day B, with the changes of the days before it in that month).
    A window that starts and ends in one month changes no month. That is, month by month, the
    presence of each posting clipped to each window, as `_stretch` gives it by day."""
    start = p["month"].format(x=p["day_before"].format(x="an.a"))
    end = p["month"].format(x="an.b")
    began = p["month"].format(x=p["day_before"].format(x="s.a"))
    official_began = p["month"].format(
        x=p["day_before"].format(x=p["greatest"].format(a="s.a", b="s.o"))
    )
    last = p["month"].format(x="s.b")
    official = "s.o IS NOT NULL AND s.o <= s.b"
    closed = f"an.b < {OPEN_END}"
    return (
        "cm(cell_id, month, d, o) AS (SELECT y.cell_id, y.month, CAST(SUM(y.d) AS integer),"
        " CAST(SUM(y.o) AS integer) FROM ("
        f" SELECT s.cell_id, {began} AS month, 1 AS d, 0 AS o FROM posted s WHERE s.a <= s.b"
        f" UNION ALL SELECT s.cell_id, {last}, -1, 0 FROM posted s"
        f" WHERE s.a <= s.b AND s.b < {OPEN_END}"
        f" UNION ALL SELECT s.cell_id, {official_began}, 0, 1 FROM posted s"
        f" WHERE s.a <= s.b AND {official}"
        f" UNION ALL SELECT s.cell_id, {last}, 0, -1 FROM posted s"
        f" WHERE s.a <= s.b AND {official} AND s.b < {OPEN_END}"
        ") y GROUP BY y.cell_id, y.month),"
        f" win(cell_id, unit_id, f, t, closed) AS (SELECT an.cell_id, an.unit_id, {start},"
        f" {end}, CASE WHEN {closed} THEN 1 ELSE 0 END FROM anc an WHERE {start} < {end}),"
        # The running totals each window needs: its start after the month's changes (k = 2),
        # its end before them (k = 0).
        " bounds(cell_id, month, k) AS (SELECT cell_id, f, 2 FROM win"
        " UNION SELECT cell_id, t, 0 FROM win WHERE closed = 1),"
        " run(cell_id, month, k, d, o) AS (SELECT * FROM (SELECT x.cell_id, x.month, x.k,"
        " CAST(SUM(x.d) OVER w AS integer), CAST(SUM(x.o) OVER w AS integer)"
        " FROM (SELECT cell_id, month, 1 AS k, d, o FROM cm"
        " UNION ALL SELECT cell_id, month, k, 0, 0 FROM bounds) x"
        " WINDOW w AS (PARTITION BY x.cell_id ORDER BY x.month, x.k ROWS UNBOUNDED PRECEDING)"
        ") y WHERE y.k <> 1),"
        " present AS (SELECT z.unit_id, z.month, SUM(z.d) AS members, SUM(z.o) AS official"
        " FROM (SELECT w.unit_id, w.f AS month, r.d, r.o FROM win w JOIN run r"
        " ON r.cell_id = w.cell_id AND r.month = w.f AND r.k = 2"
        " UNION ALL SELECT w.unit_id, c.month, c.d, c.o FROM cm c JOIN win w"
        " ON w.cell_id = c.cell_id AND c.month > w.f AND (w.closed = 0 OR c.month < w.t)"
        " UNION ALL SELECT w.unit_id, w.t, -r.d, -r.o FROM win w JOIN run r"
        " ON r.cell_id = w.cell_id AND r.month = w.t AND r.k = 0 AND w.closed = 1"
        ") z GROUP BY z.unit_id, z.month)"
    )


def presence_window(ids_sql: str, vendor: str) -> str:
    """SELECT (unit_id, members, official) for the memberships whose ids `ids_sql` selects: how
    much the members present below each unit (and the official ones among them) change from
    the first day of a month (the first parameter after those of `ids_sql`) to a later day of it
    (the second): the presences that start after the first and by that day, less those that end
    on or after the first and before that day. Added to the counters' figure on the first."""
    p = vendor_parts(vendor)
    official_start = p["greatest"].format(a="s.a", b="s.o")
    official = "s.o IS NOT NULL AND s.o <= s.b"
    day = "CAST(%s AS date)" if vendor == "postgresql" else "%s"  # SQLite: ISO text
    return (
        f"WITH RECURSIVE chosen(id) AS ({ids_sql}), {_posted(p)},"
        " cells(cell_id) AS (SELECT DISTINCT cell_id FROM posted),"
        f" {ancestry(p, vendor)}, {_stretch(p)},"
        f" bounds(f, d) AS (SELECT {day}, {day})"
        " SELECT s.unit_id,"
        " SUM(CASE WHEN s.a > w.f AND s.a <= w.d THEN 1 ELSE 0 END)"
        " - SUM(CASE WHEN s.b >= w.f AND s.b < w.d THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {official} AND {official_start} > w.f AND {official_start} <= w.d"
        " THEN 1 ELSE 0 END)"
        f" - SUM(CASE WHEN {official} AND s.b >= w.f AND s.b < w.d THEN 1 ELSE 0 END)"
        " FROM stretch s CROSS JOIN bounds w GROUP BY s.unit_id"
    )


def movement_rollup(ids_sql: str, vendor: str) -> str:
    """SELECT (unit_id, day, *`MOVEMENT_COLUMNS`) for the memberships whose ids `ids_sql`
    selects: their transfers and their leaving.

    A transfer is a posting that starts the day after another posting of the membership ended,
    in another cell, not opened by a restructure carrying the member from a closing cell, while the member is present (from the decision to the day before leaving)
    on both days. It counts on its first day: out of each unit above the old cell on the day
    before that is not above the new cell that day, and into each unit above the new cell that
    day that was not above the old one the day before. A leaving counts on the day left, in the
    cell of the posting on the last day present (the day before, or the decision day for a
    member who left on it; the lowest cell id if two), for that cell and each unit above it that
    day. The walks up are those of `ancestry`."""
    p = vendor_parts(vendor)
    before = p["day_before"]
    return (
        f"WITH RECURSIVE chosen(id) AS ({ids_sql}),"
        " mem(id, adm, lft) AS (SELECT m.id, m.admission_decision_date, m.left_date"
        " FROM chosen c CROSS JOIN people_membership m WHERE m.id = c.id),"
        " moved(from_cell, to_cell, d) AS ("
        " SELECT p.cell_id, q.cell_id, q.valid_from FROM mem m"
        " JOIN people_posting q ON q.membership_id = m.id"
        " JOIN people_posting p ON p.membership_id = m.id"
        f" AND p.valid_to = {before.format(x='q.valid_from')}"
        f" WHERE p.cell_id <> q.cell_id AND q.restructure_id IS NULL"
        f" AND {before.format(x='q.valid_from')} >= m.adm"
        " AND (m.lft IS NULL OR q.valid_from < m.lft)),"
        " lastday(id, lft, day) AS (SELECT id, lft,"
        f" CASE WHEN lft > adm THEN {before.format(x='lft')} ELSE lft END"
        " FROM mem WHERE lft IS NOT NULL),"
        " gone(cell_id, d, day) AS ("
        " SELECT MIN(p.cell_id), l.lft, l.day FROM lastday l"
        " JOIN people_posting p ON p.membership_id = l.id AND p.valid_from <= l.day"
        " AND (p.valid_to IS NULL OR p.valid_to >= l.day) GROUP BY l.id, l.lft, l.day),"
        " cells(cell_id) AS (SELECT from_cell FROM moved UNION SELECT to_cell FROM moved"
        " UNION SELECT cell_id FROM gone),"
        f" {ancestry(p, vendor)},"
        " ev(unit_id, day, i, o, g) AS ("
        " SELECT an.unit_id, mv.d, 0, 1, 0 FROM moved mv JOIN anc an ON an.cell_id = mv.from_cell"
        f" AND {before.format(x='mv.d')} >= an.a AND {before.format(x='mv.d')} <= an.b"
        " WHERE NOT EXISTS (SELECT 1 FROM anc a2 WHERE a2.cell_id = mv.to_cell"
        " AND a2.unit_id = an.unit_id AND mv.d >= a2.a AND mv.d <= a2.b)"
        " UNION ALL SELECT an.unit_id, mv.d, 1, 0, 0 FROM moved mv"
        " JOIN anc an ON an.cell_id = mv.to_cell AND mv.d >= an.a AND mv.d <= an.b"
        " WHERE NOT EXISTS (SELECT 1 FROM anc a2 WHERE a2.cell_id = mv.from_cell"
        f" AND a2.unit_id = an.unit_id AND {before.format(x='mv.d')} >= a2.a"
        f" AND {before.format(x='mv.d')} <= a2.b)"
        " UNION ALL SELECT an.unit_id, g.d, 0, 0, 1 FROM gone g"
        " JOIN anc an ON an.cell_id = g.cell_id AND g.day >= an.a AND g.day <= an.b)"
        " SELECT unit_id, day, SUM(i) AS transfers_in, SUM(o) AS transfers_out,"
        " SUM(g) AS leavings FROM ev GROUP BY unit_id, day"
    )


def rollup(ids_sql: str, vendor: str, presence: bool = True) -> str:
    """SELECT (unit_id, month, *`ALL_COLUMNS`) for the memberships whose ids `ids_sql` selects:
    their admissions, segments and composition, and the members present.

    A membership counts once, in the cell of its posting on the decision date (the lowest cell
    id if two postings start that day), for that cell and each unit above it on that date that
    has a version then: the walk up stops at the first unit with none (as `VersionTree.chain`).

    A membership is present below a unit from the later of its posting's start and its decision
    to the earlier of the posting's end and the day before it left, on the days the cell and
    each unit up to that one have versions: +1 in the month of the day before it starts, −1 in
    the month of its last day. Without `presence`, the members are left at zero (for a change
    that cannot move them: a candidate's source group)."""
    p = vendor_parts(vendor)
    values = _dimension_values(p)
    tests = _tests()
    adm_cols = ["n", *(column for column, _t in tests)]
    # The order of `ALL_COLUMNS`: the admissions and segments, the members, the composition.
    split = len(ADMISSION_COLUMNS)
    segment_cols, composition_cols = adm_cols[:split], adm_cols[split:]
    flags = ", ".join(f"CASE WHEN {test} THEN 1 ELSE 0 END AS {column}" for column, test in tests)
    month = p["month"].format(x="c.day")
    one = ", ".join(f"{sql} AS {name}" for name, sql in values.items() if name != "age")
    if vendor == "postgresql":
        # The two parts put together by key: the presence rows carry no admission columns.
        together = (
            " SELECT COALESCE(a.unit_id, r.unit_id) AS unit_id,"
            " COALESCE(a.month, r.month) AS month,"
            f" {', '.join(f'COALESCE(a.{x}, 0)' for x in segment_cols)}, COALESCE(r.members, 0),"
            " COALESCE(r.official, 0),"
            f" {', '.join(f'COALESCE(a.{x}, 0)' for x in composition_cols)}"
            " FROM admitted a FULL OUTER JOIN present r"
            " ON r.unit_id = a.unit_id AND r.month = a.month"
        )
    else:  # SQLite plans a full join of two subqueries poorly: a union, added up by key
        zeros = ", ".join(["0"] * len(adm_cols))
        together = (
            f" SELECT x.unit_id, x.month, {', '.join(f'SUM(x.{c})' for c in segment_cols)},"
            f" SUM(x.members), SUM(x.official),"
            f" {', '.join(f'SUM(x.{c})' for c in composition_cols)} FROM ("
            f" SELECT a.unit_id, a.month, {', '.join('a.' + x for x in adm_cols)},"
            " 0 AS members, 0 AS official FROM admitted a"
            f" UNION ALL SELECT r.unit_id, r.month, {zeros}, r.members, r.official FROM present r"
            ") x GROUP BY x.unit_id, x.month"
        )
    return (
        f"WITH RECURSIVE chosen(id) AS ({ids_sql}),"
        " adm(cell_id, day, person_id) AS ("
        " SELECT MIN(p.cell_id), m.admission_decision_date, m.person_id"
        # CROSS JOIN: SQLite starts from the ids chosen, not from every membership.
        " FROM chosen c CROSS JOIN people_membership m"
        " JOIN people_posting p ON p.membership_id = m.id"
        " AND p.valid_from <= m.admission_decision_date"
        " AND (p.valid_to IS NULL OR p.valid_to >= m.admission_decision_date)"
        " WHERE m.id = c.id"
        " GROUP BY m.id, m.admission_decision_date, m.person_id),"
        # Each admission with the values it is counted by, computed once: the place kind is a
        # subquery that the sums below name a dozen times, and an inlined CTE ran it each time.
        f" aged AS MATERIALIZED (SELECT a.cell_id, a.day, {values['age']} AS age, {one}"
        " FROM adm a JOIN people_person per ON per.id = a.person_id"
        f"{ATTRIBUTES_ON if attributes_kept() else ''}"
        " LEFT JOIN pipeline_candidate cand ON cand.person_id = per.id),"
        f" one AS (SELECT aged.*, {_band('aged.age')} AS age_band FROM aged),"
        # One row an admission (two seldom share a cell and a day: grouping them bought nothing).
        f" cd AS (SELECT one.cell_id, one.day, 1 AS n, {flags} FROM one),"
        f" {_posted(p, presence)},"
        # The ancestry of each cell once, whatever its members: (cell, unit, from, to) where the
        # unit is the cell or above it on every day from `a` to `b` (the walk up clips each step
        # to the versions it passes).
        " cells(cell_id) AS (SELECT cell_id FROM adm UNION SELECT cell_id FROM posted),"
        f" {ancestry(p, vendor)},"
        # Each part is added up on its own (the presence has one column to add, for many more
        # rows), then the two are put together.
        # The composition is kept for the units above the cell only (a cell's own is read from
        # its records): half the rows.
        f" admitted AS (SELECT an.unit_id, {month} AS month,"
        f" {', '.join(f'SUM(c.{x}) AS {x}' for x in segment_cols)},"
        f" {', '.join(f'SUM(CASE WHEN an.depth > 0 THEN c.{x} ELSE 0 END) AS {x}' for x in composition_cols)}"
        " FROM cd c JOIN anc an ON an.cell_id = c.cell_id AND c.day >= an.a AND c.day <= an.b"
        f" GROUP BY an.unit_id, {month}),"
        f" {_present(p)}" + together
    )
