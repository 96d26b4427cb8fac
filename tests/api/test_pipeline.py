"""The pipeline's reads through the API: the source list, a candidate, what is due, eligibility on
a date. Each body is compared with what the page's own selector gives, in the same words.

On 2024-12-02 alice (officer at C1) has in C1-A: P-MAI admitted (ceremony 2024-11-01), P-TRUOT
whose cell vote failed, P-NGOAI whose vote is kept as an exception and whose admission decision
falls due (R8), P-NHO not yet 18 (R1, from 2025-03-01), P-NGHI paused; in C1-B: P-BE on the source
list. Bob (officer at C2) has P-HAI in C2-A. Vera is a viewer at the province.
"""

import datetime as dt

import pytest
from django.utils import translation

from ranks.access.scope import scope_for
from ranks.api.services import token_create
from ranks.core.actor import SYSTEM, Actor
from ranks.people.services import person_save
from ranks.pipeline.due import due_list
from ranks.pipeline.facts_from_records import candidate_for_facts
from ranks.pipeline.findings_text import rule_name
from ranks.pipeline.models import Candidate
from ranks.pipeline.selectors import candidate_overview, candidates_paged
from ranks.pipeline.services import candidate_save
from tests.api.conftest import bearer
from tests.factories import record_dossier
from tests.pipeline.test_pages import DOSSIER_START, VOTE_DAY, admitted, candidate, event

D = dt.date
ON = D(2024, 12, 2)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
EXCEPTION = {
    "exception_approved_by": "Ban Thường vụ Huyện ủy",
    "exception_document": "Công văn 9-CV/HU",
}
ALICE_S = {"P-MAI", "P-TRUOT", "P-NGOAI", "P-NHO", "P-NGHI", "P-BE"}


@pytest.fixture
def pipeline(world):
    candidate("P-MAI", "Lò Thị Mai", source_group="youth_union", mentor_person_ids=["P-AN"])
    record_dossier("P-MAI", "C1-A", DOSSIER_START)
    admitted("P-MAI")
    candidate("P-TRUOT", "Hà Văn Trượt", source_group="military")
    record_dossier("P-TRUOT", "C1-A", DOSSIER_START)
    event("P-TRUOT", "cell_resolution", VOTE_DAY, votes_for=1)
    candidate("P-NGOAI", "Mào Thị Ngoại", note="Hồ sơ đặc biệt")
    record_dossier("P-NGOAI", "C1-A", DOSSIER_START)
    event("P-NGOAI", "cell_resolution", VOTE_DAY, votes_for=2, official_members=2, **EXCEPTION)
    person_save(
        actor=SYSTEM,
        person_id="P-NHO",
        full_name="Lò Thị Nhỏ",
        birth_date=D(2007, 3, 10),
        education_general="upper_secondary",
        residence_place_code="V1",
    )
    candidate_save(
        actor=SYSTEM,
        person_id="P-NHO",
        cell_code="C1-A",
        added_on=DOSSIER_START,
        source_group="student",
    )
    event("P-NHO", "source_list", DOSSIER_START)
    candidate("P-NGHI", "Vì Văn Nghỉ", source_group="worker")
    event("P-NGHI", "source_list", DOSSIER_START)
    event("P-NGHI", "paused", D(2024, 6, 1), detail="Đi học xa")
    candidate("P-BE", "Quàng Thị Bé", cell="C1-B", residence="S1", source_group="student")
    event("P-BE", "source_list", DOSSIER_START)
    candidate("P-HAI", "Quàng Văn Hai", cell="C2-A", residence="V2")
    event("P-HAI", "source_list", DOSSIER_START)
    return world


@pytest.fixture
def headers(pipeline, tokens):
    vera = token_create(actor=SYSTEM, username="vera", name="vera's script")[1]
    return {
        "alice": bearer(tokens["alice"]),
        "bob": bearer(tokens["bob"]),
        "vera": bearer(vera),
    }


def every_page(client, url, headers):
    rows, pages = [], 0
    while url:
        response = client.get(url, **headers)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        url, pages = body["next"], pages + 1
    return rows, pages


def scope_of_user(world, username):
    return scope_for(Actor.for_user(world.users[username]))


def facts_candidate(person_id):
    return candidate_for_facts(Candidate.objects.all(), person_id)


def words(finding):
    """A finding row of the page as the API gives it."""
    return {
        "status": finding.status,
        "rule": finding.rule,
        "name": rule_name(finding.rule),
        "document": finding.document,
        "clause": finding.clause,
        "citation": finding.citation,
        "message": finding.message,
        "code": finding.code,
        "date": finding.date.isoformat() if finding.date else None,
    }


# --- the source list ------------------------------------------------------------------------


def test_the_candidates_are_the_source_lists_rows(client, headers, pipeline):
    rows, pages = every_page(
        client, f"/api/v1/units/C1/candidates/?on={ON}&page_size=2", {**headers["alice"], **EN}
    )
    assert pages == 3
    # By person id, each once: the cursor's order.
    assert [r["person_id"] for r in rows] == sorted(ALICE_S)
    with translation.override("en"):
        page = candidates_paged(
            scope=scope_of_user(pipeline, "alice"), unit=pipeline.units["C1"], day=ON
        )
        by_id = {r["person_id"]: r for r in rows}
        assert set(by_id) == {row.candidate.person.person_id for row in page.rows}
        for row in page.rows:
            c = row.candidate
            got = by_id[c.person.person_id]
            assert got["full_name"] == c.person.full_name
            assert got["cell"] == {"code": c.cell.code, "name": row.cell_name}
            assert got["source_group"] == c.source_group
            assert got["source_group_name"] == (
                str(c.get_source_group_display()) if c.source_group else ""
            )
            assert got["added_on"] == c.added_on.isoformat()
            assert got["standing"]["stage"] == row.state.stage
            assert got["standing"]["days_in_stage"] == row.days
            assert got["standing"]["side_state"] == row.state.side
            assert got["standing"]["vote_failed"] == (row.failed_vote is not None)
            assert [m["person_id"] for m in got["mentors"]] == [
                m.person_id for m in c.mentors.all()
            ]
            # The next deadline is the earliest the candidate's page lists.
            deadlines = candidate_overview(
                candidate=facts_candidate(c.person.person_id),
                day=ON,
                may_record=False,
                handover=None,
            ).deadlines
            dated = sorted((f for f in deadlines if f.date), key=lambda f: (f.date, f.rule))
            assert got["next_due"] == (words(dated[0]) if dated else None)
    assert by_id["P-TRUOT"]["standing"]["vote_failed"] is True
    assert by_id["P-MAI"]["standing"]["status"] == "member"
    assert by_id["P-MAI"]["next_due"]["rule"] == "R11"
    assert by_id["P-NGHI"]["standing"]["status"] == "paused"
    assert by_id["P-NHO"]["standing"]["status"] == "active"


@pytest.mark.parametrize(
    "query, page_args",
    [
        ("stage=cell_resolution", {"stage": "cell_resolution"}),
        ("stage=source_list", {"stage": "source_list"}),
        ("status=member", {"state_key": "member"}),
        ("status=paused", {"state_key": "paused"}),
        ("status=active", {"state_key": "active"}),
        ("source_group=student", {"group": "student"}),
        ("source_group=student&stage=source_list", {"group": "student", "stage": "source_list"}),
    ],
)
@pytest.mark.parametrize("day", [ON, D(2024, 7, 1)])
def test_filters_are_the_source_lists(client, headers, pipeline, query, page_args, day):
    rows, _pages = every_page(
        client, f"/api/v1/units/C1/candidates/?on={day}&{query}", headers["alice"]
    )
    page = candidates_paged(
        scope=scope_of_user(pipeline, "alice"), unit=pipeline.units["C1"], day=day, **page_args
    )
    expected = sorted(row.candidate.person.person_id for row in page.rows)
    assert [r["person_id"] for r in rows] == expected


def test_the_filters_chose_what_they_say(client, headers, pipeline):
    get = lambda q: {  # noqa: E731
        r["person_id"]
        for r in client.get(f"/api/v1/units/C1/candidates/?on={ON}&{q}", **headers["alice"]).json()[
            "results"
        ]
    }
    assert get("stage=cell_resolution") == {"P-TRUOT", "P-NGOAI"}
    assert get("status=member") == {"P-MAI"}
    assert get("status=paused") == {"P-NGHI"}
    assert get("source_group=student") == {"P-NHO", "P-BE"}


@pytest.mark.parametrize(
    "query, field",
    [
        ("stage=paused", "stage"),
        ("stage=", "stage"),
        ("status=admitted", "status"),
        ("source_group=farmer", "source_group"),
        ("on=2024-13-01", "on"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(client, headers, query, field):
    response = client.get(f"/api/v1/units/C1/candidates/?{query}", **headers["alice"], **EN)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["details"]


def test_a_page_costs_its_rows(client, headers, pipeline):
    """Two rows or five: the same number of queries (the events, mentors and names of the page
    alone)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/api/v1/units/C1/candidates/", **headers["alice"])  # the token's last use
    counts = []
    for size in (2, 5):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(
                f"/api/v1/units/C1/candidates/?on={ON}&page_size={size}", **headers["alice"]
            )
        assert len(response.json()["results"]) == size
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- the scope -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username, others, own_unit, own",
    [
        ("bob", ["P-MAI", "P-BE", "P-NHO"], "C2", {"P-HAI"}),
        ("alice", ["P-HAI"], "C1", ALICE_S),
    ],
)
def test_the_others_candidates_are_missing(client, headers, username, others, own_unit, own):
    h = headers[username]
    missing = client.get("/api/v1/candidates/NO-SUCH/", **h)
    assert missing.status_code == 404
    for person_id in others:
        for path in (
            f"/api/v1/candidates/{person_id}/",
            f"/api/v1/candidates/{person_id}/?on={ON}",
            f"/api/v1/candidates/{person_id}/eligibility/",
            f"/api/v1/candidates/{person_id}/eligibility/?on={ON}",
        ):
            response = client.get(path, **h)
            assert response.status_code == 404, path
            assert response.json() == missing.json()
    other_unit = {"bob": "C1", "alice": "C2"}[username]
    for path in (f"/api/v1/units/{other_unit}/candidates/", f"/api/v1/units/{other_unit}/due/"):
        assert client.get(f"{path}?on={ON}", **h).status_code == 404
    # The own lists hold one's own only, on any date.
    for day in (ON, D(2024, 7, 1), D(2026, 3, 16)):
        listed, _pages = every_page(client, f"/api/v1/units/{own_unit}/candidates/?on={day}", h)
        assert {r["person_id"] for r in listed} <= own
        due, _pages = every_page(client, f"/api/v1/units/{own_unit}/due/?on={day}", h)
        assert {r["person_id"] for r in due} <= own
    province, _pages = every_page(client, f"/api/v1/units/P/candidates/?on={ON}", headers["vera"])
    assert {r["person_id"] for r in province} == ALICE_S | {"P-HAI"}


# --- a candidate -----------------------------------------------------------------------------


def test_a_candidate_is_its_page(client, headers, pipeline):
    body = client.get(f"/api/v1/candidates/P-NGOAI/?on={ON}", **headers["alice"], **EN).json()
    with translation.override("en"):
        overview = candidate_overview(
            candidate=facts_candidate("P-NGOAI"), day=ON, may_record=True, handover=None
        )
        eligibility = [words(f) for f in overview.eligibility]
        deadlines = [words(f) for f in overview.deadlines]
        next_stages = [
            {"stage": n.stage, "allowed": n.allowed, "blockers": [words(b) for b in n.blockers]}
            for n in overview.next_stages
        ]
    assert body["person_id"] == "P-NGOAI" and body["on"] == ON.isoformat()
    assert body["cell"] == {"code": "C1-A", "name": overview.cell_name}
    assert body["note"] == "Hồ sơ đặc biệt"
    assert body["may_record"] is True and body["may_answer_handover"] is False
    assert [(e["id"], e["stage"], e["date"]) for e in body["events"]] == [
        (t.event.pk, t.event.stage, t.event.date.isoformat()) for t in overview.timeline
    ]
    vote = body["events"][-1]
    assert vote["stage"] == "cell_resolution"
    assert (vote["votes_for"], vote["official_members"]) == (2, 2)
    assert vote["exception"] == {
        "approved_by": EXCEPTION["exception_approved_by"],
        "document": EXCEPTION["exception_document"],
    }
    introduced = next(e for e in body["events"] if e["stage"] == "introducers_assigned")
    assert {p["person_id"] for p in introduced["introducers"]} == {"P-GT1", "P-GT2"}
    assert introduced["exception"] is None
    assert next(e for e in body["events"] if e["stage"] == "class_passed")["certificate_no"] == (
        "GCN-P-NGOAI"
    )
    assert body["standing"]["stage"] == overview.state.stage == "cell_resolution"
    assert body["vote"]["passed"] is True
    assert body["eligibility"] == eligibility
    assert body["deadlines"] == deadlines and deadlines[0]["rule"] == "R8"
    assert body["next_stages"] == next_stages
    assert body["side_actions"] == [str(s) for s in overview.side_actions]
    assert [p["stage"] for p in body["periods"]] == [p.stage for p in overview.periods]


def test_a_blocked_next_stage_names_its_rules(client, headers, pipeline):
    """P-NHO is not 18: the next stages after the source list are blocked by R1 with its
    citation and message, in the page's words."""
    body = client.get(f"/api/v1/candidates/P-NHO/?on={ON}", **headers["alice"], **EN).json()
    blocked = [n for n in body["next_stages"] if not n["allowed"]]
    assert blocked
    with translation.override("en"):
        overview = candidate_overview(
            candidate=facts_candidate("P-NHO"), day=ON, may_record=True, handover=None
        )
        for n in overview.next_stages:
            if not n.allowed:
                assert {
                    "stage": n.stage,
                    "allowed": False,
                    "blockers": [words(b) for b in n.blockers],
                } in blocked


def test_a_failed_vote_and_a_member(client, headers, pipeline):
    failed = client.get(f"/api/v1/candidates/P-TRUOT/?on={ON}", **headers["alice"]).json()
    assert failed["standing"]["vote_failed"] is True
    assert failed["vote"]["passed"] is False and failed["vote"]["votes_for"] == 1
    member = client.get(f"/api/v1/candidates/P-MAI/?on={ON}", **headers["alice"]).json()
    assert member["member_status"] == "probationary"
    assert member["standing"]["status"] == "member"
    assert member["mentors"] == [{"person_id": "P-AN", "full_name": "Nguyễn Văn An"}]
    before = client.get(f"/api/v1/candidates/P-MAI/?on={D(2024, 6, 1)}", **headers["alice"]).json()
    assert before["member_status"] is None
    assert any(e["after_date"] for e in before["events"])
    paused = client.get(f"/api/v1/candidates/P-NGHI/?on={ON}", **headers["alice"]).json()
    assert paused["standing"]["side_state"] == "paused"
    assert paused["standing"]["side_since"] == "2024-06-01"
    assert paused["next_stages"] == []


def test_a_viewer_sees_no_next_stages(client, headers, pipeline):
    """As on the page: what may be recorded next is for who may record."""
    body = client.get(f"/api/v1/candidates/P-NHO/?on={ON}", **headers["vera"]).json()
    assert body["may_record"] is False
    assert body["next_stages"] == [] and body["side_actions"] == []
    assert body["eligibility"]  # the findings are read all the same


# --- eligibility -----------------------------------------------------------------------------


@pytest.mark.parametrize("person_id", ["P-NHO", "P-NGOAI", "P-MAI", "P-BE"])
@pytest.mark.parametrize("day", [ON, D(2024, 6, 1), D(2025, 4, 1)])
def test_eligibility_is_the_pages(client, headers, pipeline, person_id, day):
    body = client.get(
        f"/api/v1/candidates/{person_id}/eligibility/?on={day}", **headers["alice"], **EN
    ).json()
    with translation.override("en"):
        expected = candidate_overview(
            candidate=facts_candidate(person_id), day=day, may_record=False, handover=None
        ).eligibility
        assert body == {
            "person_id": person_id,
            "on": day.isoformat(),
            "findings": [words(f) for f in expected],
        }


def test_eligibility_says_when_it_becomes_ok(client, headers, pipeline):
    body = client.get(f"/api/v1/candidates/P-NHO/eligibility/?on={ON}", **headers["alice"]).json()
    r1 = next(f for f in body["findings"] if f["rule"] == "R1")
    assert (r1["status"], r1["date"]) == ("blocked", "2025-03-01")
    later = client.get(
        "/api/v1/candidates/P-NHO/eligibility/?on=2025-03-01", **headers["alice"]
    ).json()
    assert next(f for f in later["findings"] if f["rule"] == "R1")["status"] == "ok"


def test_messages_in_the_language_asked(client, headers, pipeline):
    url = f"/api/v1/candidates/P-NHO/eligibility/?on={ON}"
    english = client.get(url, **headers["alice"], **EN).json()["findings"]
    vietnamese = client.get(url, **headers["alice"]).json()["findings"]
    facts = facts_candidate("P-NHO")
    for language, found in (("en", english), ("vi", vietnamese)):
        with translation.override(language):
            rows = candidate_overview(
                candidate=facts, day=ON, may_record=False, handover=None
            ).eligibility
            assert [(f["name"], f["citation"], f["message"]) for f in found] == [
                (rule_name(r.rule), r.citation, r.message) for r in rows
            ]
    r1_en = next(f for f in english if f["rule"] == "R1")
    r1_vi = next(f for f in vietnamese if f["rule"] == "R1")
    assert r1_en["message"] != r1_vi["message"] and r1_en["name"] == "minimum age"
    assert r1_en["citation"] != r1_vi["citation"]
    missing = client.get("/api/v1/candidates/NO-SUCH/", **headers["alice"], **EN).json()
    assert missing["message"] == "No such candidate."


# --- what is due -----------------------------------------------------------------------------


def due_rows(items):
    with translation.override("en"):
        return [
            {
                "person_id": i.person_id,
                "full_name": i.full_name,
                "cell": {"code": i.cell_code, "name": i.cell_name},
                "status": i.status,
                "overdue": i.overdue,
                "date": i.date.isoformat() if i.date else None,
                "rule": i.rule,
                "name": rule_name(i.rule),
                "document": i.document,
                "clause": i.clause,
                "citation": i.citation,
                "message": i.message,
            }
            for i in items
        ]


def page_order(row):
    return (
        not row["overdue"],
        row["date"] or "9999",
        row["full_name"],
        row["person_id"],
        row["rule"],
    )


@pytest.mark.parametrize("day, code", [(ON, "C1"), (D(2025, 2, 10), "C1"), (D(2025, 10, 20), "N1")])
@pytest.mark.parametrize("size", [1, 3, 50])
def test_what_is_due_is_the_pages_list(client, headers, pipeline, day, code, size):
    rows, _pages = every_page(
        client, f"/api/v1/units/{code}/due/?on={day}&page_size={size}", {**headers["alice"], **EN}
    )
    with translation.override("en"):
        expected = due_list(
            scope=scope_of_user(pipeline, "alice"), unit=pipeline.units[code], on=day
        )
    assert sorted(rows, key=page_order) == due_rows(expected)
    assert expected  # something is due on each of these dates


def test_due_items_carry_rule_and_citation(client, headers, pipeline):
    rows, _pages = every_page(client, f"/api/v1/units/C1/due/?on={ON}", {**headers["alice"], **EN})
    r8 = next(r for r in rows if r["person_id"] == "P-NGOAI")
    assert r8["rule"] == "R8" and r8["name"] == "admission decision in time"
    assert r8["citation"] and r8["document"] and r8["clause"]
    r1 = next(r for r in rows if r["person_id"] == "P-NHO")
    assert (r1["rule"], r1["status"], r1["date"], r1["overdue"]) == (
        "R1",
        "warning",
        "2025-03-01",
        False,
    )


def test_due_within_days(client, headers, pipeline):
    everything, _pages = every_page(client, f"/api/v1/units/C1/due/?on={ON}", headers["alice"])
    soon, _pages = every_page(client, f"/api/v1/units/C1/due/?on={ON}&within=30", headers["alice"])
    last = ON + dt.timedelta(days=30)
    assert soon == [
        r for r in everything if r["overdue"] or not r["date"] or r["date"] <= last.isoformat()
    ]
    assert len(soon) < len(everything)
    bad = client.get("/api/v1/units/C1/due/?within=-1", **headers["alice"])
    assert bad.status_code == 400 and "within" in bad.json()["details"]


def test_the_due_messages_are_the_pages(client, headers, pipeline):
    vietnamese, _pages = every_page(client, f"/api/v1/units/C1/due/?on={ON}", headers["alice"])
    with translation.override("vi"):
        expected = due_list(
            scope=scope_of_user(pipeline, "alice"), unit=pipeline.units["C1"], on=ON
        )
        assert sorted(
            (r["person_id"], r["rule"], r["message"], r["citation"]) for r in vietnamese
        ) == sorted((i.person_id, i.rule, i.message, i.citation) for i in expected)


def test_a_handover_shows_the_candidate_to_the_receiving_side(client, headers, pipeline):
    """Handed over to C2 and waiting for an answer, P-BE is seen by bob as on the candidate page
    (with the answer his to give), yet stays off his unit's lists: it is not in his cells."""
    event("P-BE", "handed_over", D(2024, 11, 4), to_unit_code="C2", detail="Chuyển nơi ở")
    body = client.get(f"/api/v1/candidates/P-BE/?on={ON}", **headers["bob"]).json()
    assert body["may_answer_handover"] is True and body["may_record"] is False
    assert body["handover"]["date"] == "2024-11-04"
    assert body["handover"]["to_unit"]["code"] == "C2"
    assert body["standing"]["side_state"] == "handed_over"
    assert body["standing"]["status"] == "handed_over"
    assert client.get("/api/v1/candidates/P-BE/eligibility/", **headers["bob"]).status_code == 200
    listed, _pages = every_page(client, f"/api/v1/units/C2/candidates/?on={ON}", headers["bob"])
    assert {r["person_id"] for r in listed} == {"P-HAI"}
    mine = client.get(f"/api/v1/candidates/P-BE/?on={ON}", **headers["alice"]).json()
    assert mine["may_record"] is True and mine["handover"]["to_unit"]["code"] == "C2"
