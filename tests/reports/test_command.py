"""`ranks report progress|composition|ratio`: the figures of the small world, each format, the
scope of `--as`, and ethnicity and religion only under a sensitive grant, audited."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from ranks.people.services import membership_admit, person_save
from ranks.targets.services import target_set
from tests.reports.helpers import pdf_text, sheet_of

SENSITIVE_READ = "ranks.reports.composition.sensitive_read"


def admit(person_id: str, name: str, cell: str, day: dt.date, **person) -> None:
    person = person_save(
        actor=SYSTEM,
        person_id=person_id,
        full_name=name,
        birth_date=dt.date(1998, 4, 1),
        **person,
    )
    membership_admit(
        actor=SYSTEM,
        person=person,
        cell_code=cell,
        admission_decision_date=day,
        ceremony_date=day + dt.timedelta(days=10),
    )


@pytest.fixture
def year_2024(world):
    """Three admissions in 2024 (two in district D1, one in D2) against targets for P and D1."""
    admit(
        "P-HOA", "Trần Thị Hoa", "C1-A", dt.date(2024, 3, 5), gender="female", occupation="farmer"
    )
    admit("P-BINH", "Lê Văn Bình", "C1-B", dt.date(2024, 9, 20), gender="male", occupation="worker")
    admit("P-MAI", "Lò Thị Mai", "C2-A", dt.date(2024, 6, 1), gender="female", ethnicity="Thái")
    target_set(actor=SYSTEM, unit_code="P", year=2024, metric="admissions", value=6)
    target_set(actor=SYSTEM, unit_code="D1", year=2024, metric="admissions", value=2)
    return world


def report(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, "--lang", "en", stdout=out)
    return out.getvalue()


def composition(unit: str, start: str, end: str, *args: str) -> dict:
    return json.loads(report("composition", "--unit", unit, "--from", start, "--to", end, *args))


def report_error(*args: str) -> str:
    with pytest.raises(CommandError) as raised:
        report(*args)
    return str(raised.value)


def test_progress_as_json(year_2024):
    data = json.loads(report("progress", "--unit", "P", "--on", "2024-12-31", "--format", "json"))
    assert (data["unit"], data["metric"], data["year"], data["on"]) == (
        "P", "admissions", 2024, "2024-12-31"
    )  # fmt: skip
    rows = {r["code"]: r for r in data["rows"]}
    assert set(rows) >= {"P", "D1", "D2", "C1", "C2", "C1-A", "C1-B", "C2-A"}
    province = data["rows"][0]
    assert province["code"] == "P" and province["depth"] == 0
    assert (province["target"], province["actual"], province["percent"]) == (6, 3, 50.0)
    assert province["status"] in ("on_track", "at_risk", "behind")
    demanded = {"code", "name", "metric", "target", "actual", "percent", "expected", "projection"}
    assert demanded | {"status"} <= set(rows["D1"])
    assert (rows["D1"]["target"], rows["D1"]["actual"], rows["D1"]["percent"]) == (2, 2, 100.0)
    assert rows["D1"]["parent_code"] == "P"
    assert rows["D2"]["target"] is None and rows["D2"]["status"] == "no_target"
    assert rows["C2-A"]["actual"] == 1


def test_every_format_writes_a_file(year_2024, tmp_path):
    args = ("progress", "--unit", "P", "--on", "2024-12-31")
    for fmt in ("json", "csv", "xlsx", "pdf"):
        path = tmp_path / f"progress.{fmt}"
        said = report(*args, "--output", str(path))  # the format from the file's name
        assert said.strip() == f"Report written to {path}."
        payload = path.read_bytes()
        if fmt == "json":
            assert json.loads(payload)["unit"] == "P"
        elif fmt == "csv":
            assert payload.startswith("\ufeffCode,Unit,Target".encode())
        elif fmt == "xlsx":
            sheet = sheet_of(payload)
            assert sheet["A1"].value == "ĐẢNG BỘ TỈNH THỬ"
            assert len(sheet._charts) == 1
        else:
            text = pdf_text(payload)
            assert "PROGRESS REPORT: ADMISSIONS IN 2024" in text
            assert "Đảng bộ huyện Một" in text
            assert "Chi bộ bản Nà" not in text  # a PDF lists the units directly below


def test_depth_limits_the_units_listed(year_2024):
    args = ("progress", "--unit", "P", "--on", "2024-12-31")
    rows = json.loads(report(*args, "--depth", "1"))["rows"]
    assert sorted(r["code"] for r in rows) == ["D1", "D2", "P"]
    rows = json.loads(report(*args, "--depth", "0"))["rows"]
    assert [r["code"] for r in rows] == ["P"]
    assert report_error(*args, "--depth", "-1") == "--depth must be 0 or more."


def test_csv_goes_to_standard_output_without_the_bom(year_2024):
    text = report("composition", "--unit", "P", "--to", "2024-12-31", "--format", "csv")
    lines = text.splitlines()
    assert lines[0] == "Criterion,Value,Number,Share (%)"
    assert "occupation,farmer,1,33.3" in lines


def test_excel_and_pdf_need_an_output_file(year_2024):
    for fmt in ("xlsx", "pdf"):
        message = report_error("progress", "--unit", "P", "--format", fmt)
        assert message == "An Excel or PDF report needs --output FILE."
    message = report_error(
        "ratio", "--unit", "P", "--year", "2024", "--output", "/nonexistent/dir/ratio.json"
    )
    assert message.startswith("Cannot write /nonexistent/dir/ratio.json:")


def test_an_unknown_unit_and_one_outside_the_users_scope_look_the_same(year_2024):
    assert report_error("progress", "--unit", "NOPE") == "Unknown unit code: NOPE."
    assert report_error("ratio", "--unit", "P", "--as", "bob") == "Unknown unit code: P."
    assert report_error("composition", "--unit", "C1", "--as", "bob") == "Unknown unit code: C1."


def test_options_of_another_kind_of_report_are_refused(year_2024):
    message = report_error("ratio", "--unit", "P", "--on", "2024-12-31")
    assert message == "--on does not apply to a ratio report."
    assert report_error("ratio", "--unit", "P", "--year", "24x") == "Not a year: 24x."
    message = report_error("progress", "--unit", "P", "--on", "31/02/2024")
    assert message.startswith("Not a date: 31/02/2024.")


def test_without_the_sensitive_grant_no_ethnicity_or_religion(year_2024):
    data = composition("C2", "2024-01-01", "2024-12-31", "--as", "bob")
    assert [data[k] for k in ("unit", "from", "to", "total")] == [
        "C2",
        "2024-01-01",
        "2024-12-31",
        1,
    ]
    assert "ethnicity" not in data["by"] and "religion" not in data["by"]
    assert data["by"]["gender"] == {"female": 1}
    assert not AuditEntry.objects.filter(action=SENSITIVE_READ).exists()


def test_with_the_sensitive_grant_ethnicity_and_religion_are_counted_and_audited(year_2024):
    data = composition("C1", "2015-01-01", "2024-12-31", "--as", "alice")
    assert data["total"] == 3  # An in 2015, Hoa and Bình in 2024
    assert data["by"]["ethnicity"] == {"Kinh": 1, "": 2}
    assert sum(data["by"]["religion"].values()) == 3
    entry = AuditEntry.objects.get(action=SENSITIVE_READ)
    assert [entry.actor, entry.channel, entry.object_type, entry.object_id] == [
        "alice",
        "cli",
        "unit",
        "C1",
    ]
    assert entry.after["dimensions"] == ["ethnicity", "religion"]
    assert (entry.after["from"], entry.after["to"]) == ("2015-01-01", "2024-12-31")


def test_full_access_sees_ethnicity_and_vera_without_the_grant_does_not(year_2024):
    args = ("composition", "--unit", "P", "--from", "2024-01-01", "--to", "2024-12-31")
    assert "ethnicity" in json.loads(report(*args))["by"]
    assert "ethnicity" not in json.loads(report(*args, "--as", "vera"))["by"]
    assert AuditEntry.objects.filter(action=SENSITIVE_READ).count() == 1


def test_the_ratio_ranks_the_districts(year_2024):
    data = json.loads(report("ratio", "--unit", "D1", "--year", "2024", "--as", "vera"))
    assert (data["unit"], data["year"]) == ("D1", 2024)
    d1 = data["ratio"]
    assert (d1["code"], d1["admissions"], d1["members_at_start"]) == ("D1", 2, 1)
    assert (d1["ratio"], d1["rank"], d1["within_norm"]) == (200.0, 1, False)
    assert [s["code"] for s in data["siblings"]] == ["D1", "D2"]
    assert data["siblings"][1]["ratio"] == 100.0
    assert [c["code"] for c in data["children"]] == ["C1"]
