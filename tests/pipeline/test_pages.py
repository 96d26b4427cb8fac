"""The pipeline pages: a unit's source list and board, a candidate's page, the form of each event,
handovers between communes, adding to a source list; who may see and who may record."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ranks.core.actor import SYSTEM
from ranks.core.clock import today
from ranks.core.models import AuditEntry
from ranks.people.services import person_save
from ranks.pipeline.models import Candidate, StageEvent
from ranks.pipeline.services import candidate_save, stage_event_save
from tests.factories import add_introducers, record_dossier

D = dt.date
DOSSIER_START = D(2024, 3, 1)
DOSSIER_DONE = D(2024, 5, 10)  # the last of the six steps, 14 days apart
VOTE_DAY = D(2024, 9, 10)


def signed_in(client, username, language="en"):
    client.force_login(get_user_model().objects.get(username=username))
    if language:
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def candidate(person_id, name, cell="C1-A", *, residence="V1", added=DOSSIER_START, **extra):
    person_save(
        actor=SYSTEM,
        person_id=person_id,
        full_name=name,
        birth_date=D(1998, 4, 1),
        education_general="upper_secondary",
        residence_place_code=residence,
    )
    candidate_save(actor=SYSTEM, person_id=person_id, cell_code=cell, added_on=added, **extra)
    return person_id


def event(person_id, stage, date, **fields):
    return stage_event_save(actor=SYSTEM, person_id=person_id, stage=stage, date=date, **fields)


def passed_vote(person_id, day=VOTE_DAY):
    event(person_id, "cell_resolution", day, votes_for=3, official_members=3)


def admitted(person_id):
    """Through the ceremony on 2024-11-01: probation until 2025-11-01."""
    passed_vote(person_id)
    event(person_id, "committee_resolution", D(2024, 9, 20))
    event(
        person_id, "admission_decision", D(2024, 10, 15),
        decision_no="QĐ-15", received_on=D(2024, 10, 20),
    )  # fmt: skip
    event(person_id, "ceremony", D(2024, 11, 1))


@pytest.fixture
def mai(world):
    """Alice's candidate in C1-A, dossier complete on 2024-05-10, valid for the vote (R1–R6)."""
    candidate("P-MAI", "Lò Thị Mai", source_group="youth_union", note="Bí thư chi đoàn")
    record_dossier("P-MAI", "C1-A", DOSSIER_START)
    return "P-MAI"


@pytest.fixture
def hoa(world):
    """Alice's candidate in C1-A with nothing recorded yet."""
    add_introducers("C1-A")
    return candidate("P-HOA", "Hà Thị Hoa", source_group="worker")


@pytest.fixture
def binh(world):
    """Bob's candidate in C2-A."""
    return candidate("P-BINH", "Lường Văn Bình", cell="C2-A", residence="V2")


def counts():
    return StageEvent.objects.count(), AuditEntry.objects.count()


# --- the source list -------------------------------------------------------------------------


def test_the_source_list_shows_each_candidate_with_stage_days_and_mentors(client, mai, hoa, binh):
    candidate_save(
        actor=SYSTEM, person_id="P-HOA", cell_code="C1-A", added_on=DOSSIER_START,
        source_group="worker", mentor_person_ids=["P-AN"],
    )  # fmt: skip
    text = signed_in(client, "alice").get("/units/C1-A/candidates/?on=2024-06-01").content.decode()
    assert 'data-test="row-P-MAI"' in text and 'data-test="row-P-HOA"' in text
    assert "P-BINH" not in text  # bob's commune
    mai_row = text.split('data-test="row-P-MAI"')[1].split("</tr>")[0]
    # Comments collected on 10/05/2024: 22 days before 01/06/2024.
    assert "comments collected" in mai_row and 'data-test="days">22<' in mai_row
    assert "Youth Union member" in mai_row and "01/03/2024" in mai_row
    hoa_row = text.split('data-test="row-P-HOA"')[1].split("</tr>")[0]
    assert "identified" in hoa_row and "Nguyễn Văn An" in hoa_row
    assert 'data-test="total">2 candidates<' in text


def test_a_commune_lists_the_candidates_of_its_cells_with_the_cell(client, mai, binh):
    text = signed_in(client, "alice").get("/units/N1/candidates/?on=2026-01-01").content.decode()
    assert 'data-test="row-P-MAI"' in text and "Chi bộ thôn Đông" in text
    assert "P-BINH" not in text
    # Before the date added, nobody was on the list.
    before = client.get("/units/N1/candidates/?on=2024-01-01").content.decode()
    assert "P-MAI" not in before


def test_the_board_has_a_column_per_stage(client, mai, hoa):
    text = signed_in(client, "alice").get("/units/C1-A/candidates/?view=board").content.decode()
    column = text.split('data-test="column-comments_collected"')[1].split("</section>")[0]
    assert (
        'data-test="card-P-MAI"' in column and 'data-test="count-comments_collected">1<' in column
    )
    identified = text.split('data-test="column-identified"')[1].split("</section>")[0]
    assert 'data-test="card-P-HOA"' in identified
    assert text.count('class="column') == 13


@pytest.mark.parametrize(
    "query, shown",
    [
        ("group=youth_union", {"P-MAI"}),
        ("group=worker", {"P-HOA"}),
        ("state=paused", {"P-HOA"}),
        ("state=active", {"P-MAI"}),
        ("state=member", {"P-KIM"}),
        ("stage=comments_collected", {"P-MAI"}),
        ("stage=ceremony", {"P-KIM"}),
        ("state=nonsense", {"P-MAI", "P-HOA", "P-KIM"}),
    ],
)
def test_filters_by_source_group_state_and_stage(client, mai, hoa, query, shown):
    event("P-HOA", "paused", D(2025, 1, 10), detail="ốm")
    candidate("P-KIM", "Vi Thị Kim")
    record_dossier("P-KIM", "C1-A", DOSSIER_START)
    admitted("P-KIM")
    signed_in(client, "alice")
    for view in ("", "&view=board"):
        text = client.get(f"/units/C1-A/candidates/?on=2025-06-01&{query}{view}").content.decode()
        listed = {pid for pid in ("P-MAI", "P-HOA", "P-KIM") if f'-{pid}"' in text}
        assert listed == shown, (query, view)


def test_the_source_list_pages_through_many_candidates(client, world):
    for n in range(55):
        candidate(f"P-X{n:02d}", f"Nguyễn Văn X{n:02d}")
    signed_in(client, "alice")
    first = client.get("/units/C1-A/candidates/").content.decode()
    second = client.get("/units/C1-A/candidates/?page=2").content.decode()
    assert first.count('data-test="row-') == 50 and second.count('data-test="row-') == 5
    assert "Page 1 of 2" in first and 'rel="next"' in first


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


LIST_QUERIES = 13  # session, user, grants, unit, version, candidates, events, mentors, names…
# One of them: the membership status on the day, shown after the ceremony; five more: the
# competent committee (R18) on the decision's day and on the vote's, and the versions above.
CANDIDATE_QUERIES = 19


def test_the_source_list_holds_a_query_ceiling_however_many_candidates(
    client, mai, hoa, django_assert_max_num_queries
):
    signed_in(client, "alice")
    event("P-HOA", "class_passed", D(2024, 4, 1), certificate_no="GCN-9")
    urls = ("/units/N1/candidates/", "/units/N1/candidates/?view=board")
    few = [_queries(client, url) for url in urls]
    for n in range(10):
        pid = candidate(f"P-Y{n}", f"Trần Văn Y{n}", mentor_person_ids=["P-AN", "P-GT1"])
        event(pid, "class_passed", D(2024, 4, 1), certificate_no=f"GCN-Y{n}")
        event(pid, "working_away", D(2024, 5, 1), location="Bình Dương")
    for url in urls:
        with django_assert_max_num_queries(LIST_QUERIES):
            assert client.get(url).status_code == 200
    assert [_queries(client, url) for url in urls] == few


# --- the candidate page ----------------------------------------------------------------------


def test_the_candidate_page_shows_timeline_findings_and_next_actions(client, mai):
    text = signed_in(client, "alice").get("/candidates/P-MAI/?on=2024-06-01").content.decode()
    assert "Lò Thị Mai" in text and "Chi bộ thôn Đông" in text and "Bí thư chi đoàn" in text
    timeline = text.split('data-test="timeline"')[1]
    for stage in ("source_list", "class_passed", "introducers_assigned", "comments_collected"):
        assert f'data-test="event-{stage}"' in timeline
    assert "GCN-P-MAI" in timeline and "Trần Văn Giới 1" in timeline and "P-GT2" in timeline
    assert "Lớp cảm tình Đảng" in timeline and "15/03/2024" in timeline
    # The rules: every finding with its rule, document and message.
    eligibility = text.split('data-test="eligibility"')[1].split("</table>")[0]
    for rule in ("R1", "R3", "R4", "R5", "R6"):
        assert f'data-test="finding-{rule}-' in eligibility
    assert "Awareness-class certificate valid until 15/03/2029." in eligibility
    assert "01-HD/TW" in eligibility  # the guidance in force in 2024
    deadlines = text.split('data-test="deadlines"')[1].split("</table>")[0]
    assert "Hold the cell resolution by" in deadlines
    # Time in each stage.
    assert "comments collected" in text.split('data-test="periods"')[1]
    # What may be recorded next: the cell resolution, allowed.
    assert 'data-test="next-cell_resolution"' in text
    nxt = text.split('data-test="next-cell_resolution"')[1].split("</li>")[0]
    assert 'href="/candidates/P-MAI/events/cell_resolution/?on=2024-06-01"' in nxt
    assert 'data-test="side-working_away"' in text and 'data-test="side-handed_over"' in text


def test_a_blocked_next_stage_shows_its_blockers(client, hoa):
    text = signed_in(client, "alice").get("/candidates/P-HOA/?on=2024-06-01").content.decode()
    nxt = text.split('data-test="next-cell_resolution"')[1].split("</li>\n</ul>")[0]
    assert "blocked" in nxt and "No awareness-class certificate." in nxt and "R4" in nxt
    assert 'data-test="next-class_passed"' in text


def test_a_paused_candidate_offers_resuming_only(client, hoa):
    event("P-HOA", "paused", D(2024, 5, 1))
    text = signed_in(client, "alice").get("/candidates/P-HOA/?on=2024-06-01").content.decode()
    assert 'data-test="side-state"' in text and 'data-test="side-resumed"' in text
    assert 'data-test="next-class_passed"' not in text and 'data-test="side-paused"' not in text


def test_the_candidate_page_holds_a_query_ceiling_however_many_events(
    client, mai, hoa, django_assert_max_num_queries
):
    signed_in(client, "alice")
    few = _queries(client, "/candidates/P-HOA/?on=2025-06-01")
    many = _queries(client, "/candidates/P-MAI/?on=2025-06-01")
    admitted("P-MAI")
    event("P-MAI", "working_away", D(2025, 1, 5), location="Hà Nội")
    event("P-MAI", "returned", D(2025, 2, 5))
    event("P-MAI", "working_away", D(2025, 3, 5), location="Hải Phòng")
    with django_assert_max_num_queries(CANDIDATE_QUERIES):
        assert client.get("/candidates/P-MAI/?on=2025-06-01").status_code == 200
    # Prefetches that find nothing to fetch (no introducers yet) are skipped: fewer, never more.
    assert few <= many == _queries(client, "/candidates/P-MAI/?on=2025-06-01")


def test_links_from_the_unit_person_and_due_pages(client, mai):
    signed_in(client, "alice")
    unit = client.get("/units/C1-A/").content.decode()
    assert 'href="/units/C1-A/candidates/?on=' in unit and "view=board" in unit
    assert 'href="/units/C1-A/handovers/"' in unit and 'href="/units/C1-A/candidates/new/' in unit
    person = client.get("/people/P-MAI/").content.decode()
    assert 'href="/candidates/P-MAI/"' in person
    assert 'data-test="candidacy-link"' not in client.get("/people/P-AN/").content.decode()
    due = client.get("/units/C1-A/due/?on=2025-04-01").content.decode()
    assert 'href="/candidates/P-MAI/?on=2025-04-01"' in due
    # A viewer sees the links but not the one to add.
    signed_in(client, "vera")
    assert 'data-test="add-candidate"' not in client.get("/units/C1-A/").content.decode()


# --- recording events ------------------------------------------------------------------------


def _history_for(stage, pid):
    """Record what must come before `stage` for candidate `pid` (dossier already done)."""
    if stage in ("committee_resolution",):
        passed_vote(pid)
    elif stage == "admission_decision":
        passed_vote(pid)
        event(pid, "committee_resolution", D(2024, 9, 20))
    elif stage == "ceremony":
        passed_vote(pid)
        event(pid, "committee_resolution", D(2024, 9, 20))
        event(pid, "admission_decision", D(2024, 10, 15), received_on=D(2024, 10, 20))
    elif stage in ("official", "removed"):
        admitted(pid)
        if stage == "official":
            event(pid, "cell_resolution", D(2025, 11, 10), votes_for=3, official_members=3)
    elif stage == "returned":
        event(pid, "working_away", D(2024, 6, 1), location="Bắc Ninh")
    elif stage == "resumed":
        event(pid, "paused", D(2024, 6, 1))


FORMS = [
    (
        "class_passed",
        {"date": "20/03/2024", "class_name": "Lớp 3/2024", "certificate_no": "GCN-77"},
        {"class_name": "Lớp 3/2024", "certificate_no": "GCN-77"},
    ),
    (
        "introducers_assigned",
        {"date": "2024-04-01", "introducer_person_ids": ["P-GT1"], "introducer_other": "P-GT2"},
        {},
    ),
    ("cell_resolution", {"date": "10/09/2024", "votes_for": "3", "official_members": "3"},
     {"votes_for": 3, "official_members": 3}),
    ("committee_resolution", {"date": "20/09/2024", "authority": "Đảng ủy xã", "decision_no": "NQ-5"},
     {"authority": "Đảng ủy xã", "decision_no": "NQ-5"}),
    (
        "admission_decision",
        {"date": "15/10/2024", "authority": "Huyện ủy", "decision_no": "QĐ-9",
         "received_on": "20/10/2024"},
        {"decision_no": "QĐ-9", "received_on": D(2024, 10, 20)},
    ),
    ("ceremony", {"date": "01/11/2024", "detail": "Tại hội trường thôn"},
     {"detail": "Tại hội trường thôn"}),
    ("official", {"date": "20/11/2025"}, {}),
    ("removed", {"date": "20/11/2025", "detail": "Vi phạm tư cách"}, {}),
    ("working_away", {"date": "01/06/2024", "location": "Bình Dương"}, {"location": "Bình Dương"}),
    ("returned", {"date": "01/07/2024"}, {}),
    ("paused", {"date": "01/06/2024", "detail": "Ốm"}, {"detail": "Ốm"}),
    ("resumed", {"date": "01/07/2024"}, {}),
    ("withdrawn", {"date": "01/06/2024"}, {}),
    ("ineligible", {"date": "01/06/2024"}, {}),
    ("handed_over", {"date": "01/06/2024", "to_unit_code": "C2"}, {}),
]  # fmt: skip


@pytest.mark.parametrize("stage, data, stored", FORMS, ids=[f[0] for f in FORMS])
def test_each_event_form_records_its_event_and_redirects(client, mai, stage, data, stored):
    _history_for(stage, "P-MAI")
    signed_in(client, "alice")
    form = client.get(f"/candidates/P-MAI/events/{stage}/")
    assert form.status_code == 200 and 'name="date"' in form.content.decode()
    response = client.post(f"/candidates/P-MAI/events/{stage}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response.url == "/candidates/P-MAI/"
    recorded = StageEvent.objects.filter(candidate__person__person_id="P-MAI", stage=stage).latest(
        "recorded_at"
    )
    assert recorded.recorded_by == "alice"
    for field, value in stored.items():
        assert getattr(recorded, field) == value
    if stage == "introducers_assigned":
        assert sorted(p.person_id for p in recorded.introducers.all()) == ["P-GT1", "P-GT2"]
    if stage == "handed_over":
        assert recorded.to_unit.code == "C2"
    page = client.get(response.url).content.decode()
    assert "Recorded:" in page and 'data-test="messages"' in page


def test_each_form_asks_only_for_its_own_fields(client, mai):
    signed_in(client, "alice")
    expected = {
        "class_passed": {"class_name", "certificate_no"},
        "cell_resolution": {"votes_for", "official_members"},
        "admission_decision": {
            "committee_code",
            "committee_is_exception",
            "committee_exception",
            "decision_no",
            "received_on",
        },
        "working_away": {"location"},
        "handed_over": {"to_unit_code"},
        "ceremony": set(),
    }
    stage_fields = {
        "class_name", "certificate_no", "introducer_person_ids", "introducer_other",
        "youth_union_resolution", "votes_for", "official_members", "authority", "decision_no",
        "received_on", "to_unit_code", "location", "committee_code", "committee_is_exception",
        "committee_exception",
    }  # fmt: skip
    for stage, fields in expected.items():
        text = client.get(f"/candidates/P-MAI/events/{stage}/").content.decode()
        present = {f for f in stage_fields if f'name="{f}"' in text}
        assert present == fields, stage
        for common in ("date", "detail", "exception_approved_by", "exception_document"):
            assert f'name="{common}"' in text


def test_the_introducer_form_offers_the_cells_official_members(client, hoa):
    text = signed_in(client, "alice").get("/candidates/P-HOA/events/introducers_assigned/")
    text = text.content.decode()
    for pid in ("P-AN", "P-GT1", "P-GT2"):
        assert f'value="{pid}"' in text
    assert 'value="P-DUNG"' not in text  # another cell, and probationary


def test_the_cell_resolution_form_counts_the_official_members(client, mai):
    text = signed_in(client, "alice").get("/candidates/P-MAI/events/cell_resolution/?on=2024-09-10")
    text = text.content.decode()
    # P-AN, P-GT1, P-GT2 are the official members of C1-A.
    assert 'name="official_members" value="3"' in text and 'data-test="counted"' in text
    assert 'name="date" value="2024-09-10"' in text


def test_a_cell_resolution_without_a_certificate_is_refused_and_writes_nothing(client, hoa):
    signed_in(client, "alice")
    before = counts()
    data = {"date": "10/09/2024", "votes_for": "3", "official_members": "3"}
    response = client.post("/candidates/P-HOA/events/cell_resolution/", data)
    assert response.status_code == 200
    text = response.content.decode()
    error = text.split('data-test="form-error"')[1].split("</div>")[0]
    assert "Refused:" in error and "R4" in error and "No awareness-class certificate." in error
    assert "(01-HD/TW" in error
    # The input is kept, the exception's fields are open, and nothing was written.
    assert 'name="votes_for" value="3"' in text and 'value="2024-09-10"' not in text
    assert 'name="date" value="10/09/2024"' in text
    assert '<details class="exception" open' in text
    assert counts() == before


def test_the_same_resolution_with_an_approved_exception_is_recorded(client, hoa):
    signed_in(client, "alice")
    data = {
        "date": "10/09/2024", "votes_for": "3", "official_members": "3",
        "exception_approved_by": "Ban Thường vụ Tỉnh ủy", "exception_document": "CV-12/TU",
    }  # fmt: skip
    response = client.post("/candidates/P-HOA/events/cell_resolution/", data)
    assert response.status_code == 302
    stored = StageEvent.objects.get(candidate__person__person_id="P-HOA", stage="cell_resolution")
    assert (stored.exception_approved_by, stored.exception_document) == (
        "Ban Thường vụ Tỉnh ủy",
        "CV-12/TU",
    )
    entry = AuditEntry.objects.filter(action="ranks.pipeline.event.created").latest("seq")
    assert entry.actor == "alice" and "R4" in entry.after["exception_for"]
    page = client.get("/candidates/P-HOA/").content.decode()
    assert 'data-test="exception"' in page and "CV-12/TU" in page


def test_a_committee_resolution_after_a_failed_vote_is_refused(client, mai):
    event("P-MAI", "cell_resolution", VOTE_DAY, votes_for=1, official_members=3)
    signed_in(client, "alice")
    before = counts()
    response = client.post("/candidates/P-MAI/events/committee_resolution/", {"date": "20/09/2024"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "R7" in text and "Only 1 of 3 official members voted for (2 needed)." in text
    assert counts() == before


def test_bad_input_is_shown_next_to_its_field(client, mai):
    signed_in(client, "alice")
    before = counts()
    cases = [
        ({"date": "31/02/2024"}, "date", "Not a date: 31/02/2024."),
        ({"date": "10/09/2024", "votes_for": "4", "official_members": "3"}, "votes_for",
         "4 votes for is more than the 3 official members of the cell."),
        ({"date": "10/09/2024", "votes_for": "3", "official_members": "3",
          "exception_approved_by": "Tỉnh ủy"}, "exception_document",
         "An exception needs both who approved it and the document."),
    ]  # fmt: skip
    for data, field, message in cases:
        text = client.post("/candidates/P-MAI/events/cell_resolution/", data).content.decode()
        block = text.split(f'data-test="field-{field}"')[1].split('data-test="field-')[0]
        assert message in block, (field, block)
    text = client.post(
        "/candidates/P-MAI/events/handed_over/", {"date": "01/06/2024", "to_unit_code": "X-9"}
    ).content.decode()
    assert "Unknown unit code: X-9." in text.split('data-test="field-to_unit_code"')[1]
    assert counts() == before


def test_a_future_date_is_refused(client, mai):
    signed_in(client, "alice")
    future = (today() + dt.timedelta(days=3)).isoformat()
    text = client.post("/candidates/P-MAI/events/paused/", {"date": future}).content.decode()
    assert "The event date is in the future." in text


def test_an_unknown_stage_is_404(client, mai):
    signed_in(client, "alice")
    assert client.get("/candidates/P-MAI/events/elected/").status_code == 404


def test_the_forms_need_csrf(mai):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    signed_in(csrf_client, "alice", language=None)
    response = csrf_client.post("/candidates/P-MAI/events/paused/", {"date": "01/06/2024"})
    assert response.status_code == 403
    assert not StageEvent.objects.filter(stage="paused").exists()


@pytest.mark.parametrize(
    "user, url, ceiling",
    [
        ("alice", "/candidates/P-MAI/events/class_passed/", 10),
        ("alice", "/candidates/P-MAI/events/introducers_assigned/", 11),  # + the cell's members
        ("alice", "/candidates/P-MAI/events/cell_resolution/", 12),  # + the counters' members
        ("bob", "/candidates/P-MAI/events/handover_accepted/", 14),  # + the cells that may take it
        ("alice", "/units/C1-A/candidates/new/", 7),
        ("alice", "/units/N1/candidates/new/", 6),
    ],
)
def test_the_forms_hold_a_query_ceiling(
    client, mai, user, url, ceiling, django_assert_max_num_queries
):
    if user == "bob":
        event("P-MAI", "handed_over", D(2024, 6, 1), to_unit_code="C2")
    signed_in(client, user)
    with django_assert_max_num_queries(ceiling):
        assert client.get(url).status_code == 200


# --- who may see, who may record -------------------------------------------------------------


def test_another_communes_officer_cannot_see_or_record(client, binh, mai):
    signed_in(client, "alice")
    before = counts()
    assert client.get("/candidates/P-BINH/").status_code == 404
    assert client.get("/candidates/P-BINH/events/class_passed/").status_code == 404
    response = client.post(
        "/candidates/P-BINH/events/class_passed/",
        {"date": "01/04/2024", "class_name": "x", "certificate_no": "y"},
    )
    assert response.status_code == 404
    assert counts() == before
    # Missing and not allowed look alike.
    assert client.get("/candidates/P-NOBODY/").status_code == 404
    assert "P-BINH" not in client.get("/units/N1/candidates/").content.decode()


def test_a_viewer_sees_the_candidate_but_cannot_record(client, mai):
    signed_in(client, "vera")
    before = counts()
    text = client.get("/candidates/P-MAI/?on=2024-06-01").content.decode()
    assert 'data-test="read-only"' in text and 'data-test="next-actions"' not in text
    assert "/events/" not in text
    assert client.get("/candidates/P-MAI/events/cell_resolution/").status_code == 403
    response = client.post(
        "/candidates/P-MAI/events/cell_resolution/",
        {"date": "10/09/2024", "votes_for": "3", "official_members": "3"},
    )
    assert response.status_code == 403 and 'data-test="forbidden"' in response.content.decode()
    assert client.get("/units/C1-A/candidates/new/").status_code == 404
    assert counts() == before


def test_a_handover_to_another_commune_accepted_there(client, mai, binh):
    # Alice hands her candidate over to bob's commune.
    signed_in(client, "alice")
    response = client.post(
        "/candidates/P-MAI/events/handed_over/",
        {"date": "01/06/2024", "to_unit_code": "C2", "detail": "Chuyển về quê"},
    )
    assert response.status_code == 302
    waiting = client.get("/candidates/P-MAI/").content.decode()
    assert 'data-test="handover"' in waiting and 'data-test="accept-handover"' not in waiting
    assert client.get("/candidates/P-MAI/events/handover_accepted/").status_code == 403
    assert 'data-test="outgoing-P-MAI"' in client.get("/units/N1/handovers/").content.decode()

    # Bob sees it waiting on his commune's handovers page and on the candidate's page.
    signed_in(client, "bob")
    unit = client.get("/units/C2/").content.decode()
    assert 'href="/units/C2/handovers/"' in unit
    incoming = client.get("/units/C2/handovers/").content.decode()
    assert 'data-test="incoming-P-MAI"' in incoming
    assert "/candidates/P-MAI/events/handover_accepted/" in incoming
    page = client.get("/candidates/P-MAI/").content.decode()
    assert 'data-test="accept-handover"' in page and 'data-test="refuse-handover"' in page
    # Only the answer: no other step of a candidate who is not yet his.
    assert client.get("/candidates/P-MAI/events/class_passed/").status_code == 403
    form = client.get("/candidates/P-MAI/events/handover_accepted/").content.decode()
    assert '<option value="C2-A" selected' in form
    assert "C1-A" not in form.split('name="to_unit_code"')[1].split("</select>")[0]
    response = client.post(
        "/candidates/P-MAI/events/handover_accepted/",
        {"date": "10/06/2024", "to_unit_code": "C2-A"},
    )
    assert response.status_code == 302 and response.url == "/candidates/P-MAI/"
    assert Candidate.objects.get(person__person_id="P-MAI").cell.code == "C2-A"
    page = client.get("/candidates/P-MAI/").content.decode()
    assert 'data-test="next-actions"' in page and 'data-test="handover"' not in page
    assert 'data-test="row-P-MAI"' in client.get("/units/C2-A/candidates/").content.decode()

    # Alice no longer sees it: the candidacy belongs to the receiving commune now.
    signed_in(client, "alice")
    assert client.get("/candidates/P-MAI/").status_code == 404
    assert "P-MAI" not in client.get("/units/N1/candidates/").content.decode()


def test_a_refused_handover_stays_with_the_sending_cell(client, mai):
    event("P-MAI", "handed_over", D(2024, 6, 1), to_unit_code="C2")
    signed_in(client, "bob")
    response = client.post("/candidates/P-MAI/events/handover_refused/", {"date": "05/06/2024"})
    assert response.status_code == 302 and response.url == "/units/C2/handovers/"
    assert client.get("/candidates/P-MAI/").status_code == 404
    assert "P-MAI" not in client.get("/units/C2/handovers/").content.decode()
    signed_in(client, "alice")
    page = client.get("/candidates/P-MAI/").content.decode()
    assert 'data-test="event-handover_refused"' in page and 'data-test="handover"' not in page
    assert Candidate.objects.get(person__person_id="P-MAI").cell.code == "C1-A"


def test_the_handovers_page_holds_a_query_ceiling_however_many_handovers(
    client, mai, binh, django_assert_max_num_queries
):
    event("P-MAI", "handed_over", D(2024, 6, 1), to_unit_code="C2")
    # The receiving side reads whether it may answer: the officer's grants and units.
    pages = (("alice", "/units/N1/handovers/", 11), ("bob", "/units/C2/handovers/", 13))
    few = [_queries(signed_in(client, user), url) for user, url, _ in pages]
    for n in range(5):
        pid = candidate(f"P-H{n}", f"Đinh Văn H{n}")
        event(pid, "handed_over", D(2024, 6, 1), to_unit_code="C2")
    for user, url, ceiling in pages:
        signed_in(client, user)
        with django_assert_max_num_queries(ceiling):
            text = client.get(url).content.decode()
        assert text.count('data-test="outgoing-P-H') + text.count('data-test="incoming-P-H') == 5
    assert [_queries(signed_in(client, user), url) for user, url, _ in pages] == few


def test_a_handover_elsewhere_is_not_shown_to_bob(client, mai):
    event("P-MAI", "handed_over", D(2024, 6, 1), to_unit_code="C1-B")
    signed_in(client, "bob")
    assert client.get("/candidates/P-MAI/").status_code == 404
    assert "P-MAI" not in client.get("/units/C2/handovers/").content.decode()


# --- adding to the source list ---------------------------------------------------------------


def test_an_officer_adds_a_person_to_the_source_list(client, world):
    person_save(
        actor=SYSTEM, person_id="P-NEW", full_name="Lò Văn Mới", birth_date=D(2000, 1, 1),
        residence_place_code="V1", education_general="upper_secondary",
    )  # fmt: skip
    signed_in(client, "alice")
    form = client.get("/units/C1-A/candidates/new/").content.decode()
    assert '<option value="C1-A" selected' in form and 'value="P-AN"' in form
    response = client.post(
        "/units/C1-A/candidates/new/",
        {
            "person_id": "P-NEW", "cell_code": "C1-A", "added_on": "02/01/2025",
            "source_group": "youth_union", "mentor_person_ids": ["P-AN"], "note": "Tích cực",
        },
    )  # fmt: skip
    assert response.status_code == 302 and response.url == "/candidates/P-NEW/"
    stored = Candidate.objects.get(person__person_id="P-NEW")
    assert (stored.cell.code, stored.added_on, stored.source_group, stored.note) == (
        "C1-A",
        D(2025, 1, 2),
        "youth_union",
        "Tích cực",
    )
    assert [m.person_id for m in stored.mentors.all()] == ["P-AN"]
    assert "Added to the source list" in client.get(response.url).content.decode()


def test_a_commune_officer_chooses_the_cell(client, world):
    text = signed_in(client, "alice").get("/units/N1/candidates/new/").content.decode()
    assert 'value="C1-A"' in text and 'value="C1-B"' in text and "C2-A" not in text


def test_adding_refuses_people_outside_the_users_units_and_existing_candidates(client, binh, mai):
    signed_in(client, "alice")
    before = Candidate.objects.count(), AuditEntry.objects.count()
    base = {"cell_code": "C1-A", "added_on": "02/01/2025"}
    cases = [
        ({"person_id": "P-LAN"}, "person_id", "Unknown person: P-LAN."),  # bob's commune
        ({"person_id": "P-NOBODY"}, "person_id", "Unknown person: P-NOBODY."),
        ({"person_id": "P-MAI"}, "person_id", "P-MAI is already a candidate"),
        ({"person_id": "P-DUNG", "mentor_other": "P-LAN"}, "mentor_other",
         "Unknown person: P-LAN."),
        ({"person_id": "P-DUNG", "cell_code": "C2-A"}, "cell_code", "Select a valid choice."),
        ({"person_id": "P-DUNG", "added_on": "2999-01-01"}, "added_on",
         "The date added to the source list is in the future."),
    ]  # fmt: skip
    for data, field, message in cases:
        response = client.post("/units/C1-A/candidates/new/", {**base, **data})
        assert response.status_code == 200
        block = response.content.decode().split(f'data-test="field-{field}"')[1]
        assert message in block.split('data-test="field-')[0], (data, block[:500])
    assert (Candidate.objects.count(), AuditEntry.objects.count()) == before


def test_vietnamese_by_default(client, mai):
    """Needs po_parts/web_pipeline.po merged into the catalogue."""
    signed_in(client, "alice", language=None)
    text = client.get("/candidates/P-MAI/?on=2024-06-01").content.decode()
    assert "Có thể ghi nhận tiếp" in text and "Quá trình" in text
    assert "đã đưa vào danh sách nguồn" in text  # a stage label from the catalogue
    board = client.get("/units/C1-A/candidates/?view=board").content.decode()
    assert "Danh sách nguồn" in board
