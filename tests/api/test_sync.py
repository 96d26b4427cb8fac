"""Records made offline on a phone and sent later, in order (docs/api/offline.md): the same record
sent twice is kept once; a step based on an old copy of the candidacy is refused with the server's
version (412 `conflict`); a record that follows one not yet kept waits (409 `held`); a chain made
offline (a new person on the source list, then two steps) is kept in order; the rules refuse as
they do online, in the language asked for; the audit log says `offline`, when each record was made
and when it arrived."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from ranks.people.models import Person
from ranks.pipeline.models import Candidate, StageEvent
from ranks.pipeline.selectors import candidate_bases, candidate_basis
from ranks.pipeline.services import stage_event_correct
from tests.api.conftest import bearer
from tests.api.test_records import DOSSIER_START, VOTE_DAY, candidate, event
from tests.factories import add_introducers, record_dossier

D = dt.date
HANOI = dt.timezone(dt.timedelta(hours=7))
VOTE = {"stage": "cell_resolution", "date": VOTE_DAY, "votes_for": 3, "official_members": 3}
CONFLICT_EN = (
    "Someone recorded a step of this candidacy after your copy was made; choose which to keep."
)
HELD_EN = "Waiting for an earlier record to be sent first."


def made(minutes_ago: int = 30) -> str:
    """A time on the device, with its offset (Hanoi)."""
    return (timezone.now() - dt.timedelta(minutes=minutes_ago)).astimezone(HANOI).isoformat()


def send(token, url, body, *, key=None, recorded_at="now", follows=None, if_match=None,
         language="en", channel="offline"):  # fmt: skip
    headers = bearer(token)
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    if channel:
        headers["HTTP_RANKS_CHANNEL"] = channel
    if recorded_at == "now":
        recorded_at = made()
    if recorded_at is not None:
        headers["HTTP_RANKS_RECORDED_AT"] = recorded_at
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    if follows:
        headers["HTTP_RANKS_FOLLOWS"] = follows
    if if_match:
        headers["HTTP_IF_MATCH"] = if_match
    return Client().post(
        url, json.dumps(body, default=str), content_type="application/json", **headers
    )


def events_url(person_id):
    return f"/api/v1/candidates/{person_id}/events/"


def written():
    return (
        StageEvent.objects.count(),
        AuditEntry.objects.count(),
        Candidate.objects.count(),
        Person.objects.count(),
    )


def basis_read(token, person_id):
    answer = Client().get(f"/api/v1/candidates/{person_id}/", **bearer(token))
    assert answer.status_code == 200, answer.json()
    return answer


@pytest.fixture
def mai(world):
    """Alice's candidate in C1-A, dossier complete on 2024-05-10: ready for the cell's vote."""
    candidate("P-MAI")
    record_dossier("P-MAI", "C1-A", DOSSIER_START)
    return "P-MAI"


# --- the basis --------------------------------------------------------------------------------


def test_the_candidate_read_and_page_carry_the_basis(mai, tokens):
    answer = basis_read(tokens["alice"], mai)
    basis = answer.json()["basis"]
    assert re.fullmatch(r"[0-9a-f]{16}", basis)
    assert answer["ETag"] == f'"{basis}"'
    client = Client()
    client.force_login(get_user_model().objects.get(username="alice"))
    page = client.get(f"/candidates/{mai}/").content.decode()
    assert f'data-test="candidate-basis" data-basis="{basis}"' in page


def test_the_basis_changes_with_a_step_or_a_correction_and_only_then(mai, tokens):
    candidacy = Candidate.objects.get(person__person_id=mai)
    first = candidate_basis(candidacy)
    assert candidate_basis(candidacy) == first
    recorded = event(mai, "cell_resolution", VOTE_DAY, votes_for=3, official_members=3)
    candidacy.refresh_from_db()
    second = candidate_basis(candidacy)
    assert second != first
    stage_event_correct(
        actor=SYSTEM, person_id=mai, event_id=recorded.pk, reason="Đếm lại", date=VOTE_DAY,
        votes_for=2, official_members=3,
    )  # fmt: skip
    candidacy.refresh_from_db()
    assert candidate_basis(candidacy) not in (first, second)


def test_bases_of_many_candidacies_take_three_queries(mai, world, django_assert_num_queries):
    add_introducers("C1-B", ids=("P-GT3", "P-GT4"))
    candidate("P-HOA", cell="C1-B")
    record_dossier("P-HOA", "C1-B", DOSSIER_START, introducers=["P-GT3", "P-GT4"])
    ids = list(Candidate.objects.values_list("pk", flat=True))
    with django_assert_num_queries(3):
        bases = candidate_bases(ids)
    assert bases == {c.pk: candidate_basis(c) for c in Candidate.objects.all()}
    # Read from the events prefetched with a candidacy, the basis is the same, without a query.
    prefetched = list(Candidate.objects.prefetch_related("events__introducers"))
    with django_assert_num_queries(0):
        assert {c.pk: candidate_basis(c) for c in prefetched} == bases
    assert len(set(bases.values())) == len(ids)


# --- the same record twice --------------------------------------------------------------------


def test_the_same_record_sent_twice_is_kept_once(mai, tokens):
    before = written()
    first = send(tokens["alice"], events_url(mai), VOTE, key="phone-1-rec-1")
    assert first.status_code == 201, first.json()
    assert first.json()["basis"] == basis_read(tokens["alice"], mai).json()["basis"]
    again = send(tokens["alice"], events_url(mai), VOTE, key="phone-1-rec-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    stage_events, audit, *rest = written()
    # One event; its entry and the sync entry, once.
    assert (stage_events, audit) == (before[0] + 1, before[1] + 2)
    assert AuditEntry.objects.filter(action="sync", object_id="phone-1-rec-1").count() == 1


def test_a_record_sent_again_while_its_first_sending_commits_gets_the_first_answer(
    mai, tokens, monkeypatch
):
    """The device sent a record, did not wait for the answer (the page was left), and sends it
    again: the second request looked for the key before the first one committed, and finds the
    candidacy moved by the first. It is answered with the first one's answer, not a conflict."""
    from ranks.api import idempotency

    basis = basis_read(tokens["alice"], mai).json()["basis"]
    first = send(tokens["alice"], events_url(mai), VOTE, key="phone-1-rec-9", if_match=basis)
    assert first.status_code == 201, first.json()
    before = written()
    real = idempotency.IdempotentRequest.objects

    class LooksTooEarly:
        """The first look for the key finds nothing: the first request had not committed."""

        looked = False

        def filter(self, **kwargs):
            if not LooksTooEarly.looked:
                LooksTooEarly.looked = True
                return idempotency.IdempotentRequest.objects.none()
            return real.filter(**kwargs)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(idempotency.IdempotentRequest, "objects", LooksTooEarly())
    again = send(tokens["alice"], events_url(mai), VOTE, key="phone-1-rec-9", if_match=basis)
    assert again.status_code == 201, again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert written() == before


def test_a_synced_record_is_audited_offline_with_device_and_arrival_times(mai, tokens):
    recorded_at = made(minutes_ago=90)
    seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    answer = send(tokens["alice"], events_url(mai), VOTE, key="rec-7", recorded_at=recorded_at)
    assert answer.status_code == 201, answer.json()
    entries = list(AuditEntry.objects.filter(seq__gt=seq).order_by("seq"))
    assert [(e.action, e.channel, e.actor) for e in entries] == [
        ("ranks.pipeline.event.created", "offline", "alice"),
        ("sync", "offline", "alice"),
    ]
    sync = entries[-1]
    assert (sync.object_type, sync.object_id) == ("offline_record", "rec-7")
    assert set(sync.after) == {"method", "path", "recorded_at", "arrived_at", "status"}
    assert sync.after["method"] == "POST"
    assert sync.after["path"] == events_url(mai)
    assert sync.after["status"] == 201
    assert dt.datetime.fromisoformat(sync.after["recorded_at"]) == dt.datetime.fromisoformat(
        recorded_at
    )
    arrived = dt.datetime.fromisoformat(sync.after["arrived_at"])
    assert abs(timezone.now() - arrived) < dt.timedelta(minutes=1)


def test_an_online_write_stays_channel_api_without_sync_entry(mai, tokens):
    seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    answer = send(tokens["alice"], events_url(mai), VOTE, key="k", channel=None, recorded_at=None)
    assert answer.status_code == 201, answer.json()
    entries = AuditEntry.objects.filter(seq__gt=seq)
    assert [(e.action, e.channel) for e in entries] == [("ranks.pipeline.event.created", "api")]


# --- conflict ---------------------------------------------------------------------------------


def test_a_step_on_an_old_copy_is_refused_with_the_servers_version(mai, tokens):
    copy = basis_read(tokens["alice"], mai)["ETag"]
    # Meanwhile another officer records the vote at the commune office.
    event(mai, "cell_resolution", VOTE_DAY, votes_for=3, official_members=3)
    before = written()
    answer = send(
        tokens["alice"], events_url(mai), {"stage": "committee_resolution", "date": D(2024, 9, 20)},
        key="rec-2", if_match=copy,
    )  # fmt: skip
    assert answer.status_code == 412, answer.json()
    body = answer.json()
    assert body["code"] == "conflict"
    assert body["message"] == CONFLICT_EN
    now = basis_read(tokens["alice"], mai).json()["basis"]
    assert body["details"]["basis"] == now != copy.strip('"')
    server = body["details"]["server"]
    assert (server["stage"], server["stage_label"]) == ("cell_resolution", "cell resolution")
    assert len(server["events"]) == 5
    latest = server["events"][0]
    assert set(latest) == {"stage", "stage_label", "date", "recorded_by", "recorded_at"}
    assert (latest["stage"], latest["date"], latest["recorded_by"]) == (
        "cell_resolution",
        "2024-09-10",
        "system",
    )
    assert written() == before
    # Based on the copy as it is now, the step is recorded.
    answer = send(
        tokens["alice"], events_url(mai), {"stage": "committee_resolution", "date": D(2024, 9, 20)},
        key="rec-2", if_match=f'"{now}"',
    )  # fmt: skip
    assert answer.status_code == 201, answer.json()


def test_the_conflict_is_said_in_vietnamese_by_default(mai, tokens):
    answer = send(tokens["alice"], events_url(mai), VOTE, key="r", if_match='"0000"', language="")
    assert answer.status_code == 412
    body = answer.json()
    assert body["message"] == (
        "Đã có người ghi nhận một bước của hồ sơ quần chúng này sau khi bản sao của đồng chí "
        "được tạo; hãy chọn giữ bản nào."
    )
    assert body["details"]["server"]["stage_label"] == "đã lấy ý kiến nhận xét"


# --- held, and a chain made offline -----------------------------------------------------------


def test_a_record_following_an_unknown_one_is_held(mai, tokens):
    before = written()
    answer = send(tokens["alice"], events_url(mai), VOTE, key="rec-2", follows="rec-1")
    assert answer.status_code == 409
    assert answer.json() == {"code": "held", "message": HELD_EN, "details": {}}
    assert written() == before


def test_a_record_following_a_refused_one_is_held_until_that_one_is_kept(mai, tokens):
    alice = tokens["alice"]
    # A vote with more votes than members: refused, and nothing kept under its key.
    refused = send(alice, events_url(mai), {**VOTE, "votes_for": 4}, key="rec-1")
    assert refused.status_code == 400, refused.json()
    nxt = {"stage": "committee_resolution", "date": D(2024, 9, 20)}
    held = send(alice, events_url(mai), nxt, key="rec-2", follows="rec-1")
    assert (held.status_code, held.json()["code"]) == (409, "held")
    # The secretary fixes the count; the same record is sent again, then the next one.
    assert send(alice, events_url(mai), VOTE, key="rec-1").status_code == 201
    answer = send(alice, events_url(mai), nxt, key="rec-2", follows="rec-1")
    assert answer.status_code == 201, answer.json()
    assert list(
        StageEvent.objects.filter(candidate__person__person_id=mai)
        .order_by("-date")
        .values_list("stage", flat=True)[:2]
    ) == ["committee_resolution", "cell_resolution"]


def test_a_chain_made_offline_is_kept_in_order(world, tokens):
    add_introducers("C1-A")
    alice = tokens["alice"]
    new = {
        "person_id": "P-SUNG",
        "cell_code": "C1-A",
        "added_on": "2025-08-01",
        "person": {
            "full_name": "Sùng A Tủa",
            "birth_date": "2001-02-03",
            "gender": "male",
            "phone": "0912345678",
            "occupation": "farmer",
            "residence_place_code": "V1",
        },
    }
    first = send(alice, "/api/v1/units/N1/candidates/", new, key="dev-1")
    assert first.status_code == 201, first.json()
    assert first.json()["full_name"] == "Sùng A Tủa"
    person = Person.objects.get(person_id="P-SUNG")
    assert (person.gender, person.phone, person.residence_place.code) == (
        "male",
        "0912345678",
        "V1",
    )
    # Both steps were made on the phone before anything was sent; each follows the one before.
    step1 = {"stage": "source_list", "date": "2025-08-01"}
    step2 = {"stage": "class_passed", "date": "2025-08-20", "class_name": "Lớp cảm tình Đảng",
             "certificate_no": "GCN-1"}  # fmt: skip
    held = send(alice, events_url("P-SUNG"), step2, key="dev-3", follows="dev-2")
    assert held.status_code == 409
    second = send(alice, events_url("P-SUNG"), step1, key="dev-2", follows="dev-1")
    assert second.status_code == 201, second.json()
    third = send(alice, events_url("P-SUNG"), step2, key="dev-3", follows="dev-2")
    assert third.status_code == 201, third.json()
    assert third.json()["basis"] == basis_read(alice, "P-SUNG").json()["basis"]
    assert list(
        StageEvent.objects.filter(candidate__person__person_id="P-SUNG").values_list(
            "stage", flat=True
        )
    ) == ["source_list", "class_passed"]
    syncs = AuditEntry.objects.filter(action="sync").order_by("seq")
    assert [e.object_id for e in syncs] == ["dev-1", "dev-2", "dev-3"]
    created = AuditEntry.objects.filter(action="ranks.people.person.created", object_id="P-SUNG")
    assert [e.channel for e in created] == ["offline"]


def test_a_chain_broken_by_another_officers_step_is_a_conflict(mai, tokens):
    alice = tokens["alice"]
    first = send(alice, events_url(mai), VOTE, key="dev-1")
    assert first.status_code == 201
    event(mai, "paused", D(2024, 9, 15))  # recorded at the office meanwhile
    before = written()
    nxt = {"stage": "committee_resolution", "date": D(2024, 9, 20)}
    # The basis of the record followed replaces If-Match, even one that is current.
    now = basis_read(alice, mai)["ETag"]
    answer = send(alice, events_url(mai), nxt, key="dev-2", follows="dev-1", if_match=now)
    assert answer.status_code == 412, answer.json()
    assert answer.json()["details"]["server"]["side"] == "paused"
    assert written() == before


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["", "en"])
def test_a_record_refused_by_the_rules_says_why_in_the_language_asked(mai, tokens, language):
    event(mai, "cell_resolution", VOTE_DAY, votes_for=1, official_members=3)
    before = written()
    answer = send(
        tokens["alice"], events_url(mai), {"stage": "committee_resolution", "date": D(2024, 9, 20)},
        key="dev-9", language=language,
    )  # fmt: skip
    assert answer.status_code == 400, answer.json()
    body = answer.json()
    assert body["code"] == "rule_refused"
    [rule] = body["details"]["rules"]
    assert rule["rule"] == "R7"
    if language == "en":
        assert rule["citation"] == "Party Charter Art. 4.3"
        assert rule["message"] == "Only 1 of 3 official members voted for (2 needed)."
    else:
        assert rule["citation"] == "Điều 4.3 Điều lệ Đảng"
        assert rule["citation"] in body["message"]
        assert "Only 1" not in body["message"]
    assert written() == before


NOW = object()


@pytest.mark.parametrize(
    "headers, field, message",
    [
        (
            {"recorded_at": None},
            "Ranks-Recorded-At",
            "Give the time the record was made on the device, in ISO 8601 with its offset "
            "(e.g. 2026-03-01T08:30:00+07:00).",
        ),
        (
            {"recorded_at": "yesterday at noon"},
            "Ranks-Recorded-At",
            "Write the time the record was made as ISO 8601 with its offset "
            "(e.g. 2026-03-01T08:30:00+07:00).",
        ),
        (
            {"recorded_at": "2025-08-01T08:30:00"},
            "Ranks-Recorded-At",
            "Write the time the record was made as ISO 8601 with its offset "
            "(e.g. 2026-03-01T08:30:00+07:00).",
        ),
        (
            {"recorded_at": "0001-01-01T00:00:00+14:00"},
            "Ranks-Recorded-At",
            "Write the time the record was made as ISO 8601 with its offset "
            "(e.g. 2026-03-01T08:30:00+07:00).",
        ),
        (
            {"recorded_at": NOW, "ahead": 6},
            "Ranks-Recorded-At",
            "The time the record was made is in the future: the device's clock is ahead. Set it "
            "right and send the record again.",
        ),
        (
            {"key": None},
            "Idempotency-Key",
            "A record made offline needs an Idempotency-Key of at most 120 characters: the "
            "record's id made on the device.",
        ),
        (
            {"channel": "carrier-pigeon"},
            "Ranks-Channel",
            "Leave this header out, or send it as: offline.",
        ),
    ],
    ids=[
        "missing",
        "not a time",
        "no offset",
        "out of range",
        "in the future",
        "no key",
        "unknown channel",
    ],
)
def test_bad_sync_headers_are_refused(mai, tokens, headers, field, message):
    headers = dict(headers)
    if headers.get("recorded_at") is NOW:
        ahead = dt.timedelta(minutes=headers.pop("ahead"))
        headers["recorded_at"] = (timezone.now() + ahead).astimezone(HANOI).isoformat()
    headers.setdefault("key", "dev-1")
    before = written()
    answer = send(tokens["alice"], events_url(mai), VOTE, **headers)
    assert answer.status_code == 400, answer.json()
    assert answer.json()["details"] == {field: [message]}
    assert written() == before


def test_a_clock_a_little_ahead_is_taken(mai, tokens):
    ahead = (timezone.now() + dt.timedelta(minutes=4)).astimezone(HANOI).isoformat()
    answer = send(tokens["alice"], events_url(mai), VOTE, key="dev-1", recorded_at=ahead)
    assert answer.status_code == 201, answer.json()


def test_the_recorded_at_message_is_vietnamese_by_default(mai, tokens):
    answer = send(tokens["alice"], events_url(mai), VOTE, key="d", recorded_at="x", language="")
    assert answer.json()["details"]["Ranks-Recorded-At"] == [
        "Hãy ghi thời điểm lập bản ghi theo ISO 8601 kèm độ lệch múi giờ "
        "(ví dụ 2026-03-01T08:30:00+07:00)."
    ]


# --- a new person with the candidacy ----------------------------------------------------------


NEW = {
    "person_id": "P-SUNG",
    "cell_code": "C1-A",
    "added_on": "2025-08-01",
    "person": {"full_name": "Sùng A Tủa", "birth_date": "2001-02-03", "residence_place_code": "V1"},
}


def test_a_person_given_for_a_known_identifier_is_refused(world, tokens):
    before = written()
    answer = send(
        tokens["alice"], "/api/v1/units/N1/candidates/", {**NEW, "person_id": "P-AN"}, key="d1"
    )
    assert answer.status_code == 400
    assert answer.json()["details"] == {
        "person_id": ["There is already a person with the identifier P-AN."]
    }
    assert written() == before


def test_errors_in_the_persons_fields_are_named_person_dot_field(world, tokens):
    before = written()
    body = {**NEW, "person": {**NEW["person"], "residence_place_code": "V2", "birth_date": None}}
    answer = send(tokens["alice"], "/api/v1/units/N1/candidates/", body, key="d1")
    assert answer.status_code == 400
    assert answer.json()["details"] == {"person.birth_date": ["This field may not be null."]}
    body["person"]["birth_date"] = "2001-02-03"
    answer = send(tokens["alice"], "/api/v1/units/N1/candidates/", body, key="d1")
    assert answer.status_code == 400
    details = answer.json()["details"]
    assert list(details) == ["person.residence_place_code"], details
    assert written() == before


def test_a_refused_candidacy_leaves_no_new_person(world, tokens):
    before = written()
    body = {**NEW, "mentor_person_ids": ["P-NOBODY"]}
    answer = send(tokens["alice"], "/api/v1/units/N1/candidates/", body, key="d1")
    assert answer.status_code == 400, answer.json()
    assert "mentor_person_ids" in answer.json()["details"]
    assert written() == before
    assert not Person.objects.filter(person_id="P-SUNG").exists()


# --- access -----------------------------------------------------------------------------------


def test_outside_ones_units_a_synced_record_is_404_and_keeps_nothing(mai, tokens):
    before = written()
    answer = send(tokens["bob"], events_url(mai), VOTE, key="bob-1")
    assert answer.status_code == 404
    answer = send(tokens["bob"], "/api/v1/units/N1/candidates/", NEW, key="bob-2")
    assert answer.status_code == 404
    assert written() == before
    # Bob's keys are his own: alice's record under the same key is hers.
    assert send(tokens["alice"], events_url(mai), VOTE, key="bob-1").status_code == 201
    held = send(tokens["bob"], events_url(mai), VOTE, key="bob-3", follows="bob-1")
    assert held.status_code == 409


def test_the_browser_sends_with_its_session_and_csrf_token(mai, world):
    """The app's outbox posts with the session and `X-CSRFToken`, as the browser does."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.users["alice"])
    page = browser.get(f"/candidates/{mai}/")
    basis = re.search(r'data-basis="([0-9a-f]{16})"', page.content.decode()).group(1)
    headers = {
        "HTTP_RANKS_CHANNEL": "offline",
        "HTTP_RANKS_RECORDED_AT": made(),
        "HTTP_IDEMPOTENCY_KEY": "outbox-1",
        "HTTP_IF_MATCH": f'"{basis}"',
        "HTTP_ACCEPT_LANGUAGE": "en",
    }
    body = json.dumps(VOTE, default=str)
    refused = browser.post(events_url(mai), body, content_type="application/json", **headers)
    assert refused.status_code == 403  # no CSRF token
    token = browser.cookies["csrftoken"].value
    answer = browser.post(
        events_url(mai), body, content_type="application/json", HTTP_X_CSRFTOKEN=token, **headers
    )
    assert answer.status_code == 201, answer.json()
    entry = AuditEntry.objects.get(action="sync", object_id="outbox-1")
    assert (entry.actor, entry.channel) == ("alice", "offline")
