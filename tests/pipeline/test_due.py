"""What is due in a unit's subtree: `due_list`, the `ranks due` command and its page."""

import datetime as dt
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from ranks.access.scope import Scope
from ranks.core.actor import SYSTEM
from ranks.org.models import Unit
from ranks.people.models import Membership
from ranks.people.services import membership_leave, person_save
from ranks.pipeline.due import due_list
from ranks.pipeline.facts_from_records import official_counts
from ranks.pipeline.models import Candidate
from ranks.pipeline.rules import add_working_days, working_days_between
from ranks.pipeline.services import candidate_save, stage_event_save
from tests.factories import record_dossier

D = dt.date
ON = D(2026, 3, 16)
FULL = Scope(full=True)
ADULT = D(1998, 4, 1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def working_days_before(day: dt.date, n: int) -> dt.date:
    """The day `n` working days before `day`."""
    start = day - dt.timedelta(days=n * 2)
    while working_days_between(start, day) > n:
        start += dt.timedelta(days=1)
    while working_days_between(start, day) < n:
        start -= dt.timedelta(days=1)
    return start


def candidate(person_id: str, name: str, cell: str = "C1-A", birth: dt.date = ADULT):
    person_save(
        actor=SYSTEM,
        person_id=person_id,
        full_name=name,
        birth_date=birth,
        education_general="upper_secondary",
        residence_place_code="V1",
    )
    candidate_save(actor=SYSTEM, person_id=person_id, cell_code=cell, added_on=D(2025, 1, 6))
    return person_id


def resolution(person_id: str, day: dt.date):
    """A valid dossier, then the cell resolution on `day`: every official member of the cell
    the records show votes for (the figure left blank)."""
    cell = Candidate.objects.get(person__person_id=person_id).cell
    record_dossier(person_id, cell.code, day - dt.timedelta(days=100))
    members = official_counts([(cell.pk, day)])[(cell.pk, day)]
    stage_event_save(
        actor=SYSTEM, person_id=person_id, stage="cell_resolution", date=day, votes_for=members
    )


def committee(person_id: str, day: dt.date):
    stage_event_save(actor=SYSTEM, person_id=person_id, stage="committee_resolution", date=day)


@pytest.fixture
def waiting(world):
    """Cell resolution 70 WD ago, no decision: past the 60 WD of R8."""
    pid = candidate("P-CHO", "Lường Văn Chờ")
    resolution(pid, working_days_before(ON, 70))
    return pid


@pytest.fixture
def decided(world):
    """Decision received 25 WD ago: the ceremony is due within 5 WD (R9; warned from 10 WD)."""
    pid = candidate("P-LE", "Hà Thị Lễ")
    resolution(pid, D(2025, 11, 3))
    received = working_days_before(ON, 25)
    committee(pid, D(2025, 11, 10))
    stage_event_save(
        actor=SYSTEM, person_id=pid, stage="admission_decision", date=received,
        decision_no="QĐ-1", received_on=received,
    )  # fmt: skip
    return pid


def items_of(person_id, items):
    return [i for i in items if i.person_id == person_id]


def test_no_decision_70_working_days_after_the_resolution_is_overdue(world, waiting):
    items = due_list(scope=FULL, unit=Unit.objects.get(code="N1"), on=ON)
    (item,) = items_of(waiting, items)
    assert (item.rule, item.overdue) == ("R8", True)
    assert item.cell_code == "C1-A" and item.full_name == "Lường Văn Chờ"
    assert item.message.startswith("The admission decision is past ")


def test_decision_received_25_working_days_ago_makes_the_ceremony_due(world, waiting, decided):
    items = due_list(scope=FULL, unit=Unit.objects.get(code="N1"), on=ON)
    (item,) = items_of(decided, items)
    assert (item.rule, item.status, item.overdue) == ("R9", "warning", False)
    assert item.date == add_working_days(working_days_before(ON, 25), 30)
    # Overdue first.
    assert [i.person_id for i in items] == [waiting, decided]


def test_a_ceremony_due_in_20_working_days_is_not_listed_yet(world):
    pid = candidate("P-SOM", "Hà Văn Sớm")
    resolution(pid, D(2025, 11, 3))
    received = working_days_before(ON, 10)
    committee(pid, D(2025, 11, 10))
    stage_event_save(
        actor=SYSTEM, person_id=pid, stage="admission_decision", date=received,
        decision_no="QĐ-2", received_on=received,
    )  # fmt: skip
    assert due_list(scope=FULL, unit=Unit.objects.get(code="N1"), on=ON) == []


def test_turning_18_within_6_months_and_not_beyond(world):
    soon = candidate("P-TRE", "Lò Văn Trẻ", birth=D(2008, 7, 20))
    candidate("P-NHO", "Lò Văn Nhỏ", birth=D(2009, 12, 1))
    items = due_list(scope=FULL, unit=Unit.objects.get(code="N1"), on=ON)
    assert [(i.person_id, i.rule, i.overdue, i.date) for i in items] == [
        (soon, "R1", False, D(2026, 7, 1))
    ]


def test_an_introducer_who_left_before_the_vote_is_listed(world):
    pid = candidate("P-DI", "Lò Văn Đi")
    record_dossier(pid, "C1-A", D(2025, 10, 1))
    gt2 = Membership.objects.get(person__person_id="P-GT2")
    membership_leave(actor=SYSTEM, membership=gt2, on=D(2026, 2, 2), reason="transfer_out")
    items = items_of(pid, due_list(scope=FULL, unit=Unit.objects.get(code="N1"), on=ON))
    left = [i for i in items if i.rule == "R6"]
    assert [(i.overdue, i.message) for i in left] == [
        (True, "The introducer left the unit on 02/02/2026; assign a replacement.")
    ]


def test_a_candidate_working_away_needs_a_comment_each_year(world):
    pid = candidate("P-XA", "Lò Thị Xa")
    stage_event_save(
        actor=SYSTEM, person_id=pid, stage="working_away", date=D(2025, 3, 20),
        location="KCN Yên Phong, Bắc Ninh",
    )  # fmt: skip
    [item] = [
        i for i in due_list(scope=FULL, unit=Unit.objects.get(code="N1"), on=ON) if i.rule == "R15"
    ]
    assert (item.person_id, item.status, item.date, item.overdue) == (
        pid,
        "warning",
        D(2026, 3, 20),
        False,
    )
    # Paused, nothing is due.
    stage_event_save(actor=SYSTEM, person_id=pid, stage="returned", date=D(2026, 1, 5))
    stage_event_save(actor=SYSTEM, person_id=pid, stage="paused", date=D(2026, 1, 6))
    assert not items_of(pid, due_list(scope=FULL, unit=Unit.objects.get(code="N1"), on=ON))


def test_a_unit_outside_the_subtree_lists_nothing(world, waiting):
    assert due_list(scope=FULL, unit=Unit.objects.get(code="C2"), on=ON) == []


@pytest.mark.parametrize("count", [1, 20])
def test_queries_do_not_grow_with_candidates(world, django_assert_max_num_queries, count):
    for n in range(count):
        pid = candidate(f"P-Q{n:02}", f"Người {n}", cell="C1-A" if n % 2 else "C1-B")
        resolution(pid, working_days_before(ON, 55 + n))  # warning, then overdue
    from ranks.access.scope import scope_for
    from ranks.core.actor import Actor

    alice = Actor.for_user(get_user_model().objects.get(username="alice"))
    scope = scope_for(alice)
    unit = Unit.objects.get(code="N1")
    # Six for the candidates, one for the members working away (nobody here).
    with django_assert_max_num_queries(7):
        items = due_list(scope=scope, unit=unit, on=ON)
    assert len({i.person_id for i in items}) == count


PAGE_QUERIES = 13  # session, user, grants, unit, version, and the seven of `due_list`


@pytest.mark.parametrize("count", [1, 20])
def test_page_queries_do_not_grow_with_candidates(
    client, world, django_assert_max_num_queries, count
):
    for n in range(count):
        pid = candidate(f"P-Q{n:02}", f"Người {n}", cell="C1-A" if n % 2 else "C1-B")
        resolution(pid, working_days_before(ON, 55 + n))  # warning, then overdue
    client.force_login(get_user_model().objects.get(username="alice"))
    with django_assert_max_num_queries(PAGE_QUERIES):
        text = client.get("/units/N1/due/?on=2026-03-16").content.decode()
    assert text.count('data-test="due-candidate"') >= count


def run(*args):
    out = io.StringIO()
    call_command("due", *args, "--lang", "en", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_command_text_and_json(world, waiting, decided):
    lines = run("--unit", "N1", "--on", "2026-03-16").splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("overdue  ") and "  R8  P-CHO  Lường Văn Chờ  C1-A  " in lines[0]
    assert lines[1].startswith("due  ") and "  R9  P-LE  " in lines[1]
    rows = json.loads(run("--unit", "N1", "--on", "16/03/2026", "--format", "json"))
    assert [(r["rule"], r["overdue"], r["cell_code"]) for r in rows] == [
        ("R8", True, "C1-A"),
        ("R9", False, "C1-A"),
    ]
    assert rows[1]["status"] == "warning" and rows[1]["date"]


@pytest.mark.parametrize("code", ["N1", "C1-A", "NOPE"])
def test_command_other_commune_or_unknown_unit_exits_2(world, waiting, code):
    with pytest.raises(CommandError) as error:
        run("--unit", code, "--on", "2026-03-16", "--as", "bob")
    assert error.value.returncode == 2
    assert str(error.value) == f"Unknown unit code: {code}."


def test_page_lists_overdue_first_and_marks_them(client, world, waiting, decided):
    client.force_login(get_user_model().objects.get(username="alice"))
    text = client.get("/units/N1/due/?on=2026-03-16").content.decode()
    assert text.index('data-test="due-P-CHO-R8"') < text.index('data-test="due-P-LE-R9"')
    row = text[text.index('data-test="due-P-CHO-R8"') - 30 :]
    assert 'class="overdue"' in row[:60] and "quá hạn</span>" in row
    assert 'name="on" value="2026-03-16"' in text
    unit = client.get("/units/N1/?on=2026-03-16").content.decode()
    assert 'href="/units/N1/due/?on=2026-03-16"' in unit


def test_page_is_404_for_another_commune(client, world, waiting):
    client.force_login(get_user_model().objects.get(username="bob"))
    for code in ("N1", "C1-A"):
        assert client.get(f"/units/{code}/due/?on=2026-03-16").status_code == 404


def test_a_member_working_away_is_due_a_yearly_comment(client, world):
    from ranks.people.absences import absence_comment, absence_start
    from ranks.pipeline.rules import add_months
    from ranks.pipeline.rules.calendar import next_working_day

    absence_start(
        actor=SYSTEM, person_id="P-AN", started_on=D(2025, 3, 1), where_kind="country",
        where="Hàn Quốc",
    )  # fmt: skip
    # 12 months on is Sunday 1 March 2026: due on Monday 2 March, overdue after.
    deadline = next_working_day(add_months(D(2025, 3, 1), 12))
    rows = json.loads(run("--unit", "N1", "--on", "2026-03-16", "--format", "json"))
    [an] = [r for r in rows if r["person_id"] == "P-AN"]
    assert (an["kind"], an["rule"], an["overdue"], an["date"]) == (
        "member", "R15", True, deadline.isoformat()
    )  # fmt: skip
    assert an["message"] == (
        f"Working away since 01/03/2025: the yearly comment from the cell where the member "
        f"lives is due by {deadline:%d/%m/%Y}."
    )
    client.force_login(get_user_model().objects.get(username="alice"))
    page = client.get("/units/N1/due/?on=2026-03-16").content.decode()
    assert 'data-test="due-member"' in page and "/people/P-AN/" in page
    # A comment restarts the year: nothing is due any more.
    absence_comment(
        actor=SYSTEM, person_id="P-AN", on=D(2026, 3, 10), by_cell="Chi bộ", text="Tốt."
    )
    rows = json.loads(run("--unit", "N1", "--on", "2026-03-16", "--format", "json"))
    assert "P-AN" not in [r["person_id"] for r in rows]
    # Outside the unit asked for, not listed.
    assert "P-AN" not in run("--unit", "C2", "--on", "2026-03-16")
