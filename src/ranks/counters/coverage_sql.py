"""The coverage counters' SQL: what some places add to the coverage of every unit above them,
by day. The same text on SQLite and PostgreSQL but for a few date and JSON expressions.

The rules are those of `ranks.coverage.recount.Records`, which recounts them in Python for
`ranks counters verify`:

- a place is below a unit on a day when its version that day belongs to the unit or to a unit
  below it, every unit on the way up having a version that day;
- it has a member when a party member (from the admission decision to the day before leaving)
  lives or works there that day, by the person's places;
- it has a cell when a cell linked to its version that day has a version then;
- its area flags below a unit are its own and those of each unit from its owner up to that one.

Each is a set of periods; the counters hold +1 on the first day of each period and −1 on the
day after its last, by unit, summed by kind of place and by flag.
"""

from __future__ import annotations

from ranks.counters.models import COVERAGE_COLUMNS
from ranks.counters.sql import MAX_DEPTH, OPEN_END, OPEN_START
from ranks.org.models import PlaceKind
from ranks.org.sql import versions_of
from ranks.org.tree import AREA_FLAGS


def _parts(vendor: str) -> dict[str, str]:
    if vendor == "postgresql":
        return {
            "greatest": "GREATEST({a}, {b})",
            "least": "LEAST({a}, {b})",
            "day_before": "({x} - 1)",
            "day_after": "({x} + 1)",
            "has_flag": "(CAST({x} AS text) LIKE '%%\"{flag}\"%%')",
        }
    return {
        "greatest": "max({a}, {b})",
        "least": "min({a}, {b})",
        "day_before": "date({x}, '-1 day')",
        "day_after": "date({x}, '+1 day')",
        "has_flag": "({x} LIKE '%%\"{flag}\"%%')",
    }


def _bits(p: dict[str, str], column: str) -> str:
    """The area flags of a JSON list as bits, in the order of `AREA_FLAGS`."""
    return (
        "("
        + " + ".join(
            f"CASE WHEN {p['has_flag'].format(x=column, flag=flag)} THEN {1 << i} ELSE 0 END"
            for i, flag in enumerate(AREA_FLAGS)
        )
        + ")"
    )


def _merged(name: str, source: str, key: str, p: dict[str, str]) -> str:
    """CTEs `{name}_o`, `{name}_g` and `{name}`: the periods of `source` (key, a, b) merged where
    they overlap or touch, so that each day is in at most one period of a key."""
    before = p["day_before"].format(x="a")
    return (
        f" {name}_o AS (SELECT {key}, a, b, MAX(b) OVER (PARTITION BY {key} ORDER BY a, b"
        f" ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach FROM {source}"
        " WHERE a <= b),"
        f" {name}_g AS (SELECT {key}, a, b, SUM(CASE WHEN reach IS NULL OR reach < {before}"
        f" THEN 1 ELSE 0 END) OVER (PARTITION BY {key} ORDER BY a, b ROWS UNBOUNDED PRECEDING)"
        f" AS island FROM {name}_o),"
        f" {name}({key}, a, b) AS (SELECT {key}, MIN(a), MAX(b) FROM {name}_g"
        f" GROUP BY {key}, island),"
    )


def rollup(ids_sql: str, vendor: str, members_only: bool = False) -> str:
    """SELECT (unit_id, day, *`COVERAGE_COLUMNS`) for the places whose ids `ids_sql` selects.
    With `members_only`, the periods with a member alone, the other columns left at zero: what
    a change of people and memberships can move, which moves neither places nor cells."""
    p = _parts(vendor)
    greatest, least = p["greatest"], p["least"]
    start = f"COALESCE({{a}}.valid_from, {OPEN_START})"
    end = f"COALESCE({{a}}.valid_to, {OPEN_END})"
    left = f"COALESCE({p['day_before'].format(x='m.left_date')}, {OPEN_END})"
    sums = []
    for group in ("all", *PlaceKind.values, *AREA_FLAGS):
        if group == "all":
            test = None
        elif group in PlaceKind.values:
            test = f"e.kind = '{group}'"
        else:
            test = f"(e.bits & {1 << AREA_FLAGS.index(group)}) <> 0"
        for measure in ("places", "members", "cell"):
            value = f"e.d_{measure}"
            sums.append(
                f"SUM(CASE WHEN {test} THEN {value} ELSE 0 END)" if test else f"SUM({value})"
            )
    assert len(sums) == len(COVERAGE_COLUMNS)
    after = p["day_after"]
    places = (
        ""
        if members_only
        else " SELECT s.unit_id, s.kind, s.bits, 'places', s.a, s.b FROM span s UNION ALL"
    )
    cells = (
        ""
        if members_only
        else (
            f" UNION ALL SELECT s.unit_id, s.kind, s.bits, 'cell',"
            f" {greatest.format(a='s.a', b='c.a')}, {least.format(a='s.b', b='c.b')}"
            " FROM span s JOIN based_m c ON c.pv_id = s.pv_id AND c.a <= s.b AND c.b >= s.a"
        )
    )
    return (
        f"WITH RECURSIVE chosen(id) AS ({ids_sql}),"
        # The versions of the places, with their own flags as bits.
        " pv(id, place_id, owner, kind, bits, a, b) AS ("
        f" SELECT v.id, v.place_id, v.unit_id, v.kind, {_bits(p, 'v.area_flags')},"
        f" {start.format(a='v')}, {end.format(a='v')}"
        " FROM chosen c CROSS JOIN org_placeversion v WHERE v.place_id = c.id),"
        # Below which units each version is, when, and with which flags: the walk up from its
        # owner, clipped to the versions it passes, adding their flags.
        " win(pv_id, unit_id, parent_id, a, b, bits, depth) AS ("
        f" SELECT pv.id, u.unit_id, u.parent_id, {greatest.format(a='pv.a', b=start.format(a='u'))},"
        f" {least.format(a='pv.b', b=end.format(a='u'))}, pv.bits | {_bits(p, 'u.area_flags')}, 0"
        " FROM pv JOIN org_unitversion u ON u.unit_id = pv.owner"
        f" AND {start.format(a='u')} <= pv.b AND {end.format(a='u')} >= pv.a"
        " UNION ALL"
        f" SELECT w.pv_id, u.unit_id, u.parent_id, {greatest.format(a='w.a', b=start.format(a='u'))},"
        f" {least.format(a='w.b', b=end.format(a='u'))}, w.bits | {_bits(p, 'u.area_flags')},"
        " w.depth + 1"
        f" FROM win w {versions_of('w.parent_id', 'u', vendor)}"
        f" WHERE {start.format(a='u')} <= w.b AND {end.format(a='u')} >= w.a"
        f" AND w.depth < {MAX_DEPTH}),"
        # When a member lived or worked at each place.
        " lived(place_id, a, b) AS ("
        f" SELECT pp.place_id, {greatest.format(a=start.format(a='pp'), b='m.admission_decision_date')},"
        f" {least.format(a=end.format(a='pp'), b=left)}"
        " FROM chosen c CROSS JOIN people_personplace pp"
        " JOIN people_membership m ON m.person_id = pp.person_id WHERE pp.place_id = c.id),"
        + _merged("lived_m", "lived", "place_id", p)
        # When a cell linked to each version existed.
        + " based(pv_id, a, b) AS ("
        f" SELECT pv.id, {greatest.format(a='pv.a', b=start.format(a='u'))},"
        f" {least.format(a='pv.b', b=end.format(a='u'))}"
        " FROM pv JOIN org_placeversion_cells pc ON pc.placeversion_id = pv.id"
        " JOIN org_unitversion u ON u.unit_id = pc.unit_id),"
        + _merged("based_m", "based", "pv_id", p)
        # Each period below a unit, and within it each period with a member or with a cell.
        + " span(unit_id, kind, bits, place_id, pv_id, a, b) AS ("
        " SELECT w.unit_id, pv.kind, w.bits, pv.place_id, pv.id, w.a, w.b"
        " FROM win w JOIN pv ON pv.id = w.pv_id WHERE w.a <= w.b),"
        " part(unit_id, kind, bits, measure, a, b) AS ("
        f"{places}"
        " SELECT s.unit_id, s.kind, s.bits, 'members',"
        f" {greatest.format(a='s.a', b='l.a')}, {least.format(a='s.b', b='l.b')}"
        " FROM span s JOIN lived_m l ON l.place_id = s.place_id AND l.a <= s.b AND l.b >= s.a"
        f"{cells}),"
        " e(unit_id, day, kind, bits, d_places, d_members, d_cell) AS ("
        " SELECT unit_id, a, kind, bits, CASE WHEN measure = 'places' THEN 1 ELSE 0 END,"
        " CASE WHEN measure = 'members' THEN 1 ELSE 0 END,"
        " CASE WHEN measure = 'cell' THEN 1 ELSE 0 END FROM part"
        f" UNION ALL SELECT unit_id, {after.format(x='b')}, kind, bits,"
        " CASE WHEN measure = 'places' THEN -1 ELSE 0 END,"
        " CASE WHEN measure = 'members' THEN -1 ELSE 0 END,"
        f" CASE WHEN measure = 'cell' THEN -1 ELSE 0 END FROM part WHERE b < {OPEN_END})"
        f" SELECT e.unit_id AS unit_id, e.day AS day,"
        f" {', '.join(f'{x} AS {c}' for x, c in zip(sums, COVERAGE_COLUMNS, strict=True))} FROM e"
        " GROUP BY e.unit_id, e.day"
    )
