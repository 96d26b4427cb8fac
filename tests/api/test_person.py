"""A person and their memberships as a client sees them: what the person page shows, the
sensitive fields only when asked under a grant (each read logged), postings, transfers and
leaving; 404 outside scope like a missing person."""

import datetime as dt

import pytest

from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from ranks.people.models import Person
from ranks.people.selectors import member_current, person_memberships_on, person_place_periods
from ranks.people.services import membership_leave, membership_transfer
from ranks.pipeline.services import candidate_save
from tests.api.conftest import bearer

READS = "ranks.people.person.sensitive_read"
OTHERS = {"alice": ["P-LAN"], "bob": ["P-AN", "P-DUNG"]}
OWN = {"alice": "P-AN", "bob": "P-LAN"}


def test_a_person_as_their_page_shows_them(client, world, tokens):
    body = client.get("/api/v1/people/P-AN/?on=2024-01-01", **bearer(tokens["alice"])).json()
    person = Person.objects.get(person_id="P-AN")
    day = dt.date(2024, 1, 1)
    current = member_current(person=person, day=day)
    assert body["person_id"] == "P-AN" and body["full_name"] == "Nguyễn Văn An"
    assert body["on"] == "2024-01-01" and body["age"] == 33
    assert body["current"] == {
        "cell": current.cell.code,
        "cell_name": current.cell_name,
        "since": current.since.isoformat(),
        "status": current.status,
    }
    assert body["current"]["cell"] == "C1-A" and body["current"]["status"] == "official"
    assert [(p["role"], p["code"], p["name"]) for p in body["places"]] == [
        (p.role, p.code, p.name) for p in person_place_periods(person=person)
    ]
    assert body["candidate"] is False
    assert "sensitive" not in body


def test_someone_who_is_no_member_yet(client, world, tokens):
    body = client.get("/api/v1/people/P-DUNG/?on=2024-01-01", **bearer(tokens["alice"])).json()
    # Dung's admission decision is of 2025: on 2024-01-01 her membership is not yet running.
    assert body["current"]["status"] == "none"
    memberships = client.get(
        "/api/v1/people/P-DUNG/memberships/?on=2024-01-01", **bearer(tokens["alice"])
    ).json()
    assert [m["status"] for m in memberships["results"]] == ["none"]


def test_a_candidate_is_said_so(client, world, tokens):
    from ranks.people.services import person_save

    person_save(
        actor=SYSTEM,
        person_id="P-CAND",
        full_name="Lò Văn Một",
        birth_date=dt.date(2000, 1, 1),
        residence_place_code="V1",
    )
    candidate_save(actor=SYSTEM, person_id="P-CAND", cell_code="C1-A", added_on=dt.date(2024, 1, 1))
    body = client.get("/api/v1/people/P-CAND/", **bearer(tokens["alice"])).json()
    assert body["candidate"] is True and body["current"] is None


def test_sensitive_fields_only_when_asked_and_logged(client, world, tokens):
    headers = bearer(tokens["alice"])
    plain = client.get("/api/v1/people/P-AN/", **headers).json()
    assert "sensitive" not in plain
    assert not AuditEntry.objects.filter(action=READS).exists()
    asked = client.get("/api/v1/people/P-AN/?show=sensitive", **headers).json()
    assert asked["sensitive"] == {
        "ethnicity": "Kinh",
        "religion": "Không",
        "national_id": "030090000001",
    }
    entry = AuditEntry.objects.get(action=READS)
    assert (entry.object_id, entry.actor, entry.channel) == ("P-AN", "alice", "api")


def test_sensitive_fields_need_the_grant(client, world, tokens):
    body = client.get("/api/v1/people/P-LAN/?show=sensitive", **bearer(tokens["bob"])).json()
    assert body["person_id"] == "P-LAN" and "sensitive" not in body
    assert not AuditEntry.objects.filter(action=READS).exists()


@pytest.mark.parametrize("username", ["alice", "bob"])
def test_the_others_people_are_missing(client, world, tokens, username):
    headers = bearer(tokens[username])
    for suffix in ("", "memberships/"):
        missing = client.get(f"/api/v1/people/NO-SUCH/{suffix}", **headers)
        assert missing.status_code == 404
        for person_id in OTHERS[username]:
            for query in ("", "?on=2024-01-01", "?show=sensitive"):
                response = client.get(f"/api/v1/people/{person_id}/{suffix}{query}", **headers)
                assert response.status_code == 404, (person_id, suffix, query)
                assert response.json() == missing.json()
        own = client.get(f"/api/v1/people/{OWN[username]}/{suffix}", **headers)
        assert own.status_code == 200
    assert not AuditEntry.objects.filter(action=READS).exists()


def test_missing_in_both_languages(client, world, tokens):
    headers = bearer(tokens["alice"])
    vi = client.get("/api/v1/people/P-LAN/", **headers).json()
    en = client.get("/api/v1/people/P-LAN/", HTTP_ACCEPT_LANGUAGE="en", **headers).json()
    assert vi == {"code": "not_found", "message": "Không có người này.", "details": {}}
    assert en == {"code": "not_found", "message": "No such person.", "details": {}}


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/people/P-AN/?show=everything", "show"),
        ("/api/v1/people/P-AN/?show=", "show"),
        ("/api/v1/people/P-AN/?on=2024-13-01", "on"),
        ("/api/v1/people/P-AN/memberships/?on=", "on"),
    ],
)
def test_bad_values_are_named(client, world, tokens, url, field):
    response = client.get(url, **bearer(tokens["alice"]))
    assert response.status_code == 400
    assert list(response.json()["details"]) == [field]


def test_memberships_with_postings_transfers_and_leaving(client, world, tokens):
    an = Person.objects.get(person_id="P-AN")
    membership = an.memberships.get()
    membership_transfer(
        actor=SYSTEM, membership=membership, to_cell_code="C1-B", on=dt.date(2020, 1, 1)
    )
    membership_leave(
        actor=SYSTEM, membership=membership, on=dt.date(2025, 10, 1), reason="transfer_out"
    )
    headers = bearer(tokens["alice"])
    body = client.get("/api/v1/people/P-AN/memberships/?on=2024-01-01", **headers).json()
    assert body["person_id"] == "P-AN" and body["on"] == "2024-01-01"
    [row] = body["results"]
    [page] = person_memberships_on(person=an, day=dt.date(2024, 1, 1))
    assert row["status"] == page.status == "official"
    assert row["party_age"] == {"years": page.party_age[0], "months": page.party_age[1]}
    assert [
        (p["cell"], p["cell_name"], p["valid_from"], p["valid_to"]) for p in row["postings"]
    ] == [
        (
            s.posting.cell.code,
            s.cell_name,
            s.posting.valid_from.isoformat(),
            s.posting.valid_to and s.posting.valid_to.isoformat(),
        )
        for s in page.stints
    ]
    assert [p["cell"] for p in row["postings"]] == ["C1-A", "C1-B"]
    assert row["transfers"] == [
        {
            "day": "2020-01-01",
            "from_cell": "C1-A",
            "from_name": "Chi bộ thôn Đông",
            "to_cell": "C1-B",
            "to_name": "Chi bộ trường Tiểu học",
        }
    ]
    assert row["left_date"] == "2025-10-01" and row["left_reason"] == "transfer_out"
    assert row["admission_decision_date"] == "2015-03-01"
    assert row["official_date"] == "2016-03-20" and row["ceremony_date"] == "2015-03-20"
    later = client.get("/api/v1/people/P-AN/memberships/?on=2026-01-01", **headers).json()
    assert later["results"][0]["status"] == "left"
    probation = client.get("/api/v1/people/P-AN/memberships/?on=2015-06-01", **headers).json()
    assert probation["results"][0]["status"] == "probationary"
    # Left: no running membership, so no cell now.
    assert client.get("/api/v1/people/P-AN/", **headers).json()["current"] is None


def test_no_membership(client, world, tokens):
    from ranks.people.services import person_save

    person_save(
        actor=SYSTEM,
        person_id="P-NONE",
        full_name="Hà Thị Năm",
        birth_date=dt.date(2001, 1, 1),
        residence_place_code="V2",
    )
    body = client.get("/api/v1/people/P-NONE/memberships/", **bearer(tokens["bob"])).json()
    assert body["results"] == []
    assert client.get("/api/v1/people/P-NONE/", **bearer(tokens["alice"])).status_code == 404
