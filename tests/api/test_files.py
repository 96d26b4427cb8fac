"""Files through the API: upload, check, confirm and follow an import, its bad-row report, and a
unit's exports — the import and export pages' own code, seen as a client sees it."""

import csv
import io
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from ranks.access.services import revoke_role
from ranks.api.services import token_create
from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from ranks.interchange.models import ImportJob
from ranks.people.models import Person
from tests.api.conftest import bearer
from tests.interchange.helpers import db_counts, worker_in_thread

# The import page's own test files: three good rows (two new people, one unchanged)...
GOOD = (
    "person_id,full_name,birth_date,gender,residence_place_code\n"
    "P-NEW1,Trần Văn Bình,15/04/2000,male,V1\n"
    "P-NEW2,Lê Thị Cúc,2001-02-03,female,S1\n"
    "P-AN,Nguyễn Văn An,1990-05-01,male,V1\n"
)
# ... and bad ones: row 2, a birth date in the future; row 3, a place that does not exist.
BAD = (
    "person_id,họ và tên,birth_date,residence_place_code\n"
    "P-X1,Phạm Văn Dũng,01/01/2099,V1\n"
    "P-X2,Hồ Thị Em,1999-01-01,NOWHERE\n"
    "P-X3,Vũ Văn Phong,1999-01-01,V1\n"
)


def upload(client, token, text, *, kind="people", name="people.csv", **headers):
    file = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post("/api/v1/imports/", {"kind": kind, "file": file}, **bearer(token), **headers)


def signed_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def counts_without_jobs() -> dict[str, int]:
    """Rows of every model but the import jobs themselves (and what the API keeps of a write)."""
    counts = db_counts()
    for label in ("interchange.ImportJob", "api.IdempotentRequest"):
        counts.pop(label, None)
    return counts


def test_upload_check_confirm_and_status(client, world, tokens):
    response = upload(client, tokens["alice"], GOOD)
    assert response.status_code == 201, response.content
    job = ImportJob.objects.get()
    body = response.json()
    status_url = f"http://testserver/api/v1/imports/{job.pk}/"
    assert response["Location"] == status_url
    assert (body["id"], body["kind"], body["filename"]) == (str(job.pk), "people", "people.csv")
    assert (body["status"], body["running"]) == ("checked", False)
    # What the check found, as the page shows it: the job's own result.
    assert body["counts"] == {k: job.result[k] for k in body["counts"]}
    assert (body["counts"]["created"], body["counts"]["unchanged"]) == (2, 1)
    assert (body["errors_count"], body["errors"], body["failure"]) == (0, [], None)
    assert body["links"] == {
        "status": status_url,
        "report": status_url + "report.csv",
        "confirm": status_url + "confirm/",
    }
    assert body["progress"]["percent"] == 100
    assert not Person.objects.filter(person_id="P-NEW1").exists()  # a check writes nothing
    assert client.get(status_url, **bearer(tokens["alice"])).json() == body

    confirmed = client.post(body["links"]["confirm"], **bearer(tokens["alice"]))
    assert confirmed.status_code == 202, confirmed.content
    done = confirmed.json()
    job.refresh_from_db()
    assert (done["status"], done["running"], done["links"]["confirm"]) == ("done", False, None)
    assert done["counts"] == {k: job.result[k] for k in done["counts"]}
    assert done["counts"]["created"] == 2
    assert client.get(status_url, **bearer(tokens["alice"])).json() == done
    assert Person.objects.get(person_id="P-NEW1").full_name == "Trần Văn Bình"
    entries = AuditEntry.objects.filter(
        action="ranks.people.person.created", object_id__in=["P-NEW1", "P-NEW2"]
    )
    assert {(e.object_id, e.actor, e.channel) for e in entries} == {
        ("P-NEW1", "alice", "api"),
        ("P-NEW2", "alice", "api"),
    }

    # A second confirmation imports nothing twice.
    audit = AuditEntry.objects.count()
    again = client.post(
        body["links"]["confirm"], HTTP_ACCEPT_LANGUAGE="en", **bearer(tokens["alice"])
    )
    assert again.status_code == 409
    assert again.json() == {
        "code": "not_confirmable",
        "message": "This import was confirmed already.",
        "details": {},
    }
    assert AuditEntry.objects.count() == audit


def test_the_page_confirms_a_job_the_api_checked_under_its_own_channel(client, world, tokens):
    job_id = upload(client, tokens["alice"], GOOD).json()["id"]
    signed_in(client, "alice")
    assert client.post(f"/imports/{job_id}/", {"confirm": "1"}).status_code == 302
    created = AuditEntry.objects.get(action="ranks.people.person.created", object_id="P-NEW1")
    assert created.channel == "web"


def test_a_file_with_bad_rows_is_rejected_reported_and_cannot_be_confirmed(client, world, tokens):
    before = counts_without_jobs()
    response = upload(client, tokens["alice"], BAD, name="danh sách.csv")
    assert response.status_code == 201
    body = response.json()
    job = ImportJob.objects.get()
    assert body["status"] == "rejected" and body["links"]["confirm"] is None
    assert body["errors_count"] == len(job.errors) == 2
    assert body["errors"] == job.errors
    assert [(e["row"], e["column"], e["value"]) for e in body["errors"]] == [
        (2, "birth_date", "01/01/2099"),
        (3, "residence_place_code", "NOWHERE"),
    ]
    assert body["errors"][1]["reason"] == "Không tìm thấy mã địa bàn: NOWHERE."

    # The report: the page's own file, byte for byte.
    report = client.get(body["links"]["report"], **bearer(tokens["alice"]))
    assert report.status_code == 200 and report["Content-Type"] == "text/csv; charset=utf-8"
    page = signed_in(client, "alice").get(f"/imports/{job.pk}/report.csv")
    client.logout()
    assert report.content == page.content
    assert report["Content-Disposition"] == page["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert [row[:3] for row in rows[1:]] == [
        ["2", "birth_date", "01/01/2099"],
        ["3", "residence_place_code", "NOWHERE"],
    ]

    for language, message in (
        (
            "en",
            "The file has bad rows and nothing was imported; correct them and upload the file again.",
        ),
        ("vi", "Tệp có dòng sai nên chưa nhập gì; hãy sửa các dòng đó rồi tải tệp lên lại."),
    ):
        refused = client.post(
            f"/api/v1/imports/{job.pk}/confirm/",
            HTTP_ACCEPT_LANGUAGE=language,
            **bearer(tokens["alice"]),
        )
        assert refused.status_code == 409
        assert refused.json()["message"] == message
    # All or nothing: not even the good row 4 was written.
    assert not Person.objects.filter(person_id="P-X3").exists()
    assert counts_without_jobs() == before


def test_an_import_that_fails_at_confirmation_writes_nothing(client, world, tokens):
    body = upload(client, tokens["alice"], GOOD).json()
    assert body["status"] == "checked"
    # Between the check and the confirmation, alice loses the old commune C1, where the school
    # S1 is: the row living there is now outside her units, the rows living in V1 (of N1 now)
    # are not.
    revoke_role(actor=SYSTEM, username="alice", unit_code="C1")
    before = counts_without_jobs()
    done = client.post(body["links"]["confirm"], **bearer(tokens["alice"])).json()
    assert done["status"] == "rejected"
    assert [(e["row"], e["column"], e["value"]) for e in done["errors"]] == [
        (3, "residence_place_code", "S1")
    ]
    assert not Person.objects.filter(person_id__in=["P-NEW1", "P-NEW2"]).exists()
    assert counts_without_jobs() == before


def test_an_import_reaches_only_the_users_units(client, world, tokens):
    # bob, officer at C2, sends people living in alice's village.
    body = upload(client, tokens["bob"], GOOD).json()
    assert body["status"] == "rejected"
    assert {e["value"] for e in body["errors"] if e["column"] == "residence_place_code"} >= {
        "V1",
        "S1",
    }
    assert not Person.objects.filter(person_id="P-NEW1").exists()


def test_a_retry_with_the_same_key_makes_one_job(client, world, tokens):
    first = upload(client, tokens["alice"], GOOD, HTTP_IDEMPOTENCY_KEY="upload-1")
    second = upload(client, tokens["alice"], GOOD, HTTP_IDEMPOTENCY_KEY="upload-1")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert ImportJob.objects.count() == 1
    # Another file with the same key is refused: a new write needs a new key.
    other = upload(client, tokens["alice"], BAD, HTTP_IDEMPOTENCY_KEY="upload-1")
    assert other.status_code == 422 and ImportJob.objects.count() == 1

    confirm = first.json()["links"]["confirm"]
    headers = {**bearer(tokens["alice"]), "HTTP_IDEMPOTENCY_KEY": "confirm-1"}
    # No body (the API's default parser, JSON, reads an empty one as nothing).
    done = client.post(confirm, content_type="application/json", **headers)
    audit = AuditEntry.objects.count()
    replayed = client.post(confirm, content_type="application/json", **headers)
    assert done.status_code == replayed.status_code == 202
    assert replayed.json() == done.json() and replayed["Idempotent-Replayed"] == "true"
    assert AuditEntry.objects.count() == audit
    assert Person.objects.filter(person_id__in=["P-NEW1", "P-NEW2"]).count() == 2


def test_a_read_only_token_cannot_upload_or_confirm(client, world, tokens):
    job_id = upload(client, tokens["alice"], GOOD).json()["id"]
    read_only = token_create(actor=SYSTEM, username="alice", name="reader", read_only=True)[1]
    refused = upload(client, read_only, GOOD)
    assert refused.status_code == 403 and refused.json()["code"] == "read_only_token"
    refused = client.post(f"/api/v1/imports/{job_id}/confirm/", **bearer(read_only))
    assert refused.status_code == 403 and refused.json()["code"] == "read_only_token"
    assert ImportJob.objects.count() == 1
    assert ImportJob.objects.get().status == "checked"
    # It reads: the job, its report, the exports.
    assert client.get(f"/api/v1/imports/{job_id}/", **bearer(read_only)).status_code == 200
    assert (
        client.get(f"/api/v1/imports/{job_id}/report.csv", **bearer(read_only)).status_code == 200
    )
    assert client.get("/api/v1/units/C1/exports/units.csv", **bearer(read_only)).status_code == 200


def test_a_viewer_may_not_upload(client, world):
    vera = token_create(actor=SYSTEM, username="vera", name="vera's")[1]
    refused = upload(client, vera, GOOD, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "permission_denied",
        "message": "Importing needs the officer role for a unit.",
        "details": {},
    }
    assert not ImportJob.objects.exists()


def test_an_upload_is_checked_as_the_page_checks_it(client, world, tokens):
    headers = {**bearer(tokens["alice"]), "HTTP_ACCEPT_LANGUAGE": "en"}
    no_kind = upload(client, tokens["alice"], GOOD, kind="nothing", HTTP_ACCEPT_LANGUAGE="en")
    assert no_kind.status_code == 400
    assert set(no_kind.json()["details"]) == {"kind"}
    no_file = client.post("/api/v1/imports/", {"kind": "people"}, **headers)
    assert no_file.status_code == 400 and set(no_file.json()["details"]) == {"file"}
    as_json = client.post(
        "/api/v1/imports/", {"kind": "people"}, content_type="application/json", **headers
    )
    assert as_json.status_code == 415
    empty = upload(client, tokens["alice"], "", HTTP_ACCEPT_LANGUAGE="en")
    assert empty.status_code == 400 and "file" in empty.json()["details"]
    assert not ImportJob.objects.exists()


def test_anothers_job_and_unit_answer_404_like_missing_ones(client, world, tokens):
    job_id = upload(client, tokens["alice"], BAD).json()["id"]
    missing_id = "00000000-0000-4000-8000-000000000000"
    for suffix, method in (("", "get"), ("confirm/", "post"), ("report.csv", "get")):
        missing = getattr(client, method)(
            f"/api/v1/imports/{missing_id}/{suffix}", **bearer(tokens["bob"])
        )
        other = getattr(client, method)(
            f"/api/v1/imports/{job_id}/{suffix}", **bearer(tokens["bob"])
        )
        assert other.status_code == missing.status_code == 404, suffix
        assert other.json() == missing.json(), suffix
    not_an_id = client.get("/api/v1/imports/not-an-id/", **bearer(tokens["bob"]))
    assert not_an_id.status_code == 404 and not_an_id.json() == missing.json()
    assert missing.json()["message"] == "Không có lượt nhập này."

    missing_unit = client.get("/api/v1/units/NO-SUCH/exports/people.csv", **bearer(tokens["bob"]))
    for code in ("C1", "C1-A", "N1"):
        other = client.get(f"/api/v1/units/{code}/exports/people.csv", **bearer(tokens["bob"]))
        assert other.status_code == 404 and other.json() == missing_unit.json(), code
    own = client.get("/api/v1/units/C2/exports/people.csv", **bearer(tokens["bob"]))
    assert own.status_code == 200 and "P-AN" not in own.content.decode("utf-8-sig")


@pytest.mark.parametrize(
    ("code", "kind", "fmt"),
    [("C1", "people", "csv"), ("N1", "members", "csv"), ("C1-A", "events", "csv")],
)
def test_an_export_is_the_pages_file(client, world, tokens, code, kind, fmt):
    api = client.get(f"/api/v1/units/{code}/exports/{kind}.{fmt}", **bearer(tokens["alice"]))
    page = signed_in(client, "alice").get(f"/units/{code}/export/{kind}.{fmt}")
    assert api.status_code == page.status_code == 200
    assert api.content == page.content
    for header in ("Content-Type", "Content-Disposition"):
        assert api[header] == page[header]


def test_an_excel_export_holds_the_pages_sheet(client, world, tokens):
    from openpyxl import load_workbook

    def sheet(response):
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return [list(row) for row in book["members"].iter_rows(values_only=True)]

    api = client.get(
        "/api/v1/units/C1-A/exports/members.xlsx",
        HTTP_ACCEPT="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        **bearer(tokens["alice"]),
    )
    page = signed_in(client, "alice").get("/units/C1-A/export/members.xlsx")
    assert api.status_code == 200 and api["Content-Type"] == page["Content-Type"]
    assert api["Content-Disposition"] == page["Content-Disposition"]
    # The workbook's own creation time may differ by a second: the sheets are compared.
    assert sheet(api) == sheet(page) and len(sheet(api)) > 1


def test_a_sensitive_export_is_audited_with_channel_api(client, world, tokens):
    response = client.get(
        "/api/v1/units/C1/exports/people.csv", HTTP_ACCEPT="text/csv", **bearer(tokens["alice"])
    )
    assert response.status_code == 200
    assert "030090000001" in response.content.decode("utf-8-sig")  # alice's sensitive grant
    read = AuditEntry.objects.filter(action="ranks.interchange.export.sensitive_read").get()
    assert (read.actor, read.channel, read.object_id) == ("alice", "api", "C1")


def test_an_unknown_export_answers_404(client, world, tokens):
    for path in ("nothing.csv", "people.pdf"):
        response = client.get(
            f"/api/v1/units/C1/exports/{path}", HTTP_ACCEPT_LANGUAGE="en", **bearer(tokens["alice"])
        )
        assert response.status_code == 404
        assert response.json()["message"] == "No such export."


def follow(client, url, headers, *, seconds=60):
    """The job at `url` once it no longer runs (the page's polling, as a client does it)."""
    deadline = time.monotonic() + seconds
    while True:
        body = client.get(url, **headers).json()
        if not body["running"] or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_in_the_background_a_client_polls_the_job_until_it_is_done(client, world, settings):
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("an in-memory SQLite database is not shared with the worker's thread")
    settings.RANKS_IMPORT_IN_BACKGROUND = True
    with worker_in_thread():
        in_the_background(client)


def in_the_background(client):
    headers = bearer(token_create(actor=SYSTEM, username="alice", name="phone")[1])
    response = client.post(
        "/api/v1/imports/",
        {"kind": "people", "file": SimpleUploadedFile("people.csv", GOOD.encode())},
        HTTP_IDEMPOTENCY_KEY="background-1",
        **headers,
    )
    assert response.status_code == 201
    assert response.json()["status"] in ("checking", "checked")
    checked = follow(client, response["Location"], headers)
    assert checked["status"] == "checked" and checked["counts"]["created"] == 2
    assert not Person.objects.filter(person_id="P-NEW1").exists()
    confirmed = client.post(checked["links"]["confirm"], **headers)
    assert confirmed.status_code == 202
    assert confirmed.json()["status"] in ("importing", "done")
    done = follow(client, response["Location"], headers)
    assert done["status"] == "done" and done["counts"]["created"] == 2
    created = AuditEntry.objects.get(action="ranks.people.person.created", object_id="P-NEW1")
    assert (created.actor, created.channel) == ("alice", "api")


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("N1/exports/register.csv", ""),
        ("N1/exports/register.xlsx", "?status=official"),
        ("C1/exports/register.csv", "?on=2024-06-01&cell=C1-A&q=nguyen&year=2015"),
    ],
)
def test_the_register_export_is_the_pages_file(client, world, tokens, path, query):
    api = client.get(f"/api/v1/units/{path}{query}", **bearer(tokens["alice"]))
    code, _, file = path.split("/")
    page_url = f"/units/{code}/members.{file.split('.')[1]}{query}"
    page = signed_in(client, "alice").get(page_url)
    assert api.status_code == page.status_code == 200, api.content
    for header in ("Content-Type", "Content-Disposition"):
        assert api[header] == page[header]
    if path.endswith(".csv"):
        assert api.content == page.content
        assert "P-AN" in api.content.decode("utf-8-sig")
    else:
        from openpyxl import load_workbook

        def cells(response):
            book = load_workbook(io.BytesIO(response.content), read_only=True)
            return [[list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book]

        assert cells(api) == cells(page)


def test_the_register_export_refuses_what_the_page_refuses(client, world, tokens, monkeypatch):
    from ranks.people import views as people_views

    headers = {**bearer(tokens["alice"]), "HTTP_ACCEPT_LANGUAGE": "en"}
    bad = client.get("/api/v1/units/N1/exports/register.csv?status=dead&year=1800", **headers)
    assert bad.status_code == 400 and set(bad.json()["details"]) == {"status", "year"}
    other = client.get("/api/v1/units/C2/exports/register.csv", **headers)
    missing = client.get("/api/v1/units/NO-SUCH/exports/register.csv", **headers)
    assert other.status_code == 404 and other.json() == missing.json()
    monkeypatch.setattr(people_views, "REGISTER_EXPORT_LIMIT", 0)
    refused = client.get("/api/v1/units/N1/exports/register.csv", **headers)
    assert refused.status_code == 400 and refused.json()["code"] == "too_many_rows"
    assert refused.json()["message"].startswith("The register has ")
    # In Vietnamese, the page's own refusal.
    refused = client.get("/api/v1/units/N1/exports/register.csv", **bearer(tokens["alice"]))
    page = signed_in(client, "alice").get("/units/N1/members.csv")
    assert page.status_code == 403 and refused.json()["message"] in page.content.decode()


def test_the_job_reads_hold_a_query_ceiling_however_many_jobs(
    client, world, tokens, django_assert_max_num_queries
):
    # The token (and its last use), the user's grants, and the job.
    job_id = upload(client, tokens["alice"], BAD).json()["id"]
    for _n in range(5):
        upload(client, tokens["alice"], GOOD)
    for suffix in ("", "report.csv"):
        client.get(f"/api/v1/imports/{job_id}/{suffix}", **bearer(tokens["alice"]))
        with django_assert_max_num_queries(4):
            response = client.get(f"/api/v1/imports/{job_id}/{suffix}", **bearer(tokens["alice"]))
            assert response.status_code == 200, suffix


def test_a_file_holding_a_nul_is_rejected_not_a_server_error(client, world, tokens):
    # PostgreSQL's JSON takes no NUL: the job keeps what the rows quote with it replaced.
    answer = client.post(
        "/api/v1/imports/",
        {"kind": "people", "file": SimpleUploadedFile("file", b"\x00")},
        **bearer(tokens["alice"]),
    )
    assert answer.status_code == 201, answer.content[:500]
    assert answer.json()["status"] == "rejected"
