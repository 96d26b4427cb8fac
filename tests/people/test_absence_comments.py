"""The yearly comment on a member working away (R15), as a cell secretary records it: the form
on the member's page, the deadline the page then shows on the working-day calendar, who may
record, every refusal, and the audit log."""

import datetime as dt
import html

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from ranks.core.actor import SYSTEM, Actor
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.people.absences import absence_comment, absence_return, absence_start
from ranks.people.forms import AbsenceCommentForm
from ranks.people.models import AbsenceComment
from ranks.pipeline.rules import add_months
from ranks.pipeline.rules.calendar import next_working_day

D = dt.date
COMMENT = {"on": "2026-03-02", "by_cell": "Chi bộ khu phố 3, Dĩ An", "text": "Chấp hành tốt."}


def signed_in(client, username, language=None):
    client.cookies.clear()
    client.force_login(get_user_model().objects.get(username=username))
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def text_of(response) -> str:
    return html.unescape(response.content.decode())


START = D(2026, 1, 10)


def away(started_on=START):
    return absence_start(
        actor=SYSTEM, person_id="P-AN", started_on=started_on, where_kind="province", where="BD"
    )


def comment(**overrides):
    arguments = {
        "actor": SYSTEM,
        "person_id": "P-AN",
        "on": D(2026, 3, 2),
        "by_cell": "Chi bộ khu phố 3",
        "text": "Chấp hành tốt.",
        **overrides,
    }
    return absence_comment(**arguments)


def test_an_officer_records_the_comment_and_the_page_moves_the_deadline(client, world):
    started = today() - dt.timedelta(days=100)
    away(started)
    signed_in(client, "alice")
    page = text_of(client.get("/people/P-AN/"))
    first = next_working_day(add_months(started, 12))
    assert 'data-test="record-comment"' in page
    assert f"Nhận xét hằng năm tiếp theo phải có chậm nhất ngày {first:%d/%m/%Y}." in page
    assert "chưa có nhận xét" in page and "R15, Điều 5 213-QĐ/TW" in page

    on = today() - dt.timedelta(days=10)
    form = client.get("/people/P-AN/away/comment/")
    assert form.status_code == 200 and "Ngày nhận xét" in text_of(form)
    answer = client.post("/people/P-AN/away/comment/", {**COMMENT, "on": on.isoformat()})
    assert answer.status_code == 302 and answer.url == "/people/P-AN/"
    page = text_of(client.get(answer.url))
    assert f"Đã ghi nhận: nhận xét ngày {on:%d/%m/%Y} về đảng viên đi làm ăn xa." in page
    assert f"Nhận xét ngày {on:%d/%m/%Y} của Chi bộ khu phố 3, Dĩ An: Chấp hành tốt." in page
    following = next_working_day(add_months(on, 12))
    assert f"tiếp theo phải có chậm nhất ngày {following:%d/%m/%Y}." in page
    assert f"nhận xét gần nhất ngày {on:%d/%m/%Y}" in page


def test_an_overdue_comment_is_shown_as_such_in_english(client, world):
    started = D(2024, 1, 10)
    away(started)
    signed_in(client, "alice", "en")
    page = text_of(client.get("/people/P-AN/"))
    deadline = next_working_day(add_months(started, 12))
    assert f"The yearly comment was due by {deadline:%d/%m/%Y}: overdue." in page
    assert "213-QĐ/TW Art. 5" in page


def test_a_refusal_on_the_page_changes_nothing(client, world):
    away()
    signed_in(client, "alice")
    refused = client.post("/people/P-AN/away/comment/", {**COMMENT, "on": "2026-01-05"})
    assert refused.status_code == 200
    assert "Nguyễn Văn An không được ghi nhận là đi làm ăn xa vào ngày 05/01/2026." in text_of(
        refused
    )
    blank = client.post("/people/P-AN/away/comment/", {**COMMENT, "text": " "})
    assert blank.status_code == 200 and 'data-test="absence-form"' in blank.content.decode()
    assert not AbsenceComment.objects.exists()


def test_a_viewer_is_refused_and_the_other_commune_gets_404(client, world):
    away()
    signed_in(client, "vera")
    assert "record-comment" not in client.get("/people/P-AN/").content.decode()
    refused = client.get("/people/P-AN/away/comment/")
    assert refused.status_code == 403
    assert client.post("/people/P-AN/away/comment/", COMMENT).status_code == 403
    signed_in(client, "bob")
    assert client.get("/people/P-AN/away/comment/").status_code == 404
    assert client.post("/people/P-AN/away/comment/", COMMENT).status_code == 404
    assert not AbsenceComment.objects.exists()


def test_the_comment_is_audited(world):
    absence = away()
    alice = Actor.for_user(get_user_model().objects.get(username="alice"))
    recorded = comment(actor=alice, by_cell=" Chi bộ khu phố 3 ", text=" Tốt. ")
    entry = AuditEntry.objects.get(action="ranks.people.absence.commented")
    assert (entry.actor, entry.object_type, entry.object_id) == ("alice", "person", "P-AN")
    assert entry.after["absence_id"] == absence.pk and entry.after["id"] == recorded.pk
    assert entry.after["on"] == "2026-03-02"
    assert (entry.after["by_cell"], entry.after["text"]) == ("Chi bộ khu phố 3", "Tốt.")


def test_every_refusal_names_its_field_and_changes_nothing(world):
    away()
    absence_return(actor=SYSTEM, person_id="P-AN", ended_on=D(2026, 6, 1))
    cases = [
        ({"by_cell": " "}, "by_cell", "Say which cell or organisation where the member lives"),
        ({"text": ""}, "text", "Write the comment."),
        ({"on": today() + dt.timedelta(days=1)}, "on", "is in the future"),
        ({"person_id": "P-NOBODY"}, "person_id", "Unknown person"),
        ({"on": D(2026, 1, 9)}, "on", "is not recorded as working away on 09/01/2026"),
        # The day of the return the member is back.
        ({"on": D(2026, 6, 1)}, "on", "is not recorded as working away on 01/06/2026"),
    ]
    for overrides, field, words in cases:
        with translation.override("en"), pytest.raises(DomainError) as error:
            comment(**overrides)
        assert error.value.field == field, overrides
        assert words in str(error.value), overrides
    comment(on=D(2026, 5, 29))
    with translation.override("en"), pytest.raises(DomainError) as error:
        comment(on=D(2026, 5, 29))
    assert str(error.value) == "A comment dated 29/05/2026 is already recorded."
    for name in ("bob", "vera"):
        with pytest.raises(DomainError) as error:
            comment(actor=Actor.for_user(get_user_model().objects.get(username=name)))
        assert error.value.code == "permission_denied"
    assert AbsenceComment.objects.count() == 1
    assert AuditEntry.objects.filter(action="ranks.people.absence.commented").count() == 1


def test_the_form_gives_the_service_arguments():
    form = AbsenceCommentForm({"on": "02/03/2026", "by_cell": " X ", "text": " Tốt "})
    assert form.is_valid(), form.errors
    assert form.service_arguments() == {"on": D(2026, 3, 2), "by_cell": "X", "text": "Tốt"}
