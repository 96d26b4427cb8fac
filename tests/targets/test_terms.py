"""Targets for a congress term: set (service, page), audited; progress over the term from the
counters, restated across the 2025 reform (a commune formed by a merger counts what its cells
admitted before it); the yearly targets checked against it; shown on the dashboard, in the
progress report's JSON and the API; 404 outside one's units."""

import datetime as dt
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from openpyxl import load_workbook

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.org.models import Unit
from ranks.targets.models import TermTarget
from ranks.targets.services import target_set, term_target_set
from ranks.targets.termcheck import term_years, yearly_check
from ranks.targets.terms import term_count, term_progress
from tests.targets.test_progress import admit_many

D = dt.date
START, END = D(2020, 1, 1), D(2025, 12, 31)
# Admissions in the two cells of commune C1, which the 2025 reform moved to the new commune N1
# (C1 closed on 30 June 2025, N1 opened on 1 July). Dung (the shared world) was admitted in C1-B
# on 2025-01-10.
C1_A = [D(2021, 3, 1)] * 2 + [D(2024, 11, 1)] * 3 + [D(2025, 3, 1)] + [D(2025, 9, 1)] * 4
LATER = [D(2026, 2, 1)]  # after the term
DUNG = D(2025, 1, 10)
YEARLY = {2021: 3, 2022: 3, 2023: 3, 2024: 3, 2025: 3}  # 2020 has none
TERM = 20


def unit(code):
    return Unit.objects.get(code=code)


def admitted(first: dt.date, last: dt.date) -> int:
    """What the records say: C1-A's and Dung's admissions from `first` to `last`."""
    days = [*C1_A, *LATER, DUNG]
    return sum(1 for d in days if first <= d <= last)


@pytest.fixture
def term(world):
    admit_many("C1-A", C1_A + LATER, prefix="T")
    admit_many("C2-A", [D(2023, 5, 1)] * 5, prefix="T2")  # another commune: never counted
    for year, value in YEARLY.items():
        target_set(actor=SYSTEM, unit_code="N1", year=year, metric="admissions", value=value)
    return term_target_set(
        actor=SYSTEM, unit_code="N1", starts_on=START, ends_on=END, metric="admissions",
        value=TERM, reason="Nghị quyết Đại hội 2020",
    )  # fmt: skip


def report(*args: str) -> dict:
    out = io.StringIO()
    call_command("report", *args, "--format", "json", "--lang", "en", stdout=out)
    return json.loads(out.getvalue())


def signed_in(client, username, language="en"):
    client.force_login(get_user_model().objects.get(username=username))
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


# --- the pure part -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "starts_on, ends_on, years",
    [
        (D(2020, 1, 1), D(2025, 12, 31), (2020, 2021, 2022, 2023, 2024, 2025)),
        (D(2020, 10, 15), D(2025, 9, 30), (2021, 2022, 2023, 2024, 2025)),
        (D(2025, 10, 1), D(2030, 9, 30), (2026, 2027, 2028, 2029, 2030)),
    ],
)
def test_the_years_of_a_term(starts_on, ends_on, years):
    assert term_years(starts_on, ends_on) == years


def test_the_yearly_targets_against_the_term():
    check = yearly_check(20, (2020, 2021, 2022), {2021: 5, 2022: 6})
    assert (check.total, check.missing, check.short, check.falls_short) == (11, (2020,), 9, True)
    assert yearly_check(10, (2021,), {2021: 12}).short == 0


# --- progress over the term ------------------------------------------------------------------


def test_a_term_over_the_2025_reform_counts_both_sources(term):
    (t,) = term_progress(unit=unit("N1"), on=D(2026, 6, 30), holding=False)
    # Counted to the term's last day, in the tree of that day: every admission of C1-A and C1-B
    # in the term, those made under C1 before the merger included.
    assert (t.through, t.structure_on, t.target) == (END, END, TERM)
    assert t.actual == admitted(START, END)
    # As it was, N1 counts only what was decided after it opened.
    as_it_was = term_count(unit("N1"), "admissions", START, END, None)
    assert as_it_was == admitted(D(2025, 7, 1), END) < t.actual


def test_the_term_on_any_date(term):
    # Before N1 opened: its cells' admissions so far, in its first tree.
    (t,) = term_progress(unit=unit("N1"), on=D(2024, 12, 31))
    assert (t.structure_on, t.actual) == (D(2025, 7, 1), admitted(START, D(2024, 12, 31)))
    # A day in the middle of a month counts the days up to it.
    (t,) = term_progress(unit=unit("N1"), on=D(2025, 3, 1))
    assert t.actual == admitted(START, D(2025, 3, 1))
    assert term_progress(unit=unit("N1"), on=D(2019, 12, 31)) == ()


def test_a_term_beginning_in_the_middle_of_a_month(term):
    start = D(2021, 3, 2)
    term_target_set(
        actor=SYSTEM, unit_code="C1-A", starts_on=start, ends_on=END, metric="admissions",
        value=5,
    )  # fmt: skip
    (t,) = term_progress(unit=unit("C1-A"), on=END)
    assert t.actual == admitted(start, END) - (DUNG >= start)  # Dung is C1-B's


def test_a_dissolved_district_ends_its_term_with_it(term):
    term_target_set(
        actor=SYSTEM, unit_code="D1", starts_on=START, ends_on=END, metric="admissions", value=9
    )
    (t,) = term_progress(unit=unit("D1"), on=END, holding=False)
    last = D(2025, 6, 30)
    assert (t.through, t.structure_on, t.actual) == (last, last, admitted(START, last))


def test_the_yearly_targets_fall_short_of_the_term(term):
    (t,) = term_progress(unit=unit("N1"), on=END)
    assert (t.years, t.yearly_total) == (tuple(range(2020, 2026)), sum(YEARLY.values()))
    assert (t.yearly_missing, t.yearly_short) == ((2020,), TERM - sum(YEARLY.values()))


# --- setting one -------------------------------------------------------------------------------


def test_setting_and_changing_a_term_is_audited_with_its_revisions(term):
    term_target_set(
        actor=SYSTEM, unit_code="N1", starts_on=START, ends_on=END, metric="admissions",
        value=25, reason="Điều chỉnh",
    )  # fmt: skip
    stored = TermTarget.objects.get(unit__code="N1")
    assert [(r.old_value, r.new_value) for r in stored.revisions.all()] == [(None, 20), (20, 25)]
    entries = AuditEntry.objects.filter(action="ranks.targets.term.set").order_by("id")
    assert [e.after["value"] for e in entries] == [20, 25]
    assert entries.last().before == {"value": 20, "ends_on": "2025-12-31"}


@pytest.mark.parametrize(
    "starts_on, ends_on, metric, value, field",
    [
        (D(2025, 1, 1), D(2024, 1, 1), "admissions", 5, "ends_on"),
        (D(2020, 1, 1), D(2035, 1, 1), "admissions", 5, "ends_on"),
        (D(2020, 1, 1), D(2025, 1, 1), "places_with_cell", 5, "metric"),
        (D(2020, 1, 1), D(2025, 1, 1), "admissions", -1, "value"),
        (D(2025, 7, 1), D(2030, 6, 30), "admissions", 5, "starts_on"),  # overlaps 2020–2025
    ],
)
def test_bad_terms_are_refused_and_change_nothing(term, starts_on, ends_on, metric, value, field):
    with pytest.raises(DomainError) as refused:
        term_target_set(
            actor=SYSTEM, unit_code="N1", starts_on=starts_on, ends_on=ends_on, metric=metric,
            value=value,
        )  # fmt: skip
    assert refused.value.field == field
    assert TermTarget.objects.count() == 1


# --- pages, report, API, access ----------------------------------------------------------------


def test_the_dashboard_shows_the_term_and_its_check(term, client):
    page = signed_in(client, "alice").get("/units/N1/dashboard/?on=2025-12-31").content.decode()
    assert f"Term 2020–2025: {admitted(START, END)} of {TERM}" in page
    short = TERM - sum(YEARLY.values())
    assert (
        f"The yearly targets of 2020–2025 add up to {sum(YEARLY.values())}: {short} short of the "
        f"term's {TERM}."
    ) in page
    assert "No yearly target for 2020." in page


def test_the_dashboard_speaks_vietnamese(term, client):
    page = signed_in(client, "alice", "vi").get("/units/N1/dashboard/?on=2025-12-31")
    assert f"Nhiệm kỳ 2020–2025: {admitted(START, END)}/{TERM}" in page.content.decode()


def test_a_changed_term_target_shows_on_the_kept_dashboard(term, client):
    client = signed_in(client, "alice")
    assert f"of {TERM}" in client.get("/units/N1/dashboard/?on=2025-12-31").content.decode()
    term_target_set(
        actor=SYSTEM, unit_code="N1", starts_on=START, ends_on=END, metric="admissions", value=30
    )
    assert "of 30" in client.get("/units/N1/dashboard/?on=2025-12-31").content.decode()


def test_the_progress_report_and_the_api_carry_the_term(term, client, tmp_path):
    data = report("progress", "--unit", "N1", "--on", "2025-12-31")
    (t,) = data["terms"]
    assert (t["term"], t["target"], t["actual"], t["structure_on"]) == (
        "2020–2025", TERM, admitted(START, END), "2025-12-31"
    )  # fmt: skip
    assert (t["yearly_total"], t["yearly_missing"]) == (sum(YEARLY.values()), [2020])
    # The report's notes say it as the dashboard does (CSV, Excel and PDF carry them).
    out = io.StringIO()
    call_command(
        "report", "progress", "--unit", "N1", "--on", "2025-12-31", "--format", "xlsx",
        "--lang", "en", "--output", str(tmp_path / "p.xlsx"), stdout=out,
    )  # fmt: skip
    cells = [
        str(c.value) for row in load_workbook(tmp_path / "p.xlsx").active.iter_rows() for c in row
    ]
    line = (
        f"Term 2020–2025: {admitted(START, END)} of {TERM}, counted from 01/01/2020 to 31/12/2025."
    )
    assert any(c.startswith(line) for c in cells)
    api = signed_in(client, "alice").get("/api/v1/units/N1/figures/progress/?on=2025-12-31")
    assert api.json()["terms"] == data["terms"]


def test_a_manager_sets_a_term_on_the_page(term, client):
    grant_role(actor=SYSTEM, username="alice", role="manager", unit_code="C2")
    client = signed_in(client, "alice")
    form = {
        "starts_on": "01/10/2025", "ends_on": "30/09/2030", "metric": "admissions",
        "value": "40", "reason": "Nghị quyết Đại hội 2025",
    }  # fmt: skip
    assert client.post("/units/C2/targets/terms/", form).status_code == 302
    stored = TermTarget.objects.get(unit__code="C2")
    assert (stored.starts_on, stored.ends_on, stored.value) == (D(2025, 10, 1), D(2030, 9, 30), 40)
    page = client.get("/units/C2/targets/terms/").content.decode()
    assert 'data-test="stored-admissions-2025"' in page


def test_bad_input_on_the_page_is_told_and_saves_nothing(term, client):
    grant_role(actor=SYSTEM, username="alice", role="manager", unit_code="C2")
    client = signed_in(client, "alice", "vi")
    form = {
        "starts_on": "01/10/2025",
        "ends_on": "01/10/2024",
        "metric": "admissions",
        "value": "4",
    }
    page = client.post("/units/C2/targets/terms/", form)
    assert page.status_code == 200
    assert "Nhiệm kỳ phải kết thúc sau ngày bắt đầu." in page.content.decode()
    assert not TermTarget.objects.filter(unit__code="C2").exists()


def test_outside_ones_units_is_404_and_an_officer_cannot_set(term, client):
    bob = signed_in(client, "bob")
    assert bob.get("/units/N1/targets/terms/").status_code == 404
    assert bob.post("/units/N1/targets/terms/", {"value": "1"}).status_code == 404
    # Alice is an officer of N1, not a manager: she sees, and may not set.
    alice = signed_in(client, "alice")
    page = alice.get("/units/N1/targets/terms/").content.decode()
    assert f"Term 2020–2025: {admitted(START, END)} of {TERM}" in page
    form = {
        "starts_on": "2030-10-01",
        "ends_on": "2035-09-30",
        "metric": "admissions",
        "value": "1",
    }
    assert alice.post("/units/N1/targets/terms/", form).status_code == 403
    assert TermTarget.objects.count() == 1


def test_the_queries_do_not_grow_with_the_admissions(term):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counted() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            (t,) = term_progress(unit=unit("N1"), on=D(2025, 12, 15))
        return len(queries), t.actual

    counted()  # the first read builds the structure of the day (docs/progress.md), once
    before, actual = counted()
    admit_many("C1-A", [D(2022, 4, 1)] * 40 + [D(2025, 12, 10)] * 5, prefix="MORE")
    after, more = counted()
    assert after == before and more == actual + 45
