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
    carried = ", ".join(f"u.{c}" for c in cols.split(", "))
    zeros = ", ".join(["0"] * len(cols.split(", ")))
    month = p["month"].format(x="u.day")
    start = p["month"].format(x=p["day_before"].format(x="u.a"))
    end = p["month"].format(x="u.b")

    def clipped(alias: str, source: str) -> str:
        a = p["greatest"].format(a=f"{source}.a", b=f"COALESCE({alias}.valid_from, {OPEN_START})")
        b = p["least"].format(a=f"{source}.b", b=f"COALESCE({alias}.valid_to, {OPEN_END})")
        return f"{a}, {b}"

    def overlapping(alias: str, source: str) -> str:
        return (
            f"COALESCE({alias}.valid_from, {OPEN_START}) <= {source}.b"
            f" AND COALESCE({alias}.valid_to, {OPEN_END}) >= {source}.a"
        )

    posting_end = p["least"].format(
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
        f" up(unit_id, parent_id, day, depth, {cols}) AS ("
        f" SELECT v.unit_id, v.parent_id, c.day, 0, {', '.join('c.' + x for x in cols.split(', '))}"
        f" FROM cd c JOIN org_unitversion v ON v.unit_id = c.cell_id AND {_valid('v', 'c.day')}"
        f" UNION ALL SELECT v.unit_id, v.parent_id, u.day, u.depth + 1, {carried}"
        f" FROM up u JOIN org_unitversion v ON v.unit_id = u.parent_id AND {_valid('v', 'u.day')}"
        f" WHERE u.depth < {MAX_DEPTH}),"
        # Presence: each posting from the decision to the day before leaving, clipped to the
        # versions of the cell and of each unit above it.
        " posted(cell_id, a, b) AS ("
        f" SELECT p.cell_id, {p['greatest'].format(a='p.valid_from', b='m.admission_decision_date')},"
        f" {posting_end}"
        " FROM chosen c CROSS JOIN people_membership m"
        " JOIN people_posting p ON p.membership_id = m.id WHERE m.id = c.id),"
        " present(unit_id, parent_id, a, b, depth) AS ("
        f" SELECT v.unit_id, v.parent_id, {clipped('v', 'c')}, 0"
        " FROM posted c JOIN org_unitversion v ON v.unit_id = c.cell_id"
        f" AND c.a <= c.b AND {overlapping('v', 'c')}"
        f" UNION ALL SELECT v.unit_id, v.parent_id, {clipped('v', 'u')}, u.depth + 1"
        f" FROM present u JOIN org_unitversion v ON v.unit_id = u.parent_id"
        f" AND {overlapping('v', 'u')} WHERE u.depth < {MAX_DEPTH})"
        " SELECT x.unit_id, x.month,"
        " SUM(x.n), SUM(x.villages), SUM(x.farmers), SUM(x.workers), SUM(x.aged_18_30),"
        " SUM(x.ethnic_minority), SUM(x.religious), SUM(x.women), SUM(x.members) FROM ("
        f" SELECT u.unit_id, {month} AS month, {carried}, 0 AS members FROM up u"
        f" UNION ALL SELECT u.unit_id, {start}, {zeros}, 1 FROM present u"
        f" UNION ALL SELECT u.unit_id, {end}, {zeros}, -1 FROM present u"
        f" WHERE u.b < {OPEN_END}"
        ") x GROUP BY x.unit_id, x.month"
    )
