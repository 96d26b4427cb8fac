"""The import page: upload, check with a preview, confirm; rejected files; who may see what."""

import csv
import datetime as dt
import io
import json
from contextlib import nullcontext

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ranks.core.models import AuditEntry
from ranks.interchange import forms as import_forms
from ranks.interchange import jobs
from ranks.interchange.models import ImportJob
from ranks.people.models import Person
from tests.interchange.helpers import worker_in_thread

GOOD = (
    "person_id,full_name,birth_date,gender,residence_place_code\n"
    "P-NEW1,Trần Văn Bình,15/04/2000,male,V1\n"
    "P-NEW2,Lê Thị Cúc,2001-02-03,female,S1\n"
    "P-AN,Nguyễn Văn An,1990-05-01,male,V1\n"
)
# Row 2: a birth date in the future; row 3: a place that does not exist; row 4 is good.
BAD = (
    "person_id,họ và tên,birth_date,residence_place_code\n"
    "P-X1,Phạm Văn Dũng,01/01/2099,V1\n"
    "P-X2,Hồ Thị Em,1999-01-01,NOWHERE\n"
    "P-X3,Vũ Văn Phong,1999-01-01,V1\n"
)


@pytest.fixture(autouse=True)
def inline_imports(settings, tmp_path):
    settings.RANKS_IMPORT_IN_BACKGROUND = False
    settings.VAR_DIR = tmp_path


def signed_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def upload(client, text, *, kind="people", name="people.csv"):
    file = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post("/imports/", {"kind": kind, "file": file})


def uploads(tmp_path):
    folder = tmp_path / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_an_officer_checks_a_file_sees_the_preview_and_confirms(client, world, tmp_path):
    signed_in(client, "alice")
    response = upload(client, GOOD)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/imports/{job.pk}/"
    assert (job.status, job.kind, job.filename) == ("checked", "people", "people.csv")
    assert uploads(tmp_path) == [f"{job.pk}.upload"]  # kept until confirmed
    text = client.get(response.url).content.decode()
    assert 'data-test="preview"' in text
    for name, count in {"rows": 3, "created": 2, "updated": 0, "unchanged": 1}.items():
        assert f'data-test="{name}">{count}<' in text, name
    assert not Person.objects.filter(person_id="P-NEW1").exists()  # a check writes nothing

    response = client.post(f"/imports/{job.pk}/", {"confirm": "1"})
    assert response.status_code == 302 and response.url == f"/imports/{job.pk}/"
    text = client.get(response.url).content.decode()
    assert 'data-status="done"' in text and 'data-test="result"' in text
    assert 'data-test="created">2<' in text and 'data-test="unchanged">1<' in text
    binh = Person.objects.get(person_id="P-NEW1")
    assert (binh.full_name, binh.birth_date) == ("Trần Văn Bình", dt.date(2000, 4, 15))
    assert Person.objects.get(person_id="P-NEW2").residence_place.code == "S1"
    created = AuditEntry.objects.filter(action="ranks.people.person.created")
    entries = {e.object_id: e for e in created.filter(object_id__in=["P-NEW1", "P-NEW2"])}
    assert set(entries) == {"P-NEW1", "P-NEW2"}
    assert {(e.actor, e.channel) for e in entries.values()} == {("alice", "web")}
    assert entries["P-NEW1"].after["full_name"] == "Trần Văn Bình"
    assert uploads(tmp_path) == []  # the file is removed once imported

    # A second click on the button imports nothing twice.
    audit = AuditEntry.objects.count()
    assert client.post(f"/imports/{job.pk}/", {"confirm": "1"}).status_code == 302
    assert AuditEntry.objects.count() == audit


def test_a_file_with_bad_rows_lists_them_in_vietnamese_and_writes_nothing(client, world, tmp_path):
    signed_in(client, "alice")
    people, audit = Person.objects.count(), AuditEntry.objects.count()
    response = upload(client, BAD, name="danh sách.csv")
    job = ImportJob.objects.get()
    assert job.status == "rejected" and uploads(tmp_path) == []
    text = client.get(response.url).content.decode()
    assert 'data-test="errors"' in text
    assert "Ngày sinh nằm trong tương lai." in text
    assert "Không tìm thấy mã địa bàn: NOWHERE." in text
    assert "01/01/2099" in text and "residence_place_code" in text

    report = client.get(f"/imports/{job.pk}/report.csv")
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    assert "danh%20s%C3%A1ch-errors.csv" in report["Content-Disposition"]
    assert report.content.startswith(b"\xef\xbb\xbf")  # a BOM, for Excel
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[1:] == [
        ["2", "birth_date", "01/01/2099", "Ngày sinh nằm trong tương lai."],
        ["3", "residence_place_code", "NOWHERE", "Không tìm thấy mã địa bàn: NOWHERE."],
    ]
    assert Person.objects.count() == people and AuditEntry.objects.count() == audit
    assert not Person.objects.filter(person_id="P-X3").exists()
    # A rejected file cannot be confirmed.
    client.post(f"/imports/{job.pk}/", {"confirm": "1"})
    assert Person.objects.count() == people


def test_a_file_that_is_not_a_table_is_rejected_with_the_reason(client, world):
    signed_in(client, "alice")
    response = upload(client, "")
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    file = SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    client.post("/imports/", {"kind": "people", "file": file})
    job = ImportJob.objects.get()
    text = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'data-status="rejected"' in text and "old.xls" in text
    assert job.errors[0]["row"] == 0 and ".xlsx" in job.errors[0]["reason"]


def test_a_file_over_the_limit_is_refused_before_it_is_stored(client, world, tmp_path, monkeypatch):
    monkeypatch.setattr(import_forms, "MAX_BYTES", 10)
    signed_in(client, "alice")
    response = upload(client, GOOD)
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert not ImportJob.objects.exists() and uploads(tmp_path) == []


def test_a_job_is_seen_only_by_the_user_who_started_it(client, world):
    signed_in(client, "alice")
    upload(client, BAD)
    job = ImportJob.objects.get()
    for username in ("bob", "root"):
        signed_in(client, username)
        for url in ("", "status", "report.csv"):
            assert client.get(f"/imports/{job.pk}/{url}").status_code == 404, (username, url)
        assert client.post(f"/imports/{job.pk}/", {"confirm": "1"}).status_code == 404
        assert f"/imports/{job.pk}/" not in client.get("/imports/").content.decode()


def test_a_viewer_may_not_import(client, world):
    signed_in(client, "vera")
    assert client.get("/imports/").status_code == 404
    assert client.get("/imports/templates/people.xlsx").status_code == 404
    assert upload(client, GOOD).status_code == 404
    assert 'data-test="nav-import"' not in client.get("/tree/").content.decode()
    signed_in(client, "alice")
    assert 'data-test="nav-import"' in client.get("/tree/").content.decode()
    page = client.get("/imports/").content.decode()
    assert 'href="/imports/templates/people.xlsx"' in page


def test_a_superuser_may_import_anything(client, world):
    signed_in(client, "root")
    upload(client, "code,name,kind\nX1,Đảng bộ xã Mười,commune_committee\n", kind="units")
    job = ImportJob.objects.get()
    assert job.status == "checked" and job.result["created"] == 1


def test_the_page_shows_progress_while_a_job_runs(client, world):
    signed_in(client, "alice")
    alice = get_user_model().objects.get(username="alice")
    job = ImportJob.objects.create(user=alice, kind="people", filename="big.csv")
    jobs.uploads_dir().mkdir(parents=True)
    jobs.Progress(job.pk)(120, 50, 200)
    status = json.loads(client.get(f"/imports/{job.pk}/status").content)
    assert status["status"] == "checking" and status["running"] is True
    assert (status["rows"], status["percent"]) == (120, 25)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'data-test="progress"' in page and 'value="25"' in page
    assert '<noscript><meta http-equiv="refresh"' in page  # without JavaScript too


def test_a_job_whose_server_died_is_shown_as_stopped(client, world, tmp_path):
    signed_in(client, "alice")
    upload(client, GOOD)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        status="checking", updated_at=timezone.now() - dt.timedelta(hours=1)
    )
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'data-status="failed"' in page and uploads(tmp_path) == []


def test_a_queued_job_waits_for_a_worker_however_long(client, world, settings, tmp_path):
    settings.RANKS_IMPORT_IN_BACKGROUND = True
    signed_in(client, "alice")
    upload(client, GOOD)  # queued: no worker runs in this test
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'data-status="checking"' in page
    assert uploads(tmp_path) == [f"{job.pk}.upload"]
    assert DBTaskResult.objects.get(pk=job.task_id).status == "READY"


def test_a_step_whose_worker_died_runs_again_once_then_fails_with_its_reason(
    client, world, settings, tmp_path
):
    settings.RANKS_IMPORT_IN_BACKGROUND = True
    signed_in(client, "alice")
    upload(client, GOOD)
    job = ImportJob.objects.get()
    long_ago = timezone.now() - dt.timedelta(minutes=5)

    def worker_dies_running_it():
        """A worker claimed the step, then gave no sign of life for longer than allowed."""
        DBTaskResult.objects.filter(pk=ImportJob.objects.get().task_id).update(
            status="RUNNING", started_at=long_ago
        )
        ImportJob.objects.update(updated_at=long_ago)

    worker_dies_running_it()
    status = json.loads(client.get(f"/imports/{job.pk}/status").content)
    assert (status["status"], status["running"]) == ("checking", True)
    again = ImportJob.objects.get()
    assert again.attempts == 2 and again.task_id != job.task_id
    assert DBTaskResult.objects.get(pk=again.task_id).status == "READY"
    lost = DBTaskResult.objects.get(pk=job.task_id)
    assert (lost.status, lost.exception_class_path) == (
        "FAILED",
        "ranks.interchange.jobs.WorkerLost",
    )
    worker_dies_running_it()
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert 'data-status="failed"' in page
    assert "Việc nhập bị dừng hai lần do tiến trình chạy nền bị tắt giữa chừng" in page
    assert ImportJob.objects.get().result == {"failure": "worker_lost"}
    assert uploads(tmp_path) == [] and not Person.objects.filter(person_id="P-NEW1").exists()


def test_a_checked_file_nobody_confirms_is_removed_after_a_day(client, world, tmp_path):
    signed_in(client, "alice")
    upload(client, GOOD)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    upload(client, GOOD)  # any new upload sweeps old files, whoever left them
    assert ImportJob.objects.get(pk=job.pk).status == "failed"
    assert uploads(tmp_path) == [f"{ImportJob.objects.exclude(pk=job.pk).get().pk}.upload"]


def test_the_import_pages_hold_a_query_ceiling_however_many_jobs(
    client, world, django_assert_max_num_queries
):
    # Session, user, the officer's grants, and the jobs.
    signed_in(client, "alice")
    upload(client, BAD)
    job = ImportJob.objects.get()
    for _n in range(5):
        upload(client, GOOD)
    for url in ("/imports/", f"/imports/{job.pk}/", f"/imports/{job.pk}/status"):
        with django_assert_max_num_queries(4):
            assert client.get(url).status_code == 200, url
    with django_assert_max_num_queries(4):
        assert client.get(f"/imports/{job.pk}/report.csv").status_code == 200


def test_the_template_of_a_kind_downloads(client, world):
    from openpyxl import load_workbook

    signed_in(client, "alice")
    response = client.get("/imports/templates/people.xlsx")
    assert response.status_code == 200
    assert 'filename="people-template.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content))["people"]
    assert sheet["B1"].value == "họ và tên (full_name)"
    assert client.get("/imports/templates/nothing.xlsx").status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_an_officer_uploads_checks_and_confirms(page, live_server, world, settings):
    from django.db import connection

    # A worker (in a thread) where the database allows it (an in-memory SQLite one is not
    # shared with other threads): the page then shows the progress and polls until the end.
    settings.RANKS_IMPORT_IN_BACKGROUND = connection.vendor != "sqlite"
    with worker_in_thread() if settings.RANKS_IMPORT_IN_BACKGROUND else nullcontext():
        upload_check_confirm(page, live_server)


def upload_check_confirm(page, live_server):
    from tests.factories import PASSWORD

    page.goto(f"{live_server.url}/imports/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/imports/")
    page.check("input[name=kind][value=people]")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": GOOD.encode("utf-8")}],
    )
    page.click("[data-test=check]")
    page.wait_for_selector("[data-test=progress], [data-test=preview]")
    preview = page.locator("[data-test=preview]")
    preview.wait_for()
    assert preview.locator("[data-test=created]").inner_text() == "2"
    assert preview.locator("[data-test=unchanged]").inner_text() == "1"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not Person.objects.filter(person_id="P-NEW1").exists()
    page.click("[data-test=confirm]")
    result = page.locator("[data-test=result]")
    result.wait_for()
    assert result.locator("[data-test=created]").inner_text() == "2"
    assert Person.objects.filter(person_id__in=["P-NEW1", "P-NEW2"]).count() == 2
