"""The counters' SQL: the admissions of some memberships, rolled up to every unit above their
cells on their decision dates, by month. The same text on SQLite and PostgreSQL but for a few
date and text expressions.

The segment rules here are the rules of `ranks.targets.progress.ADMISSION_METRICS`, written in
SQL so that a first load of the country is counted by the database. The Python statement of
them recounts from the records in `ranks counters verify`, so the two are checked against each
other on every scenario of the test suite.
"""

from __future__ import annotations

OPEN_START = "'0001-01-01'"
# How far up the walks go: a tree is far shallower; the bound stops a loop of parent links that
# a units import writes before it finds and refuses it (`versions_below_themselves`).
MAX_DEPTH = 64
OPEN_END = "'9999-12-31'"
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


def _vendor_parts(vendor: str) -> dict[str, str]:
    if vendor == "postgresql":
        return {
            "month": "CAST(date_trunc('month', {x}) AS date)",
            "year": "CAST(EXTRACT(YEAR FROM {x}) AS integer)",
            "monthday": "to_char({x}, 'MMDD')",
            "fold": "lower(btrim({x}))",
            "greatest": "GREATEST({a}, {b})",
            "least": "LEAST({a}, {b})",
            "day_before": "({x} - 1)",
        }
    return {
        "month": "substr({x}, 1, 8) || '01'",
        "year": "CAST(substr({x}, 1, 4) AS integer)",
        "monthday": "(substr({x}, 6, 2) || substr({x}, 9, 2))",
        "fold": "ranks_fold_value({x})",
        "greatest": "max({a}, {b})",
        "least": "min({a}, {b})",
        "day_before": "date({x}, '-1 day')",
    }


def rollup(ids_sql: str, vendor: str) -> str:
    """SELECT (unit_id, month, admissions, villages, farmers, workers, aged_18_30,
    ethnic_minority, religious, women, members) for the memberships whose ids `ids_sql` selects.

    A membership counts once, in the cell of its posting on the decision date (the lowest cell
    id if two postings start that day), for that cell and each unit above it on that date that
    has a version then: the walk up stops at the first unit with none (as `Tree.chain`).

    A membership is present below a unit from the later of its posting's start and its decision
    to the earlier of the posting's end and the day before it left, on the days the cell and
    each unit up to that one have versions: +1 in the month of the day before it starts, −1 in
    the month of its last day."""
    p = _vendor_parts(vendor)
    born, day = "per.birth_date", "a.day"
    age = (
        f"({p['year'].format(x=day)} - {p['year'].format(x=born)}"
        f" - CASE WHEN {p['monthday'].format(x=day)} < {p['monthday'].format(x=born)}"
        " THEN 1 ELSE 0 END)"
    )
    home = (
        "EXISTS (SELECT 1 FROM org_placeversion_cells pc"
        " JOIN org_placeversion pv ON pv.id = pc.placeversion_id"
        f" WHERE pc.unit_id = a.cell_id AND pv.kind IN ({_quoted(HOME_PLACES)})"
        f" AND {_valid('pv', 'a.day')})"
    )
    ethnicity = p["fold"].format(x="per.ethnicity")
    religion = p["fold"].format(x="per.religion")
    sums = ", ".join(
        f"SUM(CASE WHEN {test} THEN 1 ELSE 0 END) AS {name}"
        for name, test in (
            ("villages", home),
            ("farmers", "per.occupation = 'farmer'"),
            ("workers", "per.occupation = 'worker'"),
            ("aged_18_30", f"{age} <= 30"),
            ("ethnic_minority", f"{ethnicity} NOT IN ({_quoted(MAJORITY_ETHNICITY)})"),
            ("religious", f"{religion} NOT IN ({_quoted(NO_RELIGION)})"),
            ("women", "per.gender = 'female'"),
        )
    )
    cols = "n, villages, farmers, workers, aged_18_30, ethnic_minority, religious, women"
    zeros = ", ".join(["0"] * len(cols.split(", ")))
    month = p["month"].format(x="c.day")
    start = p["month"].format(x=p["day_before"].format(x="s.a"))
    end = p["month"].format(x="s.b")
    greatest, least = p["greatest"], p["least"]
    posting_end = least.format(
        a=f"COALESCE(p.valid_to, {OPEN_END})",
        b=f"COALESCE({p['day_before'].format(x='m.left_date')}, {OPEN_END})",
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
        f" cd AS (SELECT a.cell_id, a.day, COUNT(*) AS n, {sums}"
        " FROM adm a JOIN people_person per ON per.id = a.person_id"
        " GROUP BY a.cell_id, a.day),"
        # Presence: each posting from the decision to the day before leaving.
        " posted(cell_id, a, b) AS ("
        f" SELECT p.cell_id, {greatest.format(a='p.valid_from', b='m.admission_decision_date')},"
        f" {posting_end}"
        " FROM chosen c CROSS JOIN people_membership m"
        " JOIN people_posting p ON p.membership_id = m.id WHERE m.id = c.id),"
        # The ancestry of each cell once, whatever its members: (cell, unit, from, to) where the
        # unit is the cell or above it on every day from `a` to `b` (the walk up clips each step
        # to the versions it passes).
        " cells(cell_id) AS (SELECT cell_id FROM cd UNION SELECT cell_id FROM posted),"
        " anc(cell_id, unit_id, parent_id, a, b, depth) AS ("
        f" SELECT c.cell_id, v.unit_id, v.parent_id, COALESCE(v.valid_from, {OPEN_START}),"
        f" COALESCE(v.valid_to, {OPEN_END}), 0"
        " FROM cells c JOIN org_unitversion v ON v.unit_id = c.cell_id"
        " UNION ALL SELECT u.cell_id, v.unit_id, v.parent_id,"
        f" {greatest.format(a='u.a', b=f'COALESCE(v.valid_from, {OPEN_START})')},"
        f" {least.format(a='u.b', b=f'COALESCE(v.valid_to, {OPEN_END})')}, u.depth + 1"
        " FROM anc u JOIN org_unitversion v ON v.unit_id = u.parent_id"
        f" AND COALESCE(v.valid_from, {OPEN_START}) <= u.b"
        f" AND COALESCE(v.valid_to, {OPEN_END}) >= u.a WHERE u.depth < {MAX_DEPTH}),"
        " stretch(unit_id, a, b) AS ("
        f" SELECT an.unit_id, {greatest.format(a='p.a', b='an.a')},"
        f" {least.format(a='p.b', b='an.b')}"
        " FROM posted p JOIN anc an ON an.cell_id = p.cell_id"
        " AND p.a <= an.b AND p.b >= an.a AND p.a <= p.b),"
        # Each part is added up on its own (the presence has one column to add, for many more
        # rows), then the two are put together.
        f" admitted AS (SELECT an.unit_id, {month} AS month,"
        f" {', '.join(f'SUM(c.{x}) AS {x}' for x in cols.split(', '))}"
        " FROM cd c JOIN anc an ON an.cell_id = c.cell_id AND c.day >= an.a AND c.day <= an.b"
        f" GROUP BY an.unit_id, {month}),"
        " present AS (SELECT y.unit_id, y.month, SUM(y.d) AS members FROM ("
        f" SELECT s.unit_id, {start} AS month, 1 AS d FROM stretch s"
        f" UNION ALL SELECT s.unit_id, {end}, -1 FROM stretch s WHERE s.b < {OPEN_END}"
        ") y GROUP BY y.unit_id, y.month)"
        " SELECT x.unit_id, x.month,"
        " SUM(x.n), SUM(x.villages), SUM(x.farmers), SUM(x.workers), SUM(x.aged_18_30),"
        " SUM(x.ethnic_minority), SUM(x.religious), SUM(x.women), SUM(x.members) FROM ("
        f" SELECT a.unit_id, a.month, {', '.join('a.' + x for x in cols.split(', '))},"
        " 0 AS members FROM admitted a"
        f" UNION ALL SELECT r.unit_id, r.month, {zeros}, r.members FROM present r"
        ") x GROUP BY x.unit_id, x.month"
    )
