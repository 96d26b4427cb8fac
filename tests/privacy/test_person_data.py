"""A person's whole record, who read their sensitive data, and their requests with the deadline
of two working days (Law 91/2025/QH15, Decree 356/2025/ND-CP; docs/privacy.md)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM, Actor
from ranks.core.models import AuditEntry
from ranks.people.models import SENSITIVE_FIELDS, Person
from ranks.people.services import person_sensitive_read
from ranks.privacy.fields import KEPT, NOT_PERSONAL, sensitive_fields
from ranks.privacy.models import DataRequest


@pytest.fixture
def manager(world):
    """Mai: manager of C1 and N1 with the sensitive grant (P-AN's cell is below them)."""
    get_user_model().objects.create_user(username="mai", password="x")
    for code in ("C1", "N1"):
        grant_role(actor=SYSTEM, username="mai", role="manager", unit_code=code, sensitive=True)
    return get_user_model().objects.get(username="mai")


def export(*args: str) -> dict:
    out = io.StringIO()
    call_command("person_data", *args, "--lang", "en", stdout=out)
    return json.loads(out.getvalue())


def test_every_field_kept_about_a_person_is_classified_in_one_place():
    for label, exempt in NOT_PERSONAL.items():
        model = apps.get_model(label)
        names = {
            f.name
            for f in model._meta.get_fields()
            if f.concrete or (f.many_to_many and not f.auto_created)
        }
        listed = {k.field for k in KEPT if k.model == label}
        assert names - exempt == listed, label
    # The pages, exports, API and reports obey SENSITIVE_FIELDS: the same fields.
    assert set(SENSITIVE_FIELDS) == set(sensitive_fields("people.Person"))
    assert set(sensitive_fields("people.Person")) == {"ethnicity", "religion", "national_id"}


def test_the_export_holds_the_records_and_who_read_the_sensitive_data(world):
    alice = Actor.for_user(world.users["alice"])
    person_sensitive_read(actor=alice, person=Person.objects.get(person_id="P-AN"))

    data = export("P-AN")
    fields = {f["field"]: f for f in data["fields"]}
    assert fields["Full name"]["value"] == "Nguyễn Văn An"
    assert fields["National ID"]["value"] == "030090000001"
    assert fields["National ID"]["class"] == "sensitive personal data"
    assert fields["Ethnicity"]["class"] == "sensitive personal data"
    assert (
        fields["Gender"]["value"] == "male" and fields["Gender"]["class"] == "basic personal data"
    )
    assert data["memberships"] and data["memberships"][0]["postings"]
    assert [c["action"] for c in data["changes"]][0] == "ranks.people.person.created"
    # Alice's read, then this export's own: reading everything is a read of the sensitive data.
    reads = [(r["who"], r["channel"], r["action"]) for r in data["sensitive_reads"]]
    assert reads[0] == ("alice", "web", "ranks.people.person.sensitive_read")
    assert reads[1][1:] == ("cli", "ranks.privacy.person_data.sensitive_read")
    assert len(reads) == 2
    assert len(export("P-AN")["sensitive_reads"]) == 3


def test_an_export_of_a_units_people_counts_as_a_read_of_each(world, client):
    client.force_login(world.users["alice"])
    assert client.get("/units/C1/export/people.csv").status_code == 200
    reads = [r["action"] for r in export("P-AN")["sensitive_reads"]]
    assert reads[0] == "ranks.interchange.export.sensitive_read"
    # P-LAN, in the other commune, was not in that file: only this export read them.
    assert [r["action"] for r in export("P-LAN")["sensitive_reads"]] == [
        "ranks.privacy.person_data.sensitive_read"
    ]


def test_only_a_manager_with_the_sensitive_grant_may_export(world, manager):
    for user in ("alice", "bob", "vera"):  # officers and a viewer
        with pytest.raises(CommandError, match="No such person."):
            export("P-AN", "--as", user)
    assert export("P-AN", "--as", "mai")["person_id"] == "P-AN"
    with pytest.raises(CommandError, match="No such person."):
        export("P-LAN", "--as", "mai")  # not below C1 or N1


def test_a_request_is_due_two_working_days_after_it_is_received(world, manager, client):
    client.force_login(manager)
    page = client.post(
        "/people/P-AN/data/",
        {"kind": "access", "received_on": "29/04/2026", "unit": "C1-A", "detail": "Xin bản sao"},
        follow=True,
    )
    # 30 April and 1 May are holidays, then a weekend: Monday 4 May is the first working day.
    assert "Đã ghi nhận. Hạn trả lời: 05/05/2026." in page.content.decode()
    saved = DataRequest.objects.get()
    assert (saved.due_on, saved.status, saved.unit.code) == (dt.date(2026, 5, 5), "open", "C1-A")
    assert AuditEntry.objects.filter(action="ranks.privacy.request.recorded").count() == 1

    # Hùng Kings' day (Sunday 26 April 2026) is taken on Monday 27.
    client.post(
        "/people/P-AN/data/", {"kind": "correction", "received_on": "24/04/2026", "unit": "C1-A"}
    )
    assert DataRequest.objects.get(kind="correction").due_on == dt.date(2026, 4, 29)

    listed = client.get("/units/N1/data-requests/").content.decode()
    assert listed.index("29/04/2026") < listed.index("05/05/2026")  # the soonest due first


def test_bad_requests_change_nothing_and_say_why(world, manager, client):
    client.force_login(manager)
    before = AuditEntry.objects.count()
    page = client.post(
        "/people/P-AN/data/", {"kind": "access", "received_on": "29/04/2026", "unit": "C2-A"}
    ).content.decode()
    assert (
        "Không tìm thấy mã tổ chức đảng: C2-A." in page
    )  # another commune's cell reads as unknown
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    page = client.post(
        "/people/P-AN/data/", {"kind": "access", "received_on": tomorrow, "unit": "C1-A"}
    ).content.decode()
    assert "Không thể ghi nhận yêu cầu nhận sau ngày hôm nay." in page
    assert DataRequest.objects.count() == 0
    # Opening the page reads the sensitive data: that is all the audit log gained.
    gained = AuditEntry.objects.filter(pk__gt=0).count() - before
    assert set(AuditEntry.objects.order_by("-seq")[:gained].values_list("action", flat=True)) == {
        "ranks.privacy.person_data.sensitive_read"
    }


def test_an_answer_is_recorded_once_and_a_late_one_shows(world, manager, client):
    client.force_login(manager)
    client.post(
        "/people/P-AN/data/", {"kind": "deletion", "received_on": "29/04/2026", "unit": "C1-A"}
    )
    saved = DataRequest.objects.get()
    url = f"/data-requests/{saved.pk}/answer/"
    empty = client.post(url, {"status": "refused", "answered_on": "06/05/2026", "answer": " "})
    assert "Trường này là bắt buộc." in empty.content.decode()
    done = client.post(
        url,
        {"status": "refused", "answered_on": "06/05/2026", "answer": "Hồ sơ đảng viên phải lưu"},
        follow=True,
    ).content.decode()
    assert "Đã ghi nhận câu trả lời." in done
    assert "trễ hạn" in done  # answered on the 6th, due on the 5th
    assert AuditEntry.objects.get(action="ranks.privacy.request.answered").after["late"] is True
    again = client.post(url, {"status": "answered", "answered_on": "06/05/2026", "answer": "x"})
    assert "Yêu cầu này đã được trả lời." in again.content.decode()
    assert DataRequest.objects.get().answer == "Hồ sơ đảng viên phải lưu"


def test_the_person_page_leads_to_their_data_only_for_those_who_may_read_it(world, manager, client):
    client.force_login(world.users["alice"])  # an officer with the sensitive grant, no manager
    assert 'data-test="person-data"' not in client.get("/people/P-AN/").content.decode()
    client.force_login(manager)
    page = client.get("/people/P-AN/").content.decode()
    assert 'href="/people/P-AN/data/"' in page
    download = client.get("/people/P-AN/data.json")
    assert download["Content-Disposition"] == 'attachment; filename="P-AN-data.json"'
    assert json.loads(download.content)["person_id"] == "P-AN"
