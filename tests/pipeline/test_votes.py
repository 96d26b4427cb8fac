"""Votes read from the records (issue 13): the official members a cell resolution counts are
those the records show in the cell on its day, another figure only as an exception; every vote
is its own event, a correction is an explicit act with a reason; a failed vote shows as failed,
with what follows (R7, R12). The candidate page gives ages in years and, after the ceremony,
the membership status.

With `mai`, C1-A has 3 official members on 10/09/2024 (P-AN and the two introducers)."""

import datetime as dt
import io

import pytest
from django.utils import translation

from ranks.core.actor import SYSTEM
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.interchange.engine import run_import
from ranks.people.models import Membership
from ranks.people.services import membership_admit, membership_leave, person_save
from ranks.pipeline.models import StageEvent
from ranks.pipeline.services import stage_event_correct
from tests.factories import add_official_members, record_dossier
from tests.pipeline.test_pages import (
    DOSSIER_START,
    VOTE_DAY,
    admitted,
    candidate,
    event,
    signed_in,
)

D = dt.date
EXCEPTION = {
    "exception_approved_by": "Ban Thường vụ Huyện ủy",
    "exception_document": "Công văn 9-CV/HU",
}


@pytest.fixture
def mai(world):
    """Alice's candidate in C1-A, the dossier valid for the vote (as in test_pages)."""
    candidate("P-MAI", "Lò Thị Mai", source_group="youth_union")
    record_dossier("P-MAI", "C1-A", DOSSIER_START)
    return "P-MAI"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def votes():
    return list(StageEvent.objects.filter(stage="cell_resolution").order_by("date", "id"))


def audited(action):
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def member(person_id, cell, decided, official=None, name="Đảng viên"):
    person = person_save(
        actor=SYSTEM, person_id=person_id, full_name=name, birth_date=D(1980, 1, 1)
    )
    return membership_admit(
        actor=SYSTEM,
        person=person,
        cell_code=cell,
        admission_decision_date=decided,
        ceremony_date=decided + dt.timedelta(days=10),
        official_date=official,
    )


# --- the official members come from the records ---------------------------------------------------


def test_the_official_members_counted_are_those_the_records_show_on_the_vote_day(client, mai):
    member("P-NEW", "C1-A", D(2020, 1, 6), official=D(2021, 1, 6))  # counted
    member("P-PROB", "C1-A", D(2024, 5, 2))  # probationary on the day: not counted
    member("P-LATE", "C1-A", D(2023, 1, 2), official=D(2024, 9, 11))  # official the day after
    left = member("P-LEFT", "C1-A", D(2015, 1, 5), official=D(2016, 1, 5))
    membership_leave(actor=SYSTEM, membership=left, on=D(2024, 9, 1), reason="death")
    member("P-ELSE", "C1-B", D(2015, 1, 5), official=D(2016, 1, 5))  # another cell
    signed_in(client, "alice")
    form = client.get("/candidates/P-MAI/events/cell_resolution/?on=2024-09-10").content.decode()
    assert 'name="official_members" value="4"' in form
    assert "From the records: 4 official members in the cell on 10/09/2024." in form
    # Blank means the records' figure.
    recorded = event("P-MAI", "cell_resolution", VOTE_DAY, votes_for=3)
    assert (recorded.votes_for, recorded.official_members) == (3, 4)
    [entry] = audited("ranks.pipeline.event.created")[-1:]
    assert entry.after["official_members"] == 4 and "exception_for" not in entry.after


def test_another_figure_is_refused_naming_the_records_figure(client, mai):
    with pytest.raises(DomainError) as error:
        event("P-MAI", "cell_resolution", VOTE_DAY, votes_for=2, official_members=2)
    assert error.value.field == "official_members"
    assert str(error.value) == (
        "The records show 3 official members in the cell on 10/09/2024, not 2: a vote counts all "
        "the official members of the cell. Leave the figure blank to use the records' figure, or "
        "record another figure as an exception, with who approved it and the document."
    )
    assert votes() == []
    # The form says it next to the figure, and records nothing.
    signed_in(client, "alice")
    response = client.post(
        "/candidates/P-MAI/events/cell_resolution/",
        {"date": "10/09/2024", "votes_for": "2", "official_members": "2"},
    )
    assert response.status_code == 200
    assert "The records show 3 official members in the cell on 10/09/2024, not 2" in (
        response.content.decode()
    )
    assert votes() == []


def test_another_figure_is_kept_only_as_an_exception(mai):
    recorded = event(
        "P-MAI", "cell_resolution", VOTE_DAY, votes_for=2, official_members=2, **EXCEPTION
    )
    assert (recorded.official_members, recorded.exception_document) == (2, "Công văn 9-CV/HU")
    entry = audited("ranks.pipeline.event.created")[-1]
    assert entry.after["exception_for"] == ["R7"]
    assert entry.after["exception_approved_by"] == "Ban Thường vụ Huyện ủy"


def test_votes_beyond_the_records_figure_are_refused(mai):
    with pytest.raises(DomainError) as error:
        event("P-MAI", "cell_resolution", VOTE_DAY, votes_for=4)
    assert (str(error.value), error.value.field) == (
        "4 votes for is more than the 3 official members of the cell.",
        "votes_for",
    )


# --- every vote is its own event ------------------------------------------------------------------


def test_a_second_vote_is_kept_beside_the_first(client, mai):
    event("P-MAI", "cell_resolution", VOTE_DAY, votes_for=1)
    event("P-MAI", "cell_resolution", D(2024, 10, 1), votes_for=3)
    assert [(v.date, v.votes_for, v.official_members) for v in votes()] == [
        (VOTE_DAY, 1, 3),
        (D(2024, 10, 1), 3, 3),
    ]
    created = [e.after for e in audited("ranks.pipeline.event.created")]
    assert [(a["date"], a["votes_for"]) for a in created if a["stage"] == "cell_resolution"] == [
        ("2024-09-10", 1),
        ("2024-10-01", 3),
    ]
    text = signed_in(client, "alice").get("/candidates/P-MAI/?on=2024-10-02").content.decode()
    timeline = text.split('data-test="timeline"')[1]
    assert timeline.count('data-test="event-cell_resolution"') == 2
    assert "1 of 3 official members" in timeline and "3 of 3 official members" in timeline
    # The second passed: the committee may resolve.
    assert event("P-MAI", "committee_resolution", D(2024, 10, 8)).pk


def test_recording_a_vote_again_on_its_day_never_replaces_it(client, mai):
    first = event("P-MAI", "cell_resolution", VOTE_DAY, votes_for=1)
    signed_in(client, "alice")
    response = client.post(
        "/candidates/P-MAI/events/cell_resolution/", {"date": "10/09/2024", "votes_for": "3"}
    )
    assert "Cell resolution is already recorded on 10/09/2024 with other values" in (
        response.content.decode()
    )
    assert [(v.pk, v.votes_for) for v in votes()] == [(first.pk, 1)]
    assert audited("ranks.pipeline.event.updated") == []
    # The same vote again changes nothing.
    assert event("P-MAI", "cell_resolution", VOTE_DAY, votes_for=1).pk == first.pk
    assert len(votes()) == 1


# --- a correction is an explicit act with a reason ------------------------------------------------


def test_a_correction_changes_the_event_with_its_reason_in_the_audit_log(client, mai):
    vote = event("P-MAI", "cell_resolution", VOTE_DAY, votes_for=1)
    signed_in(client, "alice")
    page = client.get("/candidates/P-MAI/").content.decode()
    assert f'href="/candidates/P-MAI/events/{vote.pk}/correct/"' in page
    url = f"/candidates/P-MAI/events/{vote.pk}/correct/"
    form = client.get(url).content.decode()
    assert 'name="votes_for" value="1"' in form and 'name="reason"' in form
    # No reason, no correction.
    response = client.post(url, {"date": "10/09/2024", "votes_for": "3", "reason": ""})
    assert response.status_code == 200 and 'data-test="event-form"' in response.content.decode()
    assert StageEvent.objects.get(pk=vote.pk).votes_for == 1
    response = client.post(
        url, {"date": "10/09/2024", "votes_for": "3", "reason": "Mistyped: 3 voted for."}
    )
    assert response.status_code == 302
    corrected = StageEvent.objects.get(pk=vote.pk)
    assert (corrected.votes_for, corrected.official_members) == (3, 3)
    [entry] = audited("ranks.pipeline.event.corrected")
    assert (entry.actor, entry.object_id) == ("alice", "P-MAI")
    assert (entry.before["votes_for"], entry.after["votes_for"]) == (1, 3)
    assert entry.after["reason"] == "Mistyped: 3 voted for."
    assert len(votes()) == 1


def test_a_correction_is_checked_like_a_new_event(mai):
    vote = event("P-MAI", "cell_resolution", VOTE_DAY, votes_for=3)
    with pytest.raises(DomainError) as error:
        stage_event_correct(
            actor=SYSTEM, person_id="P-MAI", event_id=vote.pk, date=VOTE_DAY, votes_for=3,
            official_members=5, reason="5 members",
        )  # fmt: skip
    assert error.value.field == "official_members"
    with pytest.raises(DomainError) as error:
        stage_event_correct(
            actor=SYSTEM, person_id="P-MAI", event_id=vote.pk, date=VOTE_DAY, votes_for=3,
            reason="  ",
        )  # fmt: skip
    assert (str(error.value), error.value.field) == ("Say why the event is corrected.", "reason")
    with pytest.raises(DomainError) as error:
        stage_event_correct(
            actor=SYSTEM, person_id="P-MAI", event_id=vote.pk, date=VOTE_DAY, votes_for=3,
            reason="same",
        )  # fmt: skip
    assert str(error.value) == "Nothing to correct: these are the values recorded."
    assert audited("ranks.pipeline.event.corrected") == []


def test_only_an_officer_of_the_cell_corrects(client, mai):
    vote = event("P-MAI", "cell_resolution", VOTE_DAY, votes_for=1)
    url = f"/candidates/P-MAI/events/{vote.pk}/correct/"
    assert signed_in(client, "vera").get(url).status_code == 403
    assert 'data-test="correct-' not in client.get("/candidates/P-MAI/").content.decode()
    assert signed_in(client, "bob").get(url).status_code == 404
    assert (
        signed_in(client, "alice").get("/candidates/P-MAI/events/999999/correct/").status_code
        == 404
    )


# --- a failed vote shows as failed ----------------------------------------------------------------


def test_a_failed_vote_shows_as_failed_with_what_the_cell_can_do(client, mai):
    event("P-MAI", "cell_resolution", VOTE_DAY, votes_for=1)
    signed_in(client, "alice")
    page = client.get("/candidates/P-MAI/?on=2024-09-11").content.decode()
    assert 'data-test="vote-failed">vote failed (1 of 3, needed 2)' in page
    assert 'data-test="current-stage"' not in page
    assert "The cell may consider the candidate again at a later meeting" in page
    listed = client.get("/units/C1-A/candidates/?on=2024-09-11").content.decode()
    row = listed.split('data-test="row-P-MAI"')[1].split("</tr>")[0]
    assert "vote failed (1 of 3, needed 2)" in row
    board = client.get("/units/C1-A/candidates/?on=2024-09-11&view=board").content.decode()
    card = board.split('data-test="card-P-MAI"')[1].split("</article>")[0]
    assert "vote failed (1 of 3, needed 2)" in card
    # In Vietnamese.
    signed_in(client, "alice", language="vi")
    page = client.get("/candidates/P-MAI/?on=2024-09-11").content.decode()
    assert "biểu quyết không đạt (1/3, cần 2)" in page
    # A second vote that passes: progress again.
    event("P-MAI", "cell_resolution", D(2024, 10, 1), votes_for=2)
    page = client.get("/candidates/P-MAI/?on=2024-10-02").content.decode()
    assert 'data-test="vote-failed"' not in page and 'data-test="current-stage"' in page


def test_failed_recognition_votes_count_down_to_the_upper_committee(client, mai):
    """4 official members: 2 for is neither two thirds for nor two thirds against (R12)."""
    # Official from 11/10/2025: not counted by the admission vote of 10/09/2024.
    add_official_members("C1-A", 1, since=D(2024, 10, 1))
    admitted("P-MAI")  # ceremony on 01/11/2024: probation until 01/11/2025
    event("P-MAI", "cell_resolution", D(2025, 11, 10), votes_for=2)
    signed_in(client, "alice")
    page = client.get("/candidates/P-MAI/?on=2025-11-11").content.decode()
    assert "recognition vote failed (2 of 4, needed 3)" in page
    assert "The cell votes again: 2 votes are left of 3 (1 held without two thirds" in page
    event("P-MAI", "cell_resolution", D(2025, 12, 10), votes_for=2)
    page = client.get("/candidates/P-MAI/?on=2025-12-11").content.decode()
    assert "The cell votes again: 1 vote is left of 3 (2 held" in page
    event("P-MAI", "cell_resolution", D(2026, 1, 12), votes_for=2)
    page = client.get("/candidates/P-MAI/?on=2026-01-13").content.decode()
    assert "it was the last of 3 votes without two thirds either way" in page
    assert "The upper committee now decides" in page
    # Every vote is kept: the rule counts them all.
    assert len(votes()) == 4


def test_two_thirds_against_proposes_removal(client, mai):
    admitted("P-MAI")
    event("P-MAI", "cell_resolution", D(2025, 11, 10), votes_for=1)
    page = signed_in(client, "alice").get("/candidates/P-MAI/?on=2025-11-11").content.decode()
    assert "recognition vote failed (1 of 3, needed 2)" in page
    assert "The cell proposes removal (R12)." in page


# --- the candidate page's words -------------------------------------------------------------------


def test_after_the_ceremony_the_person_is_called_by_their_membership_status(client, mai):
    signed_in(client, "alice", language="vi")
    before = client.get("/candidates/P-MAI/?on=2024-09-01").content.decode()
    assert 'data-test="standing">Quần chúng ưu tú' in before
    admitted("P-MAI")
    after = client.get("/candidates/P-MAI/?on=2024-11-02").content.decode()
    assert 'data-test="standing">đảng viên dự bị' in after
    assert "Quần chúng ưu tú" not in after
    event("P-MAI", "cell_resolution", D(2025, 11, 10), votes_for=3)
    event("P-MAI", "official", D(2025, 11, 20))
    assert Membership.objects.get(person__person_id="P-MAI").official_date == D(2025, 11, 1)
    official = client.get("/candidates/P-MAI/?on=2025-11-21").content.decode()
    assert 'data-test="standing">đảng viên chính thức' in official


def test_ages_are_given_in_years(client, mai):
    page = signed_in(client, "alice").get("/candidates/P-MAI/?on=2024-09-10").content.decode()
    assert "Aged 26 years, within the limits." in page
    assert "months" not in page.split('data-test="eligibility"')[1].split("</table>")[0]
    page = signed_in(client, "alice", language="vi").get("/candidates/P-MAI/?on=2024-09-10")
    assert "Hiện 26 tuổi, trong độ tuổi quy định." in page.content.decode()


# --- the import -----------------------------------------------------------------------------------

HEADER = (
    "person_id,stage,date,votes_for,official_members,exception_approved_by,exception_document\n"
)


def load(text, row_by_row):
    return run_import(
        actor=SYSTEM,
        kind="events",
        stream=io.BytesIO(text.encode("utf-8")),
        filename="events.csv",
        row_by_row=row_by_row,
    )


@pytest.mark.parametrize("row_by_row", [False, True], ids=["set-based", "row by row"])
def test_the_import_reads_a_blank_figure_from_the_records_and_refuses_another(mai, row_by_row):
    wrong = HEADER + "P-MAI,cell_resolution,2024-09-10,2,2,,\n"
    result = load(wrong, row_by_row)
    assert [(e.row, e.column) for e in result.errors] == [(2, "official_members")]
    assert result.errors[0].reason.startswith(
        "The records show 3 official members in the cell on 10/09/2024, not 2"
    )
    assert votes() == []
    blank = (
        HEADER + "P-MAI,cell_resolution,2024-09-10,3,,,\nP-MAI,cell_resolution,2024-10-01,1,,,\n"
    )
    result = load(blank, row_by_row)
    assert result.ok and result.created == 2
    assert [(v.votes_for, v.official_members) for v in votes()] == [(3, 3), (1, 3)]
    excepted = HEADER + "P-MAI,cell_resolution,2024-10-15,2,2,Huyện ủy,CV 9\n"
    assert load(excepted, row_by_row).ok
    assert [(v.votes_for, v.official_members) for v in votes()] == [(3, 3), (1, 3), (2, 2)]


@pytest.mark.parametrize("row_by_row", [False, True], ids=["set-based", "row by row"])
def test_reimporting_the_same_events_changes_nothing(mai, row_by_row):
    text = (
        HEADER
        + "P-MAI,cell_resolution,2024-09-10,1,,,\n"
        + "P-MAI,cell_resolution,2024-10-01,3,3,,\n"
        + "P-MAI,committee_resolution,2024-10-08,,,,\n"
    )
    assert load(text, row_by_row).ok
    seq = AuditEntry.objects.count()
    again = load(text, row_by_row)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert AuditEntry.objects.count() == seq
    # A row that would change a recorded vote is refused with the way to correct it.
    changed = HEADER + "P-MAI,cell_resolution,2024-09-10,2,,,\n"
    result = load(changed, row_by_row)
    [error] = result.errors
    assert error.column == "date"
    assert "use “Correct” beside it on the candidate's page, with the reason" in error.reason
    assert [v.votes_for for v in votes()] == [1, 3]
