"""The pipeline's writes through the API: adding to a source list, recording a stage event,
correcting one. They refuse what the pages refuse, message for message (the same event posted to
the page and to the API); an Idempotency-Key retry records once; each write is audited with the
channel `api`; a read-only token, another commune's officer and a viewer are refused."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ranks.api.services import token_create
from ranks.core.actor import SYSTEM
from ranks.core.clock import today
from ranks.core.models import AuditEntry
from ranks.people.models import Membership
from ranks.people.services import person_save
from ranks.pipeline.models import Candidate, StageEvent
from ranks.pipeline.services import candidate_save, stage_event_save
from tests.api.conftest import bearer
from tests.factories import add_introducers, record_dossier

D = dt.date
DOSSIER_START = D(2024, 3, 1)  # six steps 14 days apart: done on 2024-05-10
VOTE_DAY = D(2024, 9, 10)
BORN = D(1998, 4, 1)


def person(person_id, name="Lò Thị Mai", born=BORN, residence="V1"):
    return person_save(
        actor=SYSTEM,
        person_id=person_id,
        full_name=name,
        birth_date=born,
        education_general="upper_secondary",
        residence_place_code=residence,
    )


def candidate(person_id, cell="C1-A", born=BORN, residence="V1"):
    person(person_id, born=born, residence=residence)
    candidate_save(actor=SYSTEM, person_id=person_id, cell_code=cell, added_on=DOSSIER_START)
    return person_id


def event(person_id, stage, date, **fields):
    return stage_event_save(actor=SYSTEM, person_id=person_id, stage=stage, date=date, **fields)


@pytest.fixture
def mai(world):
    """Alice's candidate in C1-A, dossier complete on 2024-05-10 (R1–R6 hold for a vote)."""
    candidate("P-MAI")
    record_dossier("P-MAI", "C1-A", DOSSIER_START)
    return "P-MAI"


@pytest.fixture
def hoa(world):
    """Alice's candidate in C1-A with nothing recorded yet."""
    add_introducers("C1-A")
    return candidate("P-HOA")


@pytest.fixture
def binh(world):
    """Bob's candidate in C2-A."""
    return candidate("P-BINH", cell="C2-A", residence="V2")


def api(token, url, body, *, language="en", key=None):
    headers = bearer(token)
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return Client().post(
        url, json.dumps(body, default=str), content_type="application/json", **headers
    )


def page_client(username, language="en"):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    if language:
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def shown(response) -> dict[str, list[str]]:
    """The messages a form page shows: at the top ("top") and next to each field."""
    text = response.content.decode()
    found: dict[str, list[str]] = {}
    top = re.search(r'<div class="notice error" role="alert"[^>]*>(.*?)</div>', text, re.S)
    if top:
        found["top"] = [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", top.group(1), re.S)]
    blocks = re.split(r'data-test="field-(\w+)"', text)
    for name, block in zip(blocks[1::2], blocks[2::2], strict=True):
        errors = re.search(r'<div class="field-error" role="alert">(.*?)</div>', block, re.S)
        if errors and not block.split(errors.group(0))[0].count('class="field'):
            found[name] = [
                html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", errors.group(1), re.S)
            ]
    return found


def written():
    return (
        StageEvent.objects.count(),
        AuditEntry.objects.count(),
        Membership.objects.count(),
        Candidate.objects.count(),
    )


def assert_same_refusal(page, answer, page_field_names=None):
    """The API refuses with the messages the page shows, where the page shows them."""
    body = answer.json()
    assert page.status_code == 200, page.content.decode()[:2000]
    assert answer.status_code == 400, body
    messages = shown(page)
    assert messages, "the page showed no refusal"
    if body["message"] not in [m for ms in messages.values() for m in ms]:
        # The form's own checks: the same messages under the same fields.
        assert body["code"] == "invalid"
        names = page_field_names or {}
        assert {names.get(k, k): v for k, v in messages.items()} == body["details"]
        return body
    # A refusal by the service: one message, next to its field or at the top of the form.
    assert [m for ms in messages.values() for m in ms] == [body["message"]]
    field = [k for k in body["details"] if k != "rules"]
    assert [body["details"][k] for k in field] == [[body["message"]]]
    if body["code"] == "rule_refused":
        assert list(messages) == ["top"]
        rules = body["details"]["rules"]
        assert rules
        for rule in rules:
            assert set(rule) == {"rule", "name", "document", "clause", "citation", "message"}
            said = f"{rule['rule']} – {rule['name']} ({rule['citation']}): {rule['message']}"
            assert said in messages["top"][0], (said, messages["top"][0])
    return body


# --- the same event to the page and to the API ------------------------------------------------


def _over_60(world):
    candidate("P-OLD", born=D(1962, 1, 15))
    record_dossier("P-OLD", "C1-A", DOSSIER_START)
    return "P-OLD"


def _failed_vote(world):
    candidate("P-MAI")
    record_dossier("P-MAI", "C1-A", DOSSIER_START)
    event("P-MAI", "cell_resolution", VOTE_DAY, votes_for=1, official_members=3)
    return "P-MAI"


def _nothing_yet(world):
    add_introducers("C1-A")
    return candidate("P-HOA")


def _dossier(world):
    candidate("P-MAI")
    record_dossier("P-MAI", "C1-A", DOSSIER_START)
    return "P-MAI"


def _voted_in_may(world):
    _dossier(world)
    event("P-MAI", "cell_resolution", D(2024, 5, 20), votes_for=3, official_members=3)
    event("P-MAI", "committee_resolution", D(2024, 5, 27))
    return "P-MAI"


def _paused(world):
    _dossier(world)
    event("P-MAI", "paused", D(2024, 6, 1))
    return "P-MAI"


TOMORROW = today() + dt.timedelta(days=1)
VOTE = {"date": VOTE_DAY, "votes_for": 3, "official_members": 3}
# (name, the candidacy's history, the stage, its fields, the rules that refuse it or None)
REFUSALS = [
    ("R2 over 60 at the vote (age)", _over_60, "cell_resolution", VOTE, ["R2"]),
    ("R7 vote short", _failed_vote, "committee_resolution", {"date": D(2024, 9, 20)}, ["R7"]),
    ("a vote before the earlier steps", _nothing_yet, "cell_resolution", VOTE, "R4"),
    (
        "R8 decision too late (date)",
        _voted_in_may,
        "admission_decision",
        {"date": D(2024, 10, 15), "decision_no": "1-QĐ/HU"},
        ["R8"],
    ),
    ("a ceremony before its decision", _dossier, "ceremony", {"date": D(2024, 7, 5)}, None),
    ("a step while paused", _paused, "cell_resolution", VOTE, None),
    (
        "more votes than members",
        _dossier,
        "cell_resolution",
        {**VOTE, "votes_for": 4},
        None,
    ),
    (
        "half an exception",
        _dossier,
        "cell_resolution",
        {**VOTE, "exception_approved_by": "Tỉnh ủy"},
        None,
    ),
    ("a vote without its votes", _dossier, "cell_resolution", {"date": VOTE_DAY}, None),
    ("a handover to no unit", _dossier, "handed_over", {"date": D(2024, 6, 1)}, None),
    (
        "a handover to an unknown unit",
        _dossier,
        "handed_over",
        {"date": D(2024, 6, 1), "to_unit_code": "X-9"},
        None,
    ),
    ("a date in the future", _dossier, "paused", {"date": TOMORROW}, None),
    (
        "introducers who are no members",
        _nothing_yet,
        "introducers_assigned",
        {"date": D(2024, 4, 1), "introducer_person_ids": ["P-GT1", "P-LAN"]},
        "R6",
    ),
]


def _page_data(fields):
    data = {}
    for name, value in fields.items():
        data[name] = value.isoformat() if isinstance(value, dt.date) else value
        if isinstance(value, int):
            data[name] = str(value)
    return data


@pytest.mark.parametrize(
    "history, stage, fields, rules", [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_a_refused_event_says_on_the_api_what_the_page_says(
    world, tokens, history, stage, fields, rules
):
    person_id = history(world)
    before = written()
    page = page_client("alice").post(f"/candidates/{person_id}/events/{stage}/", _page_data(fields))
    answer = api(
        tokens["alice"], f"/api/v1/candidates/{person_id}/events/", {"stage": stage, **fields}
    )
    body = assert_same_refusal(page, answer)
    if rules is None:
        assert body["code"] != "rule_refused"
    else:
        assert body["code"] == "rule_refused"
        found = [r["rule"] for r in body["details"]["rules"]]
        assert found == rules if isinstance(rules, list) else rules in found
    assert written() == before


def test_a_refusal_by_rules_in_vietnamese_by_default(world, tokens):
    person_id = _failed_vote(world)
    page = page_client("alice", language=None).post(
        f"/candidates/{person_id}/events/committee_resolution/", {"date": "2024-09-20"}
    )
    answer = api(
        tokens["alice"],
        f"/api/v1/candidates/{person_id}/events/",
        {"stage": "committee_resolution", "date": "2024-09-20"},
        language=None,
    )
    body = assert_same_refusal(page, answer)
    assert body["message"].startswith("Không ghi nhận được: R7")
    english = api(
        tokens["alice"],
        f"/api/v1/candidates/{person_id}/events/",
        {"stage": "committee_resolution", "date": "2024-09-20"},
    ).json()
    assert english["message"].startswith("Refused: R7")
    assert english["details"]["rules"][0]["message"] == (
        "Only 1 of 3 official members voted for (2 needed)."
    )
    assert body["details"]["rules"][0]["message"] != english["details"]["rules"][0]["message"]


def test_the_schemas_example_of_a_refusal_is_what_the_api_answers(world, tokens):
    from ranks.api.endpoints.records import REFUSED_EXAMPLE

    person_id = _failed_vote(world)
    answer = api(
        tokens["alice"],
        f"/api/v1/candidates/{person_id}/events/",
        {"stage": "committee_resolution", "date": "2024-09-20"},
    )
    assert answer.status_code == 400 and answer.json() == REFUSED_EXAMPLE.value


def test_the_same_refused_step_is_recorded_as_an_exception(mai, tokens):
    event("P-MAI", "cell_resolution", VOTE_DAY, votes_for=1, official_members=3)
    answer = api(
        tokens["alice"],
        "/api/v1/candidates/P-MAI/events/",
        {
            "stage": "committee_resolution",
            "date": "2024-09-20",
            "exception_approved_by": "Ban Thường vụ Huyện ủy",
            "exception_document": "CV-7/HU",
        },
    )
    assert answer.status_code == 201, answer.json()
    entry = AuditEntry.objects.filter(action="ranks.pipeline.event.created").latest("seq")
    assert entry.channel == "api" and entry.actor == "alice"
    assert entry.after["exception_for"] == ["R7"]


# --- recording ----------------------------------------------------------------------------------


def test_recording_a_step_answers_what_was_recorded_audited_with_channel_api(hoa, tokens):
    answer = api(
        tokens["alice"],
        "/api/v1/candidates/P-HOA/events/",
        {
            "stage": "class_passed",
            "date": "2024-03-20",
            "class_name": "Lớp 3/2024",
            "certificate_no": "GCN-77",
            "detail": "Loại khá",
        },
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    stored = StageEvent.objects.get(candidate__person__person_id="P-HOA", stage="class_passed")
    assert body["id"] == stored.pk and body["person_id"] == "P-HOA"
    assert (body["stage"], body["date"], body["class_name"], body["certificate_no"]) == (
        "class_passed",
        "2024-03-20",
        "Lớp 3/2024",
        "GCN-77",
    )
    assert (stored.class_name, stored.certificate_no, stored.detail) == (
        "Lớp 3/2024",
        "GCN-77",
        "Loại khá",
    )
    assert body["recorded_by"] == stored.recorded_by == "alice"
    assert body["to_unit_code"] is None and body["introducer_person_ids"] == []
    entry = AuditEntry.objects.filter(action="ranks.pipeline.event.created").latest("seq")
    assert (entry.actor, entry.channel, entry.object_id) == ("alice", "api", "P-HOA")
    assert entry.after["certificate_no"] == "GCN-77"


def test_introducers_and_a_vote_with_the_records_figure(mai, tokens, hoa):
    answer = api(
        tokens["alice"],
        "/api/v1/candidates/P-HOA/events/",
        {"stage": "introducers_assigned", "date": "2024-04-01",
         "introducer_person_ids": ["P-GT2", "P-GT1"]},
    )  # fmt: skip
    assert answer.status_code == 201, answer.json()
    assert answer.json()["introducer_person_ids"] == ["P-GT1", "P-GT2"]
    # A vote with the official members left blank counts the records' figure (P-AN, P-GT1, P-GT2).
    vote = api(
        tokens["alice"],
        "/api/v1/candidates/P-MAI/events/",
        {"stage": "cell_resolution", "date": "2024-09-10", "votes_for": 3,
         "official_members": None},
    )  # fmt: skip
    assert vote.status_code == 201, vote.json()
    assert (vote.json()["votes_for"], vote.json()["official_members"]) == (3, 3)


def test_a_handover_is_answered_by_the_receiving_communes_officer(mai, tokens):
    handed = api(
        tokens["alice"],
        "/api/v1/candidates/P-MAI/events/",
        {"stage": "handed_over", "date": "2024-06-01", "to_unit_code": "C2"},
    )
    assert handed.status_code == 201 and handed.json()["to_unit_code"] == "C2"
    # Alice may not answer for bob's commune; bob may only answer, not record other steps.
    accept = {"stage": "handover_accepted", "date": "2024-06-10", "to_unit_code": "C2-A"}
    refused = api(tokens["alice"], "/api/v1/candidates/P-MAI/events/", accept)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    other_step = api(
        tokens["bob"], "/api/v1/candidates/P-MAI/events/", {"stage": "paused", "date": "2024-06-05"}
    )
    assert other_step.status_code == 403
    # The cell that takes the candidate is one of the receiving unit's, as the page offers.
    wrong_cell = api(
        tokens["bob"], "/api/v1/candidates/P-MAI/events/", {**accept, "to_unit_code": "C1-A"}
    )
    assert wrong_cell.status_code == 400
    assert wrong_cell.json()["details"] == {
        "to_unit_code": ["Select a valid choice. C1-A is not one of the available choices."]
    }
    accepted = api(tokens["bob"], "/api/v1/candidates/P-MAI/events/", accept)
    assert accepted.status_code == 201, accepted.json()
    assert Candidate.objects.get(person__person_id="P-MAI").cell.code == "C2-A"
    moved = AuditEntry.objects.filter(action="ranks.pipeline.candidate.moved").latest("seq")
    assert (moved.actor, moved.channel) == ("bob", "api")
    # The candidacy is bob's commune's now: alice gets 404 like for a missing one.
    gone = api(
        tokens["alice"],
        "/api/v1/candidates/P-MAI/events/",
        {"stage": "paused", "date": "2024-06-20"},
    )
    assert gone.status_code == 404


def test_the_same_event_again_records_nothing_and_answers_200(mai, tokens):
    body = {"stage": "paused", "date": "2024-06-01", "detail": "Ốm"}
    first = api(tokens["alice"], "/api/v1/candidates/P-MAI/events/", body)
    before = written()
    again = api(tokens["alice"], "/api/v1/candidates/P-MAI/events/", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and written() == before


def test_a_field_the_stage_does_not_take_is_refused(mai, tokens):
    before = written()
    answer = api(
        tokens["alice"],
        "/api/v1/candidates/P-MAI/events/",
        {"stage": "paused", "date": "2024-06-01", "votes_for": 3, "location": "",
         "official_members": None},
    )  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["details"] == {"votes_for": ["Not asked for this stage (paused)."]}
    assert written() == before


def test_malformed_values_are_refused_by_field(mai, tokens):
    answer = api(
        tokens["alice"],
        "/api/v1/candidates/P-MAI/events/",
        {"stage": "elected", "date": "10/09/2024", "votes_for": "many"},
    )
    assert answer.status_code == 400
    assert set(answer.json()["details"]) == {"stage", "date", "votes_for"}


# --- Idempotency-Key ------------------------------------------------------------------------------


def test_an_idempotency_key_retry_records_one_event(hoa, tokens):
    url = "/api/v1/candidates/P-HOA/events/"
    body = {"stage": "class_passed", "date": "2024-03-20", "class_name": "Lớp 3/2024",
            "certificate_no": "GCN-77"}  # fmt: skip
    first = api(tokens["alice"], url, body, key="phone-7f3a")
    after_first = written()
    retry = api(tokens["alice"], url, body, key="phone-7f3a")
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert retry.json() == first.json()
    assert written() == after_first
    assert StageEvent.objects.filter(candidate__person__person_id="P-HOA").count() == 1
    created = AuditEntry.objects.filter(action="ranks.pipeline.event.created", object_id="P-HOA")
    assert [(e.actor, e.channel) for e in created] == [("alice", "api")]
    # The same key for another write is refused, and records nothing.
    other = api(tokens["alice"], url, {**body, "certificate_no": "GCN-78"}, key="phone-7f3a")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert written() == after_first


def test_a_refused_write_keeps_no_key_so_a_fixed_retry_records(mai, tokens):
    event("P-MAI", "cell_resolution", VOTE_DAY, votes_for=1, official_members=3)
    url = "/api/v1/candidates/P-MAI/events/"
    body = {"stage": "committee_resolution", "date": "2024-09-20"}
    refused = api(tokens["alice"], url, body, key="k-1")
    assert refused.status_code == 400 and refused.json()["code"] == "rule_refused"
    fixed = {**body, "exception_approved_by": "Huyện ủy", "exception_document": "CV-1"}
    assert api(tokens["alice"], url, fixed, key="k-1").status_code == 201


def test_adding_a_candidate_is_idempotent_too(world, tokens):
    person("P-NEW", "Lò Văn Mới")
    body = {"person_id": "P-NEW", "added_on": "2025-01-02"}
    first = api(tokens["alice"], "/api/v1/units/C1-A/candidates/", body, key="add-1")
    retry = api(tokens["alice"], "/api/v1/units/C1-A/candidates/", body, key="add-1")
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry["Idempotent-Replayed"] == "true" and retry.json() == first.json()
    without_key = api(tokens["alice"], "/api/v1/units/C1-A/candidates/", body)
    assert without_key.status_code == 400  # already a candidate: the service's refusal
    assert Candidate.objects.filter(person__person_id="P-NEW").count() == 1


# --- correcting -------------------------------------------------------------------------------------


def test_a_correction_replaces_the_fields_given_with_the_reason_audited(hoa, tokens):
    recorded = event(
        "P-HOA", "class_passed", D(2024, 3, 20), class_name="Lớp 3/2024", certificate_no="GCN-7"
    )
    answer = api(
        tokens["alice"],
        f"/api/v1/candidates/P-HOA/events/{recorded.pk}/correct/",
        {"certificate_no": "GCN-77", "reason": "Gõ nhầm số giấy chứng nhận."},
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["id"], body["class_name"], body["certificate_no"], body["date"]) == (
        recorded.pk,
        "Lớp 3/2024",
        "GCN-77",
        "2024-03-20",
    )
    assert body["reason"] == "Gõ nhầm số giấy chứng nhận."
    recorded.refresh_from_db()
    assert (recorded.class_name, recorded.certificate_no) == ("Lớp 3/2024", "GCN-77")
    entry = AuditEntry.objects.filter(action="ranks.pipeline.event.corrected").latest("seq")
    assert (entry.actor, entry.channel) == ("alice", "api")
    assert entry.before["certificate_no"] == "GCN-7"
    assert entry.after["reason"] == "Gõ nhầm số giấy chứng nhận."


CORRECTIONS = [
    ("no reason", {"certificate_no": "GCN-8"}),
    ("nothing to correct", {"certificate_no": "GCN-7", "reason": "Kiểm tra lại."}),
    ("a date in the future", {"date": TOMORROW, "reason": "Sai ngày."}),
    ("the day of another class", {"date": D(2024, 4, 20), "reason": "Sai ngày."}),
]


@pytest.mark.parametrize("fields", [c[1] for c in CORRECTIONS], ids=[c[0] for c in CORRECTIONS])
def test_a_refused_correction_says_on_the_api_what_the_page_says(hoa, tokens, fields):
    recorded = event(
        "P-HOA", "class_passed", D(2024, 3, 20), class_name="Lớp 3/2024", certificate_no="GCN-7"
    )
    event("P-HOA", "class_passed", D(2024, 4, 20), class_name="Lớp 4/2024", certificate_no="GCN-8")
    before = written()
    full = {"date": "2024-03-20", "class_name": "Lớp 3/2024", "certificate_no": "GCN-7",
            "detail": "", "reason": "", **fields}  # fmt: skip
    page = page_client("alice").post(
        f"/candidates/P-HOA/events/{recorded.pk}/correct/", _page_data(full)
    )
    answer = api(tokens["alice"], f"/api/v1/candidates/P-HOA/events/{recorded.pk}/correct/", fields)
    assert_same_refusal(page, answer)
    assert written() == before


def test_an_event_of_another_candidacy_is_404(mai, hoa, tokens):
    other = StageEvent.objects.filter(candidate__person__person_id="P-MAI").first()
    answer = api(
        tokens["alice"],
        f"/api/v1/candidates/P-HOA/events/{other.pk}/correct/",
        {"reason": "x"},
    )
    assert answer.status_code == 404
    assert answer.json()["message"] == "No such event of this candidacy."


# --- adding to a source list ----------------------------------------------------------------------


def test_adding_a_candidate_answers_what_was_recorded_audited_with_channel_api(world, tokens):
    person("P-NEW", "Lò Văn Mới")
    answer = api(
        tokens["alice"],
        "/api/v1/units/N1/candidates/",
        {"person_id": "P-NEW", "cell_code": "C1-A", "added_on": "2025-01-02",
         "source_group": "youth_union", "mentor_person_ids": ["P-AN"], "note": "Tích cực"},
    )  # fmt: skip
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert re.fullmatch(r"[0-9a-f]{16}", body.pop("basis"))  # the candidacy's version
    assert body == {
        "person_id": "P-NEW",
        "full_name": "Lò Văn Mới",
        "cell_code": "C1-A",
        "added_on": "2025-01-02",
        "source_group": "youth_union",
        "mentor_person_ids": ["P-AN"],
        "note": "Tích cực",
    }
    stored = Candidate.objects.get(person__person_id="P-NEW")
    assert (stored.cell.code, stored.added_on) == ("C1-A", D(2025, 1, 2))
    entry = AuditEntry.objects.filter(action="ranks.pipeline.candidate.created").latest("seq")
    assert (entry.actor, entry.channel, entry.object_id) == ("alice", "api", "P-NEW")
    # A cell's own address needs no cell code: the page fills it in.
    person("P-NEW-2", "Lò Văn Hai")
    answer = api(
        tokens["alice"],
        "/api/v1/units/C1-B/candidates/",
        {"person_id": "P-NEW-2", "added_on": "2025-01-02"},
    )
    assert answer.status_code == 201 and answer.json()["cell_code"] == "C1-B"


ADDING = [
    ("bob's person", {"person_id": "P-LAN"}),
    ("nobody", {"person_id": "P-NOBODY"}),
    ("already a candidate", {"person_id": "P-MAI"}),
    ("bob's mentor", {"person_id": "P-DUNG", "mentor_person_ids": ["P-LAN"]}),
    ("bob's cell", {"person_id": "P-DUNG", "cell_code": "C2-A"}),
    ("added in the future", {"person_id": "P-DUNG", "added_on": "2999-01-01"}),
    ("before the birth", {"person_id": "P-DUNG", "added_on": "1990-01-01"}),
]


@pytest.mark.parametrize("fields", [a[1] for a in ADDING], ids=[a[0] for a in ADDING])
def test_adding_refuses_on_the_api_what_the_page_refuses(mai, binh, tokens, fields):
    before = written()
    body = {"cell_code": "C1-A", "added_on": "2025-01-02", **fields}
    data = {**body}
    if "mentor_person_ids" in data:
        data["mentor_other"] = " ".join(data.pop("mentor_person_ids"))
    page = page_client("alice").post("/units/C1-A/candidates/new/", data)
    answer = api(tokens["alice"], "/api/v1/units/C1-A/candidates/", body)
    assert_same_refusal(page, answer, page_field_names={"mentor_other": "mentor_person_ids"})
    assert written() == before


# --- who may write ------------------------------------------------------------------------------------


def _writes(event_id):
    return [
        ("/api/v1/units/C1-A/candidates/", {"person_id": "P-DUNG", "added_on": "2025-01-02"}),
        ("/api/v1/candidates/P-MAI/events/", {"stage": "paused", "date": "2024-06-01"}),
        (f"/api/v1/candidates/P-MAI/events/{event_id}/correct/", {"detail": "x", "reason": "y"}),
    ]


def test_a_read_only_token_cannot_write(mai, tokens):
    read_only = token_create(actor=SYSTEM, username="alice", name="reader", read_only=True)[1]
    before = written()
    for url, body in _writes(StageEvent.objects.first().pk):
        answer = api(read_only, url, body)
        assert answer.status_code == 403, url
        assert answer.json()["code"] == "read_only_token"
    assert written() == before


def test_another_communes_officer_gets_404_like_for_a_missing_record(mai, binh, tokens):
    before = written()
    mine = StageEvent.objects.filter(candidate__person__person_id="P-MAI").first().pk
    for url, body in _writes(mine):
        answer = api(tokens["bob"], url, body)
        missing = api(
            tokens["bob"],
            url.replace("C1-A", "NO-SUCH").replace("P-MAI", "P-NOBODY"),
            body,
        )
        assert answer.status_code == missing.status_code == 404, url
        assert answer.json() == missing.json()
    # An event id of bob's own candidacy under alice's candidate is no way in either.
    bobs = event("P-BINH", "paused", D(2024, 6, 1)).pk
    answer = api(tokens["bob"], f"/api/v1/candidates/P-MAI/events/{bobs}/correct/", {"reason": "y"})
    assert answer.status_code == 404
    assert written()[0] == before[0] + 1  # bob's own event above


def test_a_viewer_who_sees_the_candidate_is_refused_with_the_pages_reason(mai, world):
    vera = token_create(actor=SYSTEM, username="vera", name="viewer")[1]
    before = written()
    said = []
    for url, body in _writes(StageEvent.objects.first().pk):
        answer = api(vera, url, body)
        assert answer.status_code == 403, (url, answer.json())
        assert answer.json()["code"] == "permission_denied"
        said.append(answer.json()["message"])
    assert said[0] == "Adding to a source list needs the officer role for the unit."
    assert said[2] == (
        "Correcting a step of this candidacy needs the officer role for the candidate's cell."
    )
    # The page's own words for an event.
    page = page_client("vera").post("/candidates/P-MAI/events/paused/", {"date": "2024-06-01"})
    assert page.status_code == 403
    refused = re.search(r'data-test="forbidden">(.*?)</p>', page.content.decode(), re.S)
    assert html.unescape(refused.group(1)) == said[1]
    assert written() == before


def test_a_viewers_refusal_in_vietnamese_by_default(mai, world):
    vera = token_create(actor=SYSTEM, username="vera", name="viewer")[1]
    answer = api(vera, *_writes(0)[1], language=None)
    assert answer.status_code == 403
    assert answer.json()["message"].startswith("Ghi nhận một bước của quần chúng này cần quyền")


def test_the_writes_are_in_the_schema_with_the_idempotency_key():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operation_id in (
        ("/api/v1/units/{code}/candidates/", "candidates_create"),
        ("/api/v1/candidates/{person_id}/events/", "candidates_events_create"),
        ("/api/v1/candidates/{person_id}/events/{event_id}/correct/", "candidates_events_correct"),
    ):
        operation = schema["paths"][path]["post"]
        assert operation["operationId"] == operation_id
        assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
        assert {"201", "400", "403", "404", "422"} <= set(operation["responses"])
    refused = schema["components"]["schemas"]["Refusal"]["properties"]["details"]
    assert refused["$ref"].endswith("/RefusalDetails")
    stages = schema["components"]["schemas"]["StageEnum"]["enum"]
    assert "cell_resolution" in stages and "handover_refused" in stages
