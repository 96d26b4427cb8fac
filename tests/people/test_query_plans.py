"""On PostgreSQL, searches and subtree queries read indexes, not whole national tables.

The module fills a province of 150,000 members once (one `INSERT … SELECT` a table, then
`ANALYZE`) so that the planner's choice is a real one; each test runs the code under test and
asks PostgreSQL for the plan of every query it sent (`EXPLAIN (FORMAT JSON)`). The planner is left alone: no
`enable_seqscan = off`. SQLite has no such plans; there the tests are skipped (and the
PostgreSQL pass of `make test` runs them; under CI=true it must reach PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ranks.access.models import Grant
from ranks.access.scope import Scope, scope_for
from ranks.core.actor import Actor
from ranks.counters import services as counters
from ranks.counters.rollup import counts_of
from ranks.counters.selectors import admissions_by_month
from ranks.org.kinds import ensure_unit_kinds
from ranks.org.models import Unit, UnitKind
from ranks.people.models import Person, Posting
from ranks.people.selectors import member_counts_on, person_search
from ranks.pipeline.due import due_list
from ranks.targets.progress import admissions_between

pytestmark = [
    pytest.mark.django_db,
    # The tests only read the large province; a recount of its 150,000 members after each
    # would cost more than the tests. Its counters are made as a first load makes them.
    pytest.mark.counters_unchecked,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="query plans are PostgreSQL's (EXPLAIN)"
    ),
]

BASE = 50_000_000  # ids far above anything the other tests make
COMMUNES = 40
CELLS_PER_COMMUNE = 50
PEOPLE = 150_000
CELLS = COMMUNES * CELLS_PER_COMMUNE
ROOT, FIRST_COMMUNE, FIRST_CELL = BASE, BASE + 1, BASE + 1 + COMMUNES
TRIGRAM_INDEX = "people_person_search_trgm"
CODE_POINT_INDEX = "people_person_search_c"
LARGE = {
    "people_person",
    "people_posting",
    "people_membership",
    "pipeline_candidate",
    "counters_admissioncount",
}

FAMILIES = "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly".split()
MIDDLES = "van thi duc huu minh ngoc thanh quang".split()
GIVENS = (
    "an anh binh chi cuong dung giang ha hai hanh hieu hoa hung huong khanh khoa lan linh long"
    " mai nam nga nhung phong phuc quan quynh son tam thao thu trang trung tuan tung uyen viet"
    " vinh xuan yen"
).split()


def _array(words: list[str]) -> str:
    return "ARRAY[" + ", ".join(f"'{w}'" for w in words) + "]"


@pytest.fixture(scope="module")
def filled(django_db_setup, django_db_blocker):
    """The province, filled once for the module's tests and rolled back after the last one; each
    test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        fill()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def province(filled, db) -> Unit:
    return Unit.objects.get(pk=ROOT)


def fill() -> None:
    """A province of 40 communes of 50 cells; 150,000 members, one in three also a candidate."""
    ensure_unit_kinds(UnitKind)
    kinds = dict(UnitKind.objects.values_list("key", "pk"))
    name = (
        f"({_array(FAMILIES)})[1 + g % {len(FAMILIES)}] || ' ' ||"
        f" ({_array(MIDDLES)})[1 + (g / {len(FAMILIES)}) % {len(MIDDLES)}] || ' ' ||"
        f" ({_array(GIVENS)})[1 + (g / {len(FAMILIES) * len(MIDDLES)}) % {len(GIVENS)}]"
    )
    cell = f"{FIRST_CELL} + g % {CELLS}"
    admitted = "date '1980-01-01' + (g * 7919) % 16000"
    statements = [
        f"INSERT INTO org_unit (id, code) SELECT {BASE} + u, 'QP-' || u"
        f" FROM generate_series(0, {COMMUNES + CELLS}) u",
        "INSERT INTO org_unitversion (unit_id, name, kind_id, parent_id, valid_from, valid_to,"
        " can_admit, area_flags, admin_code)"
        f" SELECT {BASE} + u, 'QP ' || u,"
        f" CASE WHEN u = 0 THEN {kinds['provincial_committee']}"
        f" WHEN u <= {COMMUNES} THEN {kinds['commune_committee']} ELSE {kinds['cell']} END,"
        f" CASE WHEN u = 0 THEN NULL WHEN u <= {COMMUNES} THEN {ROOT}"
        f" ELSE {FIRST_COMMUNE} + (u - {COMMUNES + 1}) / {CELLS_PER_COMMUNE} END,"
        " date '1975-01-01', NULL, u <= 40, '[]', ''"
        f" FROM generate_series(0, {COMMUNES + CELLS}) u",
        "INSERT INTO people_person (id, person_id, full_name, search_name, birth_date, gender,"
        " ethnicity, religion, education_general, education_professional, occupation,"
        " youth_union, national_id, phone)"
        f" SELECT {BASE} + g, 'QP-' || g, n, n, date '1950-01-01' + g % 15000, '', '', '', '',"
        f" '', '', false, '', '' FROM (SELECT g, {name} AS n"
        f" FROM generate_series(0, {PEOPLE - 1}) g) s",
        "INSERT INTO people_membership (id, person_id, admission_decision_date,"
        " admission_decision_no, official_date, left_reason)"
        f" SELECT {BASE} + g, {BASE} + g, {admitted}, '', {admitted} + 365, ''"
        f" FROM generate_series(0, {PEOPLE - 1}) g",
        "INSERT INTO people_posting (id, membership_id, person_id, cell_id, valid_from)"
        f" SELECT {BASE} + g, {BASE} + g, {BASE} + g, {cell}, {admitted}"
        f" FROM generate_series(0, {PEOPLE - 1}) g",
        "INSERT INTO pipeline_candidate (id, person_id, cell_id, added_on, source_group, note)"
        f" SELECT {BASE} + g, {BASE} + g, {cell}, date '2024-01-01' + g % 700, 'youth_union', ''"
        f" FROM generate_series(0, {PEOPLE - 1}, 3) g",
        "ANALYZE org_unit, org_unitversion, people_person, people_membership, people_posting,"
        " pipeline_candidate",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        # Run the queued foreign-key checks once now: each test's teardown would run them again
        # (Django checks constraints before rolling its savepoint back, and the queue survives).
        counters.add_new("SELECT id FROM people_membership WHERE id >= %s", [BASE])
        cursor.execute("ANALYZE counters_admissioncount")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def commune() -> Unit:
    return Unit.objects.get(pk=FIRST_COMMUNE + 7)


def plans(queries: CaptureQueriesContext) -> list[tuple[str, list[dict]]]:
    """(SQL, its plan's nodes) for every query captured."""
    found = []
    with connection.cursor() as cursor:
        for query in queries.captured_queries:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {query['sql']}")
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            found.append((query["sql"], list(_nodes(plan[0]["Plan"]))))
    return found


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def assert_no_scan_of_large_tables(queries: CaptureQueriesContext) -> list[dict]:
    """Fail on a sequential scan of a national table; return every node of every plan."""
    every = []
    for text, nodes in plans(queries):
        scanned = {n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"}
        assert not scanned & LARGE, f"sequential scan of {scanned & LARGE} in:\n{text}"
        every += nodes
    return every


def reads_by_index(nodes: list[dict], table: str) -> bool:
    kinds = {"Index Scan", "Index Only Scan", "Bitmap Heap Scan"}
    return any(n["Node Type"] in kinds and n.get("Relation Name") == table for n in nodes)


def test_name_search_reads_the_trigram_index(province):
    with CaptureQueriesContext(connection) as queries:
        found = person_search(Person.objects.all(), "do huu khoa")
    assert found and all(p.search_name.startswith("do huu khoa") for p in found)
    nodes = assert_no_scan_of_large_tables(queries)
    assert any(
        n["Node Type"] == "Bitmap Index Scan" and n["Index Name"] == TRIGRAM_INDEX for n in nodes
    )


def test_a_commune_officers_search_stays_in_the_commune(province):
    user = get_user_model().objects.create(username="plan-officer")
    Grant.objects.create(user=user, unit=commune(), role="officer")
    scope = scope_for(Actor.for_user(user))
    with CaptureQueriesContext(connection) as queries:
        found = person_search(scope.people(Person.objects.all()), "tran thi")
    in_commune = {FIRST_CELL + 7 * CELLS_PER_COMMUNE + k for k in range(CELLS_PER_COMMUNE)}
    assert found and all(p.postings.get().cell_id in in_commune for p in found)
    assert len(queries.captured_queries) == 1
    nodes = assert_no_scan_of_large_tables(queries)
    assert reads_by_index(nodes, "people_posting")
    # The scope's people are read first, not the names of the country in order.
    assert not any(n.get("Index Name") == CODE_POINT_INDEX for n in nodes)


def test_a_communes_members_on_a_date_are_read_through_the_postings_index(province):
    with CaptureQueriesContext(connection) as queries:
        counts = member_counts_on(commune().pk, dt.date(2025, 1, 1))
    assert counts["total"] == PEOPLE // CELLS * CELLS_PER_COMMUNE
    nodes = assert_no_scan_of_large_tables(queries)
    assert reads_by_index(nodes, "people_posting")
    assert reads_by_index(nodes, "people_membership")


def test_a_communes_candidates_are_read_through_the_candidates_index(province):
    with CaptureQueriesContext(connection) as queries:
        due_list(scope=Scope(full=True), unit=commune(), on=dt.date(2025, 6, 1))
    nodes = assert_no_scan_of_large_tables(queries)
    assert reads_by_index(nodes, "pipeline_candidate")


def test_a_communes_admissions_are_read_through_the_postings_index(province):
    with CaptureQueriesContext(connection) as queries:
        found = admissions_between([commune().pk], dt.date(2020, 1, 1), dt.date(2024, 12, 31))
    assert found
    nodes = assert_no_scan_of_large_tables(queries)
    assert reads_by_index(nodes, "people_posting")


def test_a_communes_counters_are_read_through_their_index(province):
    with CaptureQueriesContext(connection) as queries:
        found = admissions_by_month([commune().pk], dt.date(2020, 1, 1), dt.date(2024, 12, 31))
    assert len(found[commune().pk]) > 12  # a month of each admission
    nodes = assert_no_scan_of_large_tables(queries)
    assert reads_by_index(nodes, "counters_admissioncount")


def test_the_counters_walk_up_looks_up_each_units_versions_by_index(province):
    """The counters of a change walk up from its cells to the root. Each step of the walk looks
    up the versions of the units it reached through the index on the unit: a plain join had
    PostgreSQL hash every version of the country once a statement, however few cells a change
    touched (0.2 s a statement at 425,000 versions)."""
    cells = [FIRST_CELL + 7 * CELLS_PER_COMMUNE + k for k in range(CELLS_PER_COMMUNE)]
    postings = Posting.objects.filter(cell_id__in=cells)
    ids = list(postings.values_list("membership_id", flat=True))
    with CaptureQueriesContext(connection) as queries:
        found = counts_of(ids)
    # Each admission counts for its cell, its commune and the province.
    assert sum(values[0] for values in found.values()) == 3 * len(ids)
    walks = [
        node["Plans"][1]
        for _text, nodes in plans(queries)
        for node in nodes
        if node["Node Type"] == "Recursive Union"
    ]
    assert walks
    for walk in walks:
        steps = list(_nodes(walk))
        assert not any(
            n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "org_unitversion"
            for n in steps
        )
        assert reads_by_index(steps, "org_unitversion")


def test_a_full_name_is_read_as_one_range_of_names_in_order(province):
    """The names that begin with a full name sit together in the index of names in code point
    order: 50 of them are read in order, with no look-up of every match of each word."""
    with CaptureQueriesContext(connection) as queries:
        found = person_search(Person.objects.all(), "nguyen van an")
    names = [p.search_name for p in found]
    assert len(names) == 50 and all(n.startswith("nguyen van an") for n in names)
    assert names == sorted(names)
    assert len(queries.captured_queries) == 1
    nodes = assert_no_scan_of_large_tables(queries)
    assert any(n.get("Index Name") == CODE_POINT_INDEX for n in nodes)
    assert not any(n.get("Index Name") == TRIGRAM_INDEX for n in nodes)


def test_a_communes_register_page_reads_its_cells_postings_by_index(province):
    from ranks.people.selectors import RegisterFilters, members_register

    day = dt.date(2025, 1, 1)
    with CaptureQueriesContext(connection) as queries:
        register = members_register(
            scope=Scope(full=True),
            unit=commune(),
            day=day,
            filters=RegisterFilters(),
            page_number=3,
        )
    assert not register.counted  # a commune's few thousand: read from the records
    assert register.total == PEOPLE // CELLS * CELLS_PER_COMMUNE and len(register.rows) == 50
    nodes = assert_no_scan_of_large_tables(queries)
    assert reads_by_index(nodes, "people_posting")


def test_a_provinces_register_page_reads_only_the_cells_it_falls_in(province):
    """150,000 members: the total and the cells of a page come from the counters; the page's
    rows from the postings of the one or two cells it falls in."""
    from ranks.people.selectors import RegisterFilters, members_register

    day = dt.date(2025, 1, 1)
    province_unit = Unit.objects.get(pk=ROOT)
    with CaptureQueriesContext(connection) as queries:
        register = members_register(
            scope=Scope(full=True),
            unit=province_unit,
            day=day,
            filters=RegisterFilters(),
            page_number=1000,
        )
    assert register.counted and register.total == PEOPLE
    assert len(register.rows) == 50
    assert len({row.cell.unit_id for row in register.rows}) <= 2
    nodes = assert_no_scan_of_large_tables(queries)
    assert reads_by_index(nodes, "people_posting")
    page_query = [
        (text, nodes)
        for text, nodes in plans(queries)
        if "LIMIT" in text and "people_posting" in text
    ]
    assert page_query
    for _text, rows_nodes in page_query:
        scanned = [n for n in rows_nodes if n.get("Relation Name") == "people_posting"]
        assert all(n["Plan Rows"] < 5_000 for n in scanned)


def test_a_person_is_found_by_identifier_through_its_index(province):
    from ranks.people.selectors import people_matching

    with CaptureQueriesContext(connection) as queries:
        found = people_matching(scope=Scope(full=True), query="qp-777")
    assert found[0].person_id == "QP-777"
    assert_no_scan_of_large_tables(queries)


def test_those_working_away_are_read_from_the_absences_not_the_members(province):
    """`ranks report away` and its page: the absences open on the day, joined to the postings by
    index; the province's 150,000 postings are not scanned, at the province or in a commune."""
    from ranks.coverage.away import away_on

    with connection.cursor() as cursor:
        # One member in 500 away since 2025, a tenth of them back by March 2026.
        cursor.execute(
            'INSERT INTO people_absence (person_id, cell_id, where_kind, "where", started_on,'
            " ended_on, contact, note)"
            f" SELECT {BASE} + g, {FIRST_CELL} + g % {CELLS}, 'province', 'Bình Dương',"
            " date '2025-01-01' + g % 300,"
            " CASE WHEN g % 5000 = 0 THEN date '2026-03-01' ELSE NULL END, '', ''"
            f" FROM generate_series(0, {PEOPLE - 1}, 500) g"
        )
        cursor.execute("ANALYZE people_absence")
    day = dt.date(2026, 6, 1)
    for unit, expected in ((province, PEOPLE // 500 - PEOPLE // 5000), (commune(), None)):
        with CaptureQueriesContext(connection) as queries:
            found = away_on(unit, day)
        if expected is not None:
            assert found.members == expected
            assert sum(c.members for c in found.counts) == expected
            assert len(found.counts) == COMMUNES
        assert len(queries.captured_queries) <= 6
        nodes = assert_no_scan_of_large_tables(queries)
        assert reads_by_index(nodes, "people_posting")
