"""The members' endpoints as a client sees them: a unit's register a cursor page at a time in
the page's own order, transfers and leavings as the counters count them, and the writes of a
transfer and of leaving, refused where and as the pages refuse, audited with channel `api`,
idempotent, and out of reach of the other commune."""

import datetime as dt
import html
import json

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.html import escape

from ranks.access.scope import scope_for
from ranks.api.services import token_create
from ranks.core.actor import SYSTEM, Actor
from ranks.core.clock import today
from ranks.core.models import AuditEntry
from ranks.counters.selectors import movement_between
from ranks.org.models import Unit
from ranks.people.models import Membership, Person, Posting
from ranks.people.selectors import RegisterFilters, members_register
from ranks.people.services import (
    membership_admit,
    membership_leave,
    membership_transfer,
    person_save,
)
from tests.api.conftest import bearer

D = dt.date
# Names that differ in their tone marks and letters only: the Vietnamese order decides them.
NAMES = [
    ("P-V01", "Lê Văn A", "C1-A"),
    ("P-V02", "Lê Văn Á", "C1-A"),
    ("P-V03", "Lê Văn À", "C1-A"),
    ("P-V04", "Trần Văn Ă", "C1-A"),
    ("P-V05", "Phạm Thị Bình", "C1-A"),
    ("P-V06", "Đỗ Văn Đức", "C1-B"),
    ("P-V07", "Hoàng Văn Dũng", "C1-B"),
    ("P-V08", "Lê Thị An", "C1-B"),
    ("P-V09", "Lê Văn An", "C1-B"),
    ("P-V10", "Vũ Văn Ư", "C1-B"),
    ("P-V11", "Lê Văn Vinh", "C1-B"),  # Ư comes before V in Vietnamese, after it in code points
]


@pytest.fixture
def members(world):
    for n, (person_id, name, cell) in enumerate(NAMES):
        person = person_save(
            actor=SYSTEM,
            person_id=person_id,
            full_name=name,
            birth_date=D(1980, 1, 1 + n),
            residence_place_code="V1",
        )
        membership_admit(
            actor=SYSTEM,
            person=person,
            cell_code=cell,
            admission_decision_date=D(2012, 1, 1 + n),
            ceremony_date=D(2012, 2, 1),
            official_date=D(2013, 2, 1) if n % 2 else None,
        )
    return [p for p, _n, _c in NAMES]


def every_page(client, url, headers):
    rows = []
    pages = 0
    while url:
        response = client.get(url, **headers)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["previous"] is None
        rows += body["results"]
        url = body["next"]
        pages += 1
    return rows, pages


def page_rows(user, code, day, filters):
    """The register's rows as the page reads them (the same selector), every row."""
    scope = scope_for(Actor.for_user(user))
    unit = Unit.objects.get(code=code)
    register = members_register(scope=scope, unit=unit, day=day, filters=filters, page_size=1000)
    return [(r.person.person_id, r.cell.code, r.status) for r in register.rows]


def user(name):
    return get_user_model().objects.get(username=name)


# --- the register -----------------------------------------------------------------------------

REGISTER_CASES = [
    ("", RegisterFilters()),
    ("status=official", RegisterFilters(status="official")),
    ("status=probationary", RegisterFilters(status="probationary")),
    ("cell=C1-B", RegisterFilters(cell_code="C1-B")),
    ("q=le+van", RegisterFilters(query="le van")),
    ("q=P-V03", RegisterFilters(query="P-V03")),
    ("year=2012", RegisterFilters(year=2012)),
]


@pytest.mark.parametrize("walk", [False, True], ids=["records", "counters"])
def test_the_register_is_the_pages_a_cursor_page_at_a_time(
    client, world, members, tokens, monkeypatch, walk
):
    if walk:  # the counters' walk cell by cell, as for a unit of thousands of members
        monkeypatch.setattr("ranks.counters.selectors.RECORDS_LIMIT", 1)
    headers = bearer(tokens["alice"])
    day = D(2026, 3, 1)
    for query, filters in REGISTER_CASES:
        expected = page_rows(user("alice"), "N1", day, filters)
        assert expected, query
        ids = [person_id for person_id, _cell, _status in expected]
        if {"P-V10", "P-V11"} <= set(ids):
            assert ids.index("P-V10") < ids.index("P-V11"), query
        for size in (1, 3, 50):
            url = f"/api/v1/units/N1/members/?on={day}&page_size={size}&{query}"
            rows, pages = every_page(client, url, headers)
            got = [(r["person_id"], r["cell"]["code"], r["status"]) for r in rows]
            assert got == expected, (query, size)
            assert pages == max(1, -(-len(expected) // size)), (query, size)


def test_a_register_row(client, world, members, tokens):
    body = client.get(
        "/api/v1/units/N1/members/?on=2026-03-01&q=P-AN", **bearer(tokens["alice"])
    ).json()
    assert body == {
        "next": None,
        "previous": None,
        "results": [
            {
                "person_id": "P-AN",
                "full_name": "Nguyễn Văn An",
                "cell": {"code": "C1-A", "name": "Chi bộ thôn Đông"},
                "status": "official",
                "membership_id": Person.objects.get(person_id="P-AN").memberships.get().pk,
                "admission_decision_date": "2015-03-01",
                "ceremony_date": "2015-03-20",
                "official_date": "2016-03-20",
            }
        ],
    }


def test_the_register_on_a_date_before_the_reform(client, world, tokens):
    headers = bearer(tokens["alice"])
    rows, _pages = every_page(client, "/api/v1/units/C1/members/?on=2025-03-01", headers)
    assert [(r["person_id"], r["status"]) for r in rows] == [
        ("P-AN", "official"),
        ("P-DUNG", "probationary"),
    ]
    # N1 did not exist then: nothing below it.
    rows, _pages = every_page(client, "/api/v1/units/N1/members/?on=2025-03-01", headers)
    assert rows == []


def test_a_register_page_costs_its_rows(client, world, tokens, django_assert_max_num_queries):
    from tests.people.test_register import add_members

    headers = bearer(tokens["alice"])
    url = "/api/v1/units/N1/members/?page_size=5"
    with django_assert_max_num_queries(14) as few:
        client.get(url, **headers)
    add_members(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(url, **headers).json()
    assert len(body["results"]) == 5 and body["next"]
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(body["next"], **headers).json()["results"]) == 5


@pytest.mark.parametrize(
    "query",
    ["status=former", "status=", "on=yesterday", "cell=", "q=a%00b", "year=1800", "page_size=0"],
)
def test_the_registers_query_is_checked(client, world, tokens, query):
    response = client.get(f"/api/v1/units/N1/members/?{query}", **bearer(tokens["alice"]))
    assert response.status_code == 400, query
    assert response.json()["code"] == "invalid"
    assert set(response.json()["details"]) == {query.split("=")[0]}


@pytest.mark.parametrize("cursor", ["xyz", "W10=", "WyJhIiwxXQ==", "WzEsMiwzXQ=="])
def test_a_cursor_that_is_not_one_answers_404(client, world, tokens, cursor):
    for path in ("members", "transfers", "leavings"):
        response = client.get(
            f"/api/v1/units/N1/{path}/?cursor={cursor}", **bearer(tokens["alice"])
        )
        assert response.status_code == 404, (path, cursor)
        assert response.json()["code"] == "not_found"


# --- scope ------------------------------------------------------------------------------------

OTHERS = {"alice": ["C2", "C2-A", "D2"], "bob": ["C1", "C1-A", "C1-B", "N1", "D1", "P"]}
OWN = {"alice": ["N1", "C1", "C1-A"], "bob": ["C2", "C2-A"]}
# P-LAN moves from bob's commune to alice's in the test: both see him.
FOREIGN_PEOPLE = {"alice": {"P-BOB"}, "bob": {"P-AN", "P-DUNG", *(p for p, _n, _c in NAMES)}}


@pytest.mark.parametrize("username", ["alice", "bob"])
def test_the_other_communes_lists_are_missing_and_ones_own_hold_none_of_theirs(
    client, world, members, tokens, username
):
    # A member moves from one commune to the other, and one of each leaves.
    bobs = person_save(
        actor=SYSTEM, person_id="P-BOB", full_name="Lường Thị Bốn", birth_date=D(1990, 1, 1)
    )
    membership_admit(
        actor=SYSTEM, person=bobs, cell_code="C2-A", admission_decision_date=D(2020, 1, 1)
    )
    membership_leave(
        actor=SYSTEM, membership=bobs.memberships.get(), on=D(2026, 4, 1), reason="death"
    )
    lan = Person.objects.get(person_id="P-LAN").memberships.get()
    membership_transfer(actor=SYSTEM, membership=lan, to_cell_code="C1-A", on=D(2026, 2, 1))
    an = Person.objects.get(person_id="P-AN").memberships.get()
    membership_leave(actor=SYSTEM, membership=an, on=D(2026, 3, 1), reason="death")
    headers = bearer(tokens[username])
    for path in ("members", "transfers", "leavings"):
        missing = client.get(f"/api/v1/units/NO-SUCH/{path}/", **headers)
        assert missing.status_code == 404
        for code in OTHERS[username]:
            for query in ("", "?on=2024-01-01", "?from=2020-01-01&to=2026-12-31"):
                response = client.get(f"/api/v1/units/{code}/{path}/{query}", **headers)
                assert response.status_code == 404, (code, path, query)
                assert response.json() == missing.json()
        seen = set()
        for code in OWN[username]:
            for query in ("?on=2024-01-15", "?on=2026-03-15", "?from=2020-01-01&to=2026-12-31"):
                rows, _pages = every_page(client, f"/api/v1/units/{code}/{path}/{query}", headers)
                listed = {r["person_id"] for r in rows}
                assert not listed & FOREIGN_PEOPLE[username], (code, path, query)
                seen |= listed
        assert seen, path
    for person_id in FOREIGN_PEOPLE[username]:
        for path in ("transfer", "leave"):
            response = client.post(
                f"/api/v1/people/{person_id}/{path}/",
                {"date": "2026-10-01", "cell_code": "C2-A", "reason": "death"},
                content_type="application/json",
                **headers,
            )
            assert response.status_code == 404, (person_id, path)
            assert (
                response.json()
                == client.post(
                    f"/api/v1/people/NO-SUCH/{path}/",
                    {},
                    content_type="application/json",
                    **headers,
                ).json()
            )
    assert not AuditEntry.objects.filter(channel="api").exists()


# --- transfers and leavings -------------------------------------------------------------------


def moved_world():
    """Moves that the lists and the counters see: within N1, from C2 to N1's cell, and back,
    and a leaving in each commune."""
    membership = Person.objects.get(person_id="P-AN").memberships.get()
    membership_transfer(actor=SYSTEM, membership=membership, to_cell_code="C1-B", on=D(2026, 1, 10))
    lan = Person.objects.get(person_id="P-LAN").memberships.get()
    membership_transfer(actor=SYSTEM, membership=lan, to_cell_code="C1-A", on=D(2026, 2, 1))
    dung = Person.objects.get(person_id="P-DUNG").memberships.get()
    membership_transfer(actor=SYSTEM, membership=dung, to_cell_code="C2-A", on=D(2026, 3, 1))
    membership_leave(actor=SYSTEM, membership=membership, on=D(2026, 4, 1), reason="removal")
    membership_leave(actor=SYSTEM, membership=dung, on=D(2026, 5, 1), reason="death")


def test_transfers_by_direction_and_as_the_counters_count_them(client, world, tokens):
    moved_world()
    start, end = D(2026, 1, 1), D(2026, 6, 30)
    period = f"from={start}&to={end}"
    alice, bob = bearer(tokens["alice"]), bearer(tokens["bob"])
    rows, _pages = every_page(client, f"/api/v1/units/N1/transfers/?{period}&page_size=1", alice)
    assert [
        (r["person_id"], r["date"], r["from_cell"]["code"], r["to_cell"]["code"], r["direction"])
        for r in rows
    ] == [
        ("P-AN", "2026-01-10", "C1-A", "C1-B", "within"),
        ("P-LAN", "2026-02-01", "C2-A", "C1-A", "in"),
        ("P-DUNG", "2026-03-01", "C1-B", "C2-A", "out"),
    ]
    assert rows[1]["from_cell"] == {"code": "C2-A", "name": "Chi bộ bản Nà"}
    assert rows[1]["full_name"] == "Nguyễn Văn Lan"
    bob_rows, _pages = every_page(client, f"/api/v1/units/C2/transfers/?{period}", bob)
    assert [(r["person_id"], r["direction"]) for r in bob_rows] == [
        ("P-LAN", "out"),
        ("P-DUNG", "in"),
    ]
    for code, headers in (("N1", alice), ("C1-A", alice), ("C1-B", alice), ("C2", bob)):
        unit = Unit.objects.get(code=code)
        counted = movement_between([unit.pk], start, end).get(unit.pk, (0, 0, 0))
        listed = {}
        for direction in ("in", "out", "within"):
            found, _pages = every_page(
                client, f"/api/v1/units/{code}/transfers/?{period}&direction={direction}", headers
            )
            assert {r["direction"] for r in found} <= {direction}
            listed[direction] = len(found)
        leavings, _pages = every_page(client, f"/api/v1/units/{code}/leavings/?{period}", headers)
        assert (listed["in"], listed["out"], len(leavings)) == counted, code
    # Outside the period, none.
    rows, _pages = every_page(
        client, "/api/v1/units/N1/transfers/?from=2026-02-02&to=2026-02-28", alice
    )
    assert rows == []


def test_leavings_by_reason(client, world, tokens):
    moved_world()
    alice = bearer(tokens["alice"])
    period = "from=2026-01-01&to=2026-12-31"
    rows, _pages = every_page(client, f"/api/v1/units/N1/leavings/?{period}", alice)
    an = Person.objects.get(person_id="P-AN").memberships.get()
    assert rows == [
        {
            "person_id": "P-AN",
            "full_name": "Nguyễn Văn An",
            "membership_id": an.pk,
            "admission_decision_date": "2015-03-01",
            "left_date": "2026-04-01",
            "left_reason": "removal",
            "cell": {"code": "C1-B", "name": "Chi bộ trường Tiểu học"},
        }
    ]
    assert every_page(client, f"/api/v1/units/N1/leavings/?{period}&reason=death", alice)[0] == []
    bob_rows, _pages = every_page(
        client, f"/api/v1/units/C2/leavings/?{period}&reason=death", bearer(tokens["bob"])
    )
    assert [(r["person_id"], r["cell"]["code"]) for r in bob_rows] == [("P-DUNG", "C2-A")]


@pytest.mark.parametrize(
    "query", ["from=2026-02-01&to=2026-01-01", "from=", "to=soon", "direction=up", "reason=holiday"]
)
def test_a_period_is_checked(client, world, tokens, query):
    path = "leavings" if "reason" in query else "transfers"
    response = client.get(f"/api/v1/units/N1/{path}/?{query}", **bearer(tokens["alice"]))
    assert response.status_code == 400, query
    assert set(response.json()["details"]) == {query.split("=")[0]}


# --- writes -----------------------------------------------------------------------------------


def post(client, path, body, headers, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **headers, **extra)


def test_an_officer_transfers_a_member_through_the_api(client, world, tokens):
    response = post(
        client,
        "/api/v1/people/P-AN/transfer/",
        {"date": "2026-10-01", "cell_code": "C1-B"},
        bearer(tokens["alice"]),
    )
    assert response.status_code == 201, response.content
    membership = Person.objects.get(person_id="P-AN").memberships.get()
    assert response.json() == {
        "person_id": "P-AN",
        "membership_id": membership.pk,
        "cell": "C1-B",
        "valid_from": "2026-10-01",
        "valid_to": None,
    }
    postings = Posting.objects.filter(membership=membership).order_by("valid_from")
    assert [(p.cell.code, p.valid_to) for p in postings] == [
        ("C1-A", D(2026, 9, 30)),
        ("C1-B", None),
    ]
    entry = AuditEntry.objects.get(action="ranks.people.membership.transferred")
    assert (entry.actor, entry.channel, entry.object_id, entry.after["cell"]) == (
        "alice",
        "api",
        "P-AN",
        "C1-B",
    )


def test_an_officer_records_a_leaving_through_the_api(client, world, tokens):
    response = post(
        client,
        "/api/v1/people/P-DUNG/leave/",
        {"date": "2026-06-30", "reason": "removal"},
        bearer(tokens["alice"]),
    )
    assert response.status_code == 201, response.content
    membership = Person.objects.get(person_id="P-DUNG").memberships.get()
    assert response.json() == {
        "person_id": "P-DUNG",
        "membership_id": membership.pk,
        "admission_decision_date": "2025-01-10",
        "ceremony_date": "2025-02-01",
        "official_date": None,
        "left_date": "2026-06-30",
        "left_reason": "removal",
    }
    assert (membership.left_date, membership.left_reason) == (D(2026, 6, 30), "removal")
    entry = AuditEntry.objects.get(action="ranks.people.membership.ended")
    assert (entry.actor, entry.channel) == ("alice", "api")
    # No longer a member: refused as the page refuses, with its message.
    again = post(
        client,
        "/api/v1/people/P-DUNG/leave/",
        {"date": "2026-07-01", "reason": "death"},
        bearer(tokens["alice"]),
    )
    assert again.status_code == 400
    assert again.json()["code"] == "not_a_member"
    client.force_login(user("alice"))
    page = client.post("/people/P-DUNG/leave/", {"date": "2026-07-01", "reason": "death"})
    assert page.status_code == 403
    assert again.json()["message"] in html.unescape(page.content.decode())


TRANSFER_REFUSALS = [
    ({"date": "2015-03-01", "cell_code": "C1-B"}, "date"),
    ({"date": "2026-10-01", "cell_code": "C1-A"}, "cell_code"),
    ({"date": "2026-10-01", "cell_code": "C2-A"}, "cell_code"),
    ({"date": "2026-10-01", "cell_code": "N1"}, "cell_code"),
    ({"date": "2026-10-01", "cell_code": "NO-SUCH"}, "cell_code"),
    ({"date": "2026-10-01"}, "cell_code"),
    ({"date": "2026-10-01", "cell_code": ""}, "cell_code"),
]
LEAVE_REFUSALS = [
    ({"date": (today() + dt.timedelta(days=2)).isoformat(), "reason": "death"}, "date"),
    ({"date": "2024-01-01", "reason": "death"}, "date"),
    ({"date": "2026-01-01", "reason": "holiday"}, "reason"),
]


def test_a_blank_cell_code_is_asked_for(client, world, tokens):
    """Spaces are no code: the API asks for the cell (the page, given spaces in its list's
    field, answers "Unknown cell code:  ." with the spaces)."""
    answer = post(
        client,
        "/api/v1/people/P-AN/transfer/",
        {"date": "2026-10-01", "cell_code": "  "},
        bearer(tokens["alice"]),
    ).json()
    assert answer["details"] == {"cell_code": ["Hãy chọn chi bộ mà đảng viên chuyển đến."]}


def refusal_message(body):
    """The message a client shows: the service's own, else the field's."""
    if body["code"] != "invalid":
        return body["message"]
    (messages,) = body["details"].values()
    return messages[0]


@pytest.mark.parametrize(
    ("path", "person_id", "body", "field"),
    [("transfer", "P-AN", b, f) for b, f in TRANSFER_REFUSALS]
    + [("leave", "P-DUNG", b, f) for b, f in LEAVE_REFUSALS],
)
def test_refusals_are_the_pages_message_for_message(
    client, world, tokens, path, person_id, body, field
):
    api = post(client, f"/api/v1/people/{person_id}/{path}/", body, bearer(tokens["alice"]))
    assert api.status_code == 400, api.content
    answer = api.json()
    assert field in answer["details"], answer
    message = refusal_message(answer)
    assert answer["details"][field] == [message]
    client.force_login(user("alice"))
    page = client.post(f"/people/{person_id}/{path}/", body)
    assert page.status_code == 200
    assert message in html.unescape(page.content.decode()), (body, message)
    # The same refusal in English, as the service words it.
    english = post(
        client,
        f"/api/v1/people/{person_id}/{path}/",
        body,
        bearer(tokens["alice"]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).json()
    assert refusal_message(english) != message
    with translation.override("en"):
        client.cookies.clear()
        client.force_login(user("alice"))
        from django.conf import settings

        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        page = client.post(f"/people/{person_id}/{path}/", body)
    assert refusal_message(english) in html.unescape(page.content.decode()), body
    assert (
        not AuditEntry.objects.filter(action__startswith="ranks.people.membership.")
        .exclude(action="ranks.people.membership.admitted")
        .exists()
    )
    assert Posting.objects.filter(person__person_id=person_id).count() == 1


def test_a_rule_refusal_from_the_service_is_the_pages_in_vietnamese(client, world, tokens):
    api = post(
        client,
        "/api/v1/people/P-AN/transfer/",
        {"date": "2015-03-01", "cell_code": "C1-B"},
        bearer(tokens["alice"]),
    ).json()
    assert api["message"].startswith("Ngày chuyển sinh hoạt phải sau ngày đảng viên")


def test_writing_needs_the_officer_role_over_the_members_cell(client, world, tokens):
    vera = token_create(actor=SYSTEM, username="vera", name="vera's script")[1]
    for path, body in (
        ("transfer", {"date": "2026-10-01", "cell_code": "C2-A"}),
        ("leave", {"date": "2026-01-01", "reason": "death"}),
    ):
        response = post(client, f"/api/v1/people/P-LAN/{path}/", body, bearer(vera))
        assert response.status_code == 403, path
        assert response.json()["code"] == "permission_denied"
        # The page refuses her too, with the same words.
        client.force_login(user("vera"))
        page = client.post(f"/people/P-LAN/{path}/", body)
        assert page.status_code == 403
        assert escape(response.json()["message"]) in page.content.decode()
    assert not AuditEntry.objects.filter(channel="api").exists()
    # Bob may move his own member within his commune's reach, not into alice's cell.
    response = post(
        client,
        "/api/v1/people/P-LAN/transfer/",
        {"date": "2026-10-01", "cell_code": "C1-A"},
        bearer(tokens["bob"]),
    )
    assert response.status_code == 400
    assert response.json()["details"] == {"cell_code": ["Không tìm thấy mã chi bộ: C1-A."]}


def test_a_retry_with_the_same_key_records_once(client, world, tokens):
    headers = {**bearer(tokens["alice"]), "HTTP_IDEMPOTENCY_KEY": "move-an-1"}
    body = {"date": "2026-10-01", "cell_code": "C1-B"}
    first = post(client, "/api/v1/people/P-AN/transfer/", body, headers)
    second = post(client, "/api/v1/people/P-AN/transfer/", body, headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert AuditEntry.objects.filter(action="ranks.people.membership.transferred").count() == 1
    assert Posting.objects.filter(person__person_id="P-AN").count() == 2
    other = post(client, "/api/v1/people/P-AN/transfer/", {**body, "date": "2026-11-01"}, headers)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    leave = {"date": "2026-06-30", "reason": "death"}
    keyed = {**bearer(tokens["alice"]), "HTTP_IDEMPOTENCY_KEY": "dung-leaves"}
    for _try in range(2):
        assert post(client, "/api/v1/people/P-DUNG/leave/", leave, keyed).status_code == 201
    assert AuditEntry.objects.filter(action="ranks.people.membership.ended").count() == 1
    assert Membership.objects.get(person__person_id="P-DUNG").left_date == D(2026, 6, 30)


def test_a_read_only_token_cannot_write(client, world):
    secret = token_create(actor=SYSTEM, username="alice", name="reader", read_only=True)[1]
    for path, body in (
        ("transfer", {"date": "2026-10-01", "cell_code": "C1-B"}),
        ("leave", {"date": "2026-06-30", "reason": "death"}),
    ):
        response = post(client, f"/api/v1/people/P-AN/{path}/", body, bearer(secret))
        assert response.status_code == 403
        assert response.json()["code"] == "read_only_token"
    assert client.get("/api/v1/units/N1/members/", **bearer(secret)).status_code == 200
    assert Posting.objects.filter(person__person_id="P-AN").count() == 1
    assert not AuditEntry.objects.filter(channel="api").exists()
