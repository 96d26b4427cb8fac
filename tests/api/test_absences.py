"""A member's working away through the API: the list with its basis, the start and the return
answered with the basis after the write, refused where and as the pages refuse (in Vietnamese by
default, in English on request), out of reach of the other commune, idempotent."""

import datetime as dt
import json

import pytest

from ranks.api.services import token_create
from ranks.core.actor import SYSTEM
from ranks.core.clock import today
from ranks.core.models import AuditEntry
from ranks.people.absences import absence_return, absence_start
from ranks.people.models import Absence
from ranks.people.selectors import absence_basis
from tests.api.conftest import bearer

D = dt.date
LIST = "/api/v1/people/P-AN/absences/"
RETURN = "/api/v1/people/P-AN/absences/return/"
AWAY = {
    "started_on": "2026-01-10",
    "where_kind": "country",
    "where": "Hàn Quốc",
    "contact": "Zalo 0912 345 678",
}


def post(client, path, body, headers, **extra):
    return client.post(path, json.dumps(body), content_type="application/json", **headers, **extra)


def test_an_officer_records_working_away_and_the_return(client, world, tokens):
    headers = bearer(tokens["alice"])
    empty = client.get(LIST, **headers)
    assert empty.status_code == 200
    assert empty.json() == {"basis": absence_basis("P-AN"), "results": []}

    started = post(client, LIST, AWAY, headers)
    assert started.status_code == 201, started.content
    body = started.json()
    absence = Absence.objects.get()
    assert body == {
        "id": absence.pk,
        "person_id": "P-AN",
        "cell": "C1-A",
        "where_kind": "country",
        "where": "Hàn Quốc",
        "started_on": "2026-01-10",
        "ended_on": None,
        "contact": "Zalo 0912 345 678",
        "note": "",
        "basis": absence_basis("P-AN"),
    }
    assert body["basis"] != empty.json()["basis"]

    back = post(client, RETURN, {"ended_on": "2026-04-02", "note": "Hết hợp đồng"}, headers)
    assert back.status_code == 201, back.content
    answer = back.json()
    assert answer["ended_on"] == "2026-04-02" and answer["note"] == "Hết hợp đồng"
    assert answer["basis"] == absence_basis("P-AN") != body["basis"]

    listed = client.get(LIST, **headers).json()
    assert listed["basis"] == answer["basis"]
    assert [(a["started_on"], a["ended_on"]) for a in listed["results"]] == [
        ("2026-01-10", "2026-04-02")
    ]
    entries = AuditEntry.objects.filter(action__startswith="ranks.people.absence.")
    assert [(e.action, e.channel, e.actor) for e in entries.order_by("pk")] == [
        ("ranks.people.absence.started", "api", "alice"),
        ("ranks.people.absence.returned", "api", "alice"),
    ]


def _refused_setup(case):
    if case in ("already_away", "before_start", "overlap"):
        absence_start(
            actor=SYSTEM,
            person_id="P-AN",
            started_on=D(2026, 1, 10),
            where_kind="province",
            where="Bình Dương",
        )
    if case == "overlap":
        absence_return(actor=SYSTEM, person_id="P-AN", ended_on=D(2026, 3, 1))


FUTURE = today() + dt.timedelta(days=1)
REFUSALS = [
    # (case, path, body, field, Vietnamese, English)
    (
        "not_member",
        LIST,
        {**AWAY, "started_on": "2014-01-01"},
        "started_on",
        "Nguyễn Văn An không phải là đảng viên sinh hoạt tại một chi bộ vào ngày 01/01/2014.",
        "Nguyễn Văn An is not a party member in a cell on 01/01/2014.",
    ),
    (
        "future",
        LIST,
        {**AWAY, "started_on": FUTURE.isoformat()},
        "started_on",
        f"Ngày {FUTURE:%d/%m/%Y} là ngày trong tương lai.",
        f"The date {FUTURE:%d/%m/%Y} is in the future.",
    ),
    (
        "already_away",
        LIST,
        {**AWAY, "started_on": "2026-02-01"},
        "started_on",
        "Nguyễn Văn An đã được ghi nhận đi làm ăn xa từ ngày 10/01/2026.",
        "Nguyễn Văn An is already recorded as working away since 10/01/2026.",
    ),
    (
        "overlap",
        LIST,
        {**AWAY, "started_on": "2026-02-01"},
        "started_on",
        "Thời gian này trùng với lần đi làm ăn xa đã ghi nhận từ 10/01/2026 đến 01/03/2026: "
        "lần mới phải bắt đầu từ ngày trở về trở đi.",
        "This overlaps the working away already recorded from 10/01/2026 to 01/03/2026: the new "
        "one must start on or after the return.",
    ),
    (
        "not_away",
        RETURN,
        {"ended_on": "2026-03-01"},
        "ended_on",
        "Nguyễn Văn An chưa được ghi nhận đi làm ăn xa.",
        "Nguyễn Văn An is not recorded as working away.",
    ),
    (
        "before_start",
        RETURN,
        {"ended_on": "2026-01-09"},
        "ended_on",
        "Ngày trở về trước ngày bắt đầu đi làm ăn xa (10/01/2026).",
        "The return is dated before the start of the working away (10/01/2026).",
    ),
    (
        "return_future",
        RETURN,
        {"ended_on": FUTURE.isoformat()},
        "ended_on",
        f"Ngày {FUTURE:%d/%m/%Y} là ngày trong tương lai.",
        f"The date {FUTURE:%d/%m/%Y} is in the future.",
    ),
]


@pytest.mark.parametrize(
    ("case", "path", "body", "field", "vietnamese", "english"),
    REFUSALS,
    ids=[r[0] for r in REFUSALS],
)
def test_a_refusal_in_both_languages(
    client, world, tokens, case, path, body, field, vietnamese, english
):
    _refused_setup(case)
    basis = absence_basis("P-AN")
    entries = AuditEntry.objects.count()
    headers = bearer(tokens["alice"])
    answer = post(client, path, body, headers)
    assert answer.status_code == 400, answer.content
    assert answer.json() == {
        "code": "invalid",
        "message": vietnamese,
        "details": {field: [vietnamese]},
    }
    english_answer = post(client, path, body, headers, HTTP_ACCEPT_LANGUAGE="en").json()
    assert english_answer["message"] == english
    assert absence_basis("P-AN") == basis and AuditEntry.objects.count() == entries


def test_the_body_is_checked_by_the_pages_form(client, world, tokens):
    headers = bearer(tokens["alice"])
    answer = post(client, LIST, {"started_on": "2026-01-10"}, headers)
    assert answer.status_code == 400
    assert set(answer.json()["details"]) == {"where_kind", "where"}
    answer = post(client, LIST, {**AWAY, "where_kind": "moon"}, headers).json()
    assert answer["details"] == {
        "where_kind": [
            "moon không phải giá trị hợp lệ. Các giá trị hợp lệ: province, country, enterprise."
        ]
    }
    assert post(client, RETURN, {}, headers).json()["details"].keys() == {"ended_on"}
    assert not Absence.objects.exists()


def test_a_viewer_is_refused_and_the_other_commune_gets_404(client, world, tokens):
    vera = bearer(token_create(actor=SYSTEM, username="vera", name="vera's script")[1])
    assert client.get(LIST, **vera).status_code == 200  # she sees the member
    for path, body in ((LIST, AWAY), (RETURN, {"ended_on": "2026-03-01"})):
        refused = post(client, path, body, vera)
        assert refused.status_code == 403
        assert refused.json()["code"] == "permission_denied"
        assert refused.json()["message"].startswith(
            "Ghi nhận đảng viên đi làm ăn xa hoặc trở về cần vai trò cán bộ"
        )
        hidden = post(client, path, body, bearer(tokens["bob"]))
        assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    assert client.get(LIST, **bearer(tokens["bob"])).status_code == 404
    assert not Absence.objects.exists()


def test_a_retry_with_the_same_key_records_once(client, world, tokens):
    headers = {**bearer(tokens["alice"]), "HTTP_IDEMPOTENCY_KEY": "an-away-1"}
    first = post(client, LIST, AWAY, headers)
    second = post(client, LIST, AWAY, headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Absence.objects.count() == 1
    assert AuditEntry.objects.filter(action="ranks.people.absence.started").count() == 1
    other = post(client, LIST, {**AWAY, "where": "Nhật Bản"}, headers)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    keyed = {**bearer(tokens["alice"]), "HTTP_IDEMPOTENCY_KEY": "an-back-1"}
    answers = [post(client, RETURN, {"ended_on": "2026-02-01"}, keyed) for _try in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert AuditEntry.objects.filter(action="ranks.people.absence.returned").count() == 1


def test_the_endpoints_are_in_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    listed = schema["paths"]["/api/v1/people/{person_id}/absences/"]
    assert listed["get"]["operationId"] == "people_absences"
    for path, method, operation_id in (
        ("/api/v1/people/{person_id}/absences/", "post", "people_absences_create"),
        ("/api/v1/people/{person_id}/absences/return/", "post", "people_absences_return"),
    ):
        operation = schema["paths"][path][method]
        assert operation["operationId"] == operation_id
        assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
        assert {"201", "400", "403", "404"} <= set(operation["responses"])
