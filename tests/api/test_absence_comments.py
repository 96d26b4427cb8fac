"""The yearly comment on a member working away through the API: recorded and answered with the
next deadline (R15, on the working-day calendar), refused as the page refuses, out of reach of
the other commune, audited with channel `api`, idempotent."""

import datetime as dt
import json

from ranks.api.services import token_create
from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from ranks.people.absences import absence_start
from ranks.people.models import AbsenceComment
from ranks.pipeline.rules import add_months
from ranks.pipeline.rules.calendar import next_working_day
from tests.api.conftest import bearer

D = dt.date
COMMENTS = "/api/v1/people/P-AN/absences/comments/"
# 12 months after 5 September 2025 is Saturday 5 September 2026: Monday 7 September.
COMMENT = {"on": "2025-09-05", "by_cell": "Chi bộ khu phố 3, Dĩ An", "text": "Chấp hành tốt."}


def post(client, body, headers, **extra):
    return client.post(
        COMMENTS, json.dumps(body), content_type="application/json", **headers, **extra
    )


def away():
    absence_start(
        actor=SYSTEM, person_id="P-AN", started_on=D(2025, 3, 3), where_kind="province",
        where="Bình Dương",
    )  # fmt: skip


def test_an_officer_records_the_comment(client, world, tokens):
    away()
    headers = bearer(tokens["alice"])
    answer = post(client, COMMENT, headers, HTTP_IDEMPOTENCY_KEY="c-1")
    assert answer.status_code == 201, answer.content
    comment = AbsenceComment.objects.get()
    assert answer.json() == {
        "id": comment.pk,
        "person_id": "P-AN",
        "absence_id": comment.absence_id,
        "on": "2025-09-05",
        "by_cell": "Chi bộ khu phố 3, Dĩ An",
        "text": "Chấp hành tốt.",
        "next_due": next_working_day(add_months(D(2025, 9, 5), 12)).isoformat(),
    }
    assert answer.json()["next_due"] == "2026-09-07"
    entry = AuditEntry.objects.get(action="ranks.people.absence.commented")
    assert (entry.actor, entry.channel) == ("alice", "api")
    again = post(client, COMMENT, headers, HTTP_IDEMPOTENCY_KEY="c-1")
    assert again.status_code == 201 and again.json() == answer.json()
    assert AbsenceComment.objects.count() == 1


def test_refusals_in_the_apis_error_shape(client, world, tokens):
    away()
    headers = bearer(tokens["alice"])
    before = post(client, {**COMMENT, "on": "2025-03-01"}, headers)
    assert before.status_code == 400
    message = "Nguyễn Văn An không được ghi nhận là đi làm ăn xa vào ngày 01/03/2025."
    assert before.json()["details"] == {"on": [message]}
    blank = post(client, {**COMMENT, "text": " "}, headers, HTTP_ACCEPT_LANGUAGE="en")
    assert blank.status_code == 400 and "text" in blank.json()["details"]
    assert post(client, COMMENT, headers).status_code == 201
    twice = post(client, COMMENT, headers, HTTP_ACCEPT_LANGUAGE="en")
    assert twice.json()["details"] == {"on": ["A comment dated 05/09/2025 is already recorded."]}
    assert AbsenceComment.objects.count() == 1


def test_a_viewer_is_refused_and_the_other_commune_gets_404(client, world, tokens):
    away()
    vera = bearer(token_create(actor=SYSTEM, username="vera", name="vera's script")[1])
    refused = post(client, COMMENT, vera)
    assert refused.status_code == 403
    assert "Ghi nhận xét đảng viên đi làm ăn xa cần vai trò cán bộ" in refused.json()["message"]
    assert post(client, COMMENT, bearer(tokens["bob"])).status_code == 404
    assert not AbsenceComment.objects.exists()
