"""Good files import: history of units and places, people in Vietnamese headers and Excel dates,
members with their dates and transfers; twice changes nothing; a dry run writes nothing; a
commune's officer touches only the commune; the command line."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.translation import override

from ranks.core.actor import SYSTEM, Actor
from ranks.core.crypto import audit_value
from ranks.core.models import AuditEntry
from ranks.org.models import Unit
from ranks.org.selectors import (
    cell_places_on,
    unit_ancestry,
    unit_children_on,
    unit_history,
    unit_inherited_flags,
    unit_version_on,
)
from ranks.people.models import Membership, Person, Posting
from ranks.people.selectors import cell_members_on, member_counts_on
from tests.interchange.helpers import csv_bytes, db_counts, run, xlsx_bytes

D = dt.date
OLD, NEW = D(2025, 6, 30), D(2025, 7, 1)

# The 2025 reform, as a clerk would write it: rows in any order, dates in both forms.
REFORM_UNITS = [
    ["code", "name", "kind", "parent_code", "valid_from", "valid_to", "area_flags", "can_admit"],
    ["CB-1", "Chi bộ thôn Một", "cell", "XM", "01/07/2025", "", "", ""],
    ["CB-1", "Chi bộ thôn Một", "cell", "X", "2000-01-01", "30/06/2025", "", ""],
    ["CB-2", "Chi bộ thôn Hai", "cell", "X", "2000-01-01", "", "", ""],
    ["XM", "Đảng bộ xã Hòa Bình", "commune_committee", "T", "2025-07-01", "", "", "true"],
    [
        "X",
        "Đảng bộ xã Hòa",
        "grassroots_committee",
        "H",
        "2000-01-01",
        "2025-06-30",
        "border",
        "false",
    ],
    [
        "H",
        "Huyện ủy Hòa",
        "district_committee",
        "T",
        "2000-01-01",
        "2025-06-30",
        "mountainous",
        "x",
    ],
    ["T", "Tỉnh ủy Thử", "provincial_committee", "", "2000-01-01", "", "", ""],
    # X leaves the district with the reform and hangs below the new commune from that day.
    ["X", "Đảng bộ xã Hòa (cũ)", "grassroots_committee", "XM", "2025-07-01", "", "border", ""],
]


def codes(versions) -> list[str]:
    return [v.unit.code for v in versions]


def test_units_with_the_2025_reform(empty_db):
    result = run("units", csv_bytes(REFORM_UNITS))
    assert result.errors == []
    assert (result.rows, result.created, result.updated, result.unchanged) == (8, 8, 0, 0)
    units = {u.code: u for u in Unit.objects.all()}
    # Before: the district and its commune; after: the district is closed, the commune is new.
    assert codes(unit_ancestry(units["CB-1"], OLD)) == ["T", "H", "X", "CB-1"]
    assert codes(unit_ancestry(units["CB-1"], NEW)) == ["T", "XM", "CB-1"]
    assert codes(unit_ancestry(units["CB-2"], OLD)) == ["T", "H", "X", "CB-2"]
    assert codes(unit_ancestry(units["CB-2"], NEW)) == ["T", "XM", "X", "CB-2"]
    assert unit_version_on(units["H"], OLD).name == "Huyện ủy Hòa"
    assert unit_version_on(units["H"], NEW) is None
    assert unit_version_on(units["XM"], OLD) is None
    assert unit_version_on(units["XM"], NEW).can_admit
    assert unit_version_on(units["H"], OLD).can_admit  # "x" in a yes/no column is yes
    assert codes(unit_children_on(units["XM"], NEW)) == ["X", "CB-1"]
    assert codes(unit_children_on(units["X"], NEW)) == ["CB-2"]
    assert unit_inherited_flags(unit_ancestry(units["CB-1"], OLD)) == {"mountainous", "border"}
    assert unit_inherited_flags(unit_ancestry(units["CB-1"], NEW)) == set()
    moved = [e for e in unit_history(units["CB-1"]) if e.what == "moved"]
    assert [(e.day, e.before, e.after) for e in moved] == [
        (NEW, "Đảng bộ xã Hòa", "Đảng bộ xã Hòa Bình")
    ]
    assert [e.what for e in unit_history(units["H"])] == ["opened", "closed"]


def test_places_combined_cell_at_two_villages(world):
    rows = [
        ["mã", "tên", "loại", "mã tổ chức", "mã chi bộ", "vùng", "hiệu lực từ", "hiệu lực đến"],
        ["V3", "Thôn Tây", "village", "N1", "C1-A", "ethnic_minority", "01/07/2025", ""],
        ["V4", "Thôn Bắc", "village", "N1", "C1-A; C1-B", "", "2025-07-01", ""],
        ["V5", "Xóm Trại", "residential_group", "C1", "", "", "", "30/06/2025"],
    ]
    result = run("places", csv_bytes(rows))
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    cell = world.units["C1-A"]
    assert sorted(v.place.code for v in cell_places_on(cell, D(2025, 8, 1))) == ["V1", "V3", "V4"]
    assert sorted(v.place.code for v in cell_places_on(cell, D(2025, 6, 1))) == ["V1"]
    v4 = cell_places_on(world.units["C1-B"], D(2025, 8, 1)).get(place__code="V4")
    assert sorted(c.code for c in v4.cells.all()) == ["C1-A", "C1-B"]
    v3 = cell_places_on(cell, D(2025, 8, 1)).get(place__code="V3")
    assert (v3.name, v3.unit.code, v3.area_flags) == ("Thôn Tây", "N1", ["ethnic_minority"])


PEOPLE_VI = [
    [
        "Mã người",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Dân tộc",
        "Tôn giáo",
        "Nghề nghiệp",
        "Đoàn viên",
        "Mã nơi cư trú",
        "Số định danh",
        "Điện thoại",
    ],
    [
        "X-1",
        "Lò Thị Xuân",
        "05/09/2001",
        "female",
        "Thái",
        "Không",
        "farmer",
        "có",
        "V2",
        "030301000009",
        "0912345678",
    ],
    [
        "X-2",
        "Nguyễn Đức Thắng",
        "2003-12-31",
        "male",
        "Kinh",
        "Công giáo",
        "student",
        "false",
        "V1",
        "",
        "",
    ],
]


def check_people_vi():
    xuan = Person.objects.get(person_id="X-1")
    assert (xuan.full_name, xuan.birth_date, xuan.gender) == (
        "Lò Thị Xuân",
        D(2001, 9, 5),
        "female",
    )
    assert (xuan.ethnicity, xuan.religion, xuan.occupation) == ("Thái", "Không", "farmer")
    assert xuan.youth_union and xuan.residence_place.code == "V2"
    assert (xuan.national_id, xuan.phone) == ("030301000009", "0912345678")
    assert xuan.search_name == "lo thi xuan"
    thang = Person.objects.get(person_id="X-2")
    assert (thang.birth_date, thang.religion, thang.youth_union) == (
        D(2003, 12, 31),
        "Công giáo",
        False,
    )


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
def test_people_vietnamese_headers_csv(world, bom):
    result = run("people", csv_bytes(PEOPLE_VI, bom=bom))
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    check_people_vi()


def test_people_semicolon_csv(world):
    """Excel with Vietnamese regional settings separates columns with “;”."""
    result = run("people", csv_bytes(PEOPLE_VI, bom=True, delimiter=";"))
    assert result.errors == []
    check_people_vi()


def test_people_label_and_key_headers(world):
    header = [
        f"{label} ({key})"
        for label, key in [
            ("Mã người", "person_id"),
            ("Họ và tên", "full_name"),
            ("Ngày sinh", "birth_date"),
        ]
    ]
    rows = [
        header,
        ["X-9", "Hà Văn Chín", "09/09/1999"],
        ["X-8", "Hà Văn Tám", "36526"],  # an Excel serial number, copied out as text
        ["X-7", "Hà Văn Bảy", "1.2.2001"],
    ]
    result = run("people", csv_bytes(rows))
    assert result.errors == [] and result.created == 3
    born = dict(
        Person.objects.filter(person_id__in=["X-9", "X-8", "X-7"]).values_list(
            "person_id", "birth_date"
        )
    )
    assert born == {"X-9": D(1999, 9, 9), "X-8": D(2000, 1, 1), "X-7": D(2001, 2, 1)}


def test_people_xlsx_with_real_date_cells(world):
    rows = [list(r) for r in PEOPLE_VI]
    rows[1][2] = dt.datetime(2001, 9, 5)  # a real date cell (openpyxl gives it a date format)
    rows[2][2] = 37986  # 2003-12-31 as a bare serial number, a date cell that lost its format
    rows[1][9] = 30301000009  # Excel turned the ID into a number and lost its leading zero
    data = xlsx_bytes(rows)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["C2"].is_date and not sheet["C3"].is_date
    result = run("people", data, filename="p.xlsx")
    assert result.errors == []
    xuan = Person.objects.get(person_id="X-1")
    assert (xuan.birth_date, xuan.national_id) == (D(2001, 9, 5), "30301000009")
    assert Person.objects.get(person_id="X-2").birth_date == D(2003, 12, 31)


MEMBERS = [
    [
        "person_id",
        "cell_code",
        "admission_decision_date",
        "admission_decision_no",
        "ceremony_date",
        "official_date",
        "left_date",
        "left_reason",
        "cell_from",
    ],
    # Admitted in C2-A, transferred to C1-A on 2023-05-01: two rows, one per cell.
    ["X-1", "C2-A", "2020-01-02", "123-QĐ/HU", "20/01/2020", "20/01/2021", "", "", ""],
    ["X-1", "C1-A", "2020-01-02", "123-QĐ/HU", "20/01/2020", "20/01/2021", "", "", "2023-05-01"],
    # Admitted, probationary, then died.
    ["X-2", "C1-B", "2024-03-01", "", "2024-03-15", "", "2024-10-01", "death", ""],
]


def test_members_with_dates_and_a_transfer(world):
    run("people", csv_bytes(PEOPLE_VI))
    result = run("members", csv_bytes(MEMBERS))
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    xuan = Membership.objects.get(person__person_id="X-1")
    assert (xuan.admission_decision_date, xuan.admission_decision_no) == (
        D(2020, 1, 2),
        "123-QĐ/HU",
    )
    assert (xuan.ceremony_date, xuan.official_date, xuan.left_date) == (
        D(2020, 1, 20),
        D(2021, 1, 20),
        None,
    )
    postings = Posting.objects.filter(membership=xuan).order_by("valid_from")
    assert [(p.cell.code, p.valid_from, p.valid_to) for p in postings] == [
        ("C2-A", D(2020, 1, 2), D(2023, 4, 30)),
        ("C1-A", D(2023, 5, 1), None),
    ]
    assert [p.person.person_id for p in cell_members_on(world.units["C2-A"].pk, D(2022, 1, 1))] == [
        "P-LAN",  # by given name: Nguyễn Văn Lan before Lò Thị Xuân
        "X-1",
    ]
    assert "X-1" not in [
        p.person.person_id for p in cell_members_on(world.units["C2-A"].pk, D(2024, 1, 1))
    ]
    assert "X-1" in [
        p.person.person_id for p in cell_members_on(world.units["C1-A"].pk, D(2024, 1, 1))
    ]
    thang = Membership.objects.get(person__person_id="X-2")
    assert (thang.left_date, thang.left_reason, thang.official_date) == (
        D(2024, 10, 1),
        "death",
        None,
    )
    assert member_counts_on(world.units["C1-B"].pk, D(2024, 6, 1))["probationary"] == 1
    assert member_counts_on(world.units["C1-B"].pk, D(2024, 11, 1))["total"] == 0


GOOD_FILES = [
    ("units", REFORM_UNITS, False),
    ("people", PEOPLE_VI, True),
    ("members", MEMBERS, True),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_second_import_changes_nothing(world, fmt):
    make = (lambda rows: csv_bytes(rows, bom=True)) if fmt == "csv" else xlsx_bytes
    places = [
        ["code", "name", "kind", "unit_code", "cell_codes", "valid_from"],
        ["V3", "Thôn Tây", "village", "N1", "C1-A;C1-B", "2025-07-01"],
    ]
    files = [
        ("units", REFORM_UNITS),
        ("places", places),
        ("people", PEOPLE_VI),
        ("members", MEMBERS),
    ]
    for kind, rows in files:
        first = run(kind, make(rows), filename=f"{kind}.{fmt}")
        assert first.errors == [] and first.created > 0, kind
    before, audit = db_counts(), AuditEntry.objects.count()
    for kind, rows in files:
        again = run(kind, make(rows), filename=f"{kind}.{fmt}")
        assert again.errors == [], kind
        assert (again.created, again.updated, again.unchanged) == (0, 0, len(rows) - 1), kind
    assert db_counts() == before
    assert AuditEntry.objects.count() == audit


def test_world_export_reimports_unchanged(world):
    """The world's own records written as files and imported again: nothing changes."""
    from ranks.access.scope import scope_for
    from ranks.interchange.exporters import export_kind, write_csv

    audit = AuditEntry.objects.count()
    before = {k: v for k, v in db_counts().items() if k != "core.AuditEntry"}
    for kind in ("units", "places", "people", "members"):
        export = export_kind(
            actor=SYSTEM, kind=kind, scope=scope_for(SYSTEM), root=None, sensitive=True
        )
        text = io.StringIO()
        count = write_csv(export, text)
        result = run(kind, text.getvalue().encode())
        assert result.errors == [], kind
        assert (result.created, result.updated, result.unchanged) == (0, 0, count), kind
    assert {k: v for k, v in db_counts().items() if k != "core.AuditEntry"} == before
    assert AuditEntry.objects.count() == audit + 1  # the export's sensitive read, only


def test_changed_rows_update_with_audit(world):
    rows = [
        ["person_id", "full_name", "birth_date", "gender", "phone", "residence_place_code"],
        ["P-AN", "Nguyễn Văn An", "01/05/1990", "male", "0987654321", "V1"],  # a new phone
        ["P-DUNG", "Đặng Thị Dung", "1995-02-03", "female", "", "V1"],  # as it is
    ]
    audit = AuditEntry.objects.count()
    result = run("people", csv_bytes(rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    (entry,) = AuditEntry.objects.filter(seq__gt=audit)
    assert (entry.action, entry.object_type, entry.object_id) == (
        "ranks.people.person.updated",
        "person",
        "P-AN",
    )
    assert (entry.before["phone"], entry.after["phone"]) == ("", "0987654321")
    # The national ID unchanged, kept as its keyed hash, not as itself (docs/privacy.md).
    assert entry.before["national_id"] == entry.after["national_id"] == audit_value("030090000001")
    assert Person.objects.get(person_id="P-AN").phone == "0987654321"

    units = [
        ["code", "name", "kind", "parent_code", "valid_from", "valid_to"],
        ["C2-A", "Chi bộ bản Nà Mới", "cell", "C2", "2000-01-01", ""],
    ]
    audit = AuditEntry.objects.count()
    result = run("units", csv_bytes(units))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    (entry,) = AuditEntry.objects.filter(seq__gt=audit)
    assert entry.action == "ranks.org.unit.version_updated"
    assert (entry.before["name"], entry.after["name"]) == ("Chi bộ bản Nà", "Chi bộ bản Nà Mới")

    members = [
        ["person_id", "cell_code", "admission_decision_date", "official_date"],
        ["P-DUNG", "C1-B", "2025-01-10", "2026-02-01"],
    ]
    audit = AuditEntry.objects.count()
    result = run("members", csv_bytes(members))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    (entry,) = AuditEntry.objects.filter(seq__gt=audit)
    assert entry.action == "ranks.people.membership.updated"
    assert (entry.before["official_date"], entry.after["official_date"]) == (None, "2026-02-01")


def test_a_file_without_parent_codes_keeps_the_parents(world):
    """Renaming units with a file of code, name, kind: the tree stays as it is."""
    rows = [
        ["code", "name", "kind", "valid_from"],
        ["C2-A", "Chi bộ bản Nà Mới", "cell", "2000-01-01"],
        ["C1-A", "Chi bộ thôn Đông", "cell", "2025-07-01"],
    ]
    result = run("units", csv_bytes(rows))
    assert result.errors == []
    assert (result.updated, result.unchanged) == (1, 1)
    version = unit_version_on(world.units["C2-A"], D(2024, 1, 1))
    assert (version.name, version.parent.code) == ("Chi bộ bản Nà Mới", "C2")
    assert unit_version_on(world.units["C1-A"], NEW).parent.code == "N1"


def test_dry_run_counts_and_writes_nothing(world):
    rows = [
        ["person_id", "full_name", "birth_date", "gender", "residence_place_code"],
        ["P-AN", "Nguyễn Văn An", "1990-05-01", "male", "V1"],  # unchanged
        ["P-DUNG", "Đặng Thị Dung", "1995-02-03", "", "V1"],  # updated: gender cleared
        ["X-1", "Lò Thị Xuân", "2001-09-05", "female", "V2"],  # created
        ["X-2", "Lò Văn Páo", "2002-01-01", "male", "V2"],  # created
    ]
    before = db_counts()
    result = run("people", csv_bytes(rows), dry_run=True)
    assert result.errors == [] and result.dry_run and not result.written
    assert (result.rows, result.created, result.updated, result.unchanged) == (4, 2, 1, 1)
    assert db_counts() == before
    assert Person.objects.get(person_id="P-DUNG").gender == "female"
    units = run("units", csv_bytes(REFORM_UNITS), dry_run=True)
    assert (units.created, units.updated, units.unchanged) == (8, 0, 0)
    assert db_counts() == before
    # The same file for real gives the same counts.
    result = run("people", csv_bytes(rows))
    assert (result.rows, result.created, result.updated, result.unchanged) == (4, 2, 1, 1)


ALICE_MEMBERS = [
    ["person_id", "cell_code", "admission_decision_date", "ceremony_date", "cell_from"],
    ["P-AN", "C1-A", "2015-03-01", "2015-03-20", ""],
    ["P-DUNG", "C1-B", "2025-01-10", "2025-02-01", ""],
    ["P-DUNG", "C1-A", "2025-01-10", "2025-02-01", "2025-09-01"],  # moves within her commune
    ["P-DUNG", "C2-A", "2025-01-10", "2025-02-01", "2026-01-01"],  # into Bob's commune
]


def test_access_limits_an_officer_to_her_commune(world):
    alice = Actor.for_user(world.users["alice"])
    before = db_counts()
    with override("en"):
        result = run("members", csv_bytes(ALICE_MEMBERS), actor=alice)
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (5, "cell_code", "C2-A", "Unknown cell code: C2-A.")
    ]
    assert db_counts() == before
    result = run("members", csv_bytes(ALICE_MEMBERS[:-1]), actor=alice)
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    dung = Posting.objects.filter(person__person_id="P-DUNG").order_by("valid_from")
    assert [(p.cell.code, p.valid_to) for p in dung] == [("C1-B", D(2025, 8, 31)), ("C1-A", None)]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.actor, entry.action) == ("alice", "ranks.people.posting.created")


def test_access_people_of_an_officer(world):
    """Bob may add a person living in his commune, not one living in Alice's."""
    bob = Actor.for_user(world.users["bob"])
    rows = [
        ["person_id", "full_name", "birth_date", "residence_place_code"],
        ["X-1", "Lò Thị Xuân", "2001-09-05", "V2"],
        ["X-2", "Lò Văn Páo", "2002-01-01", "V1"],
        ["P-AN", "Nguyễn Văn An", "1990-05-01", "V2"],
    ]
    with override("en"):
        result = run("people", csv_bytes(rows), actor=bob)
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (3, "residence_place_code", "V1", "Unknown place code: V1."),
        (4, "person_id", "P-AN", "This person_id is already used outside your units: P-AN."),
    ]
    result = run("people", csv_bytes(rows[:2]), actor=bob)
    assert result.errors == [] and result.created == 1


# The command line.


def command(*args, path):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import", *args, str(path), "--lang", "en", "--no-progress", stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def test_command_imports_and_dry_runs(world, tmp_path):
    path = tmp_path / "nguoi.csv"
    path.write_bytes(csv_bytes(PEOPLE_VI, bom=True))
    out, _ = command("people", "--dry-run", path=path)
    assert out.splitlines()[0] == (
        "Dry run, nothing written. 2 rows: 2 would be created, 0 updated, 0 unchanged."
    )
    assert not Person.objects.filter(person_id="X-1").exists()
    out, _ = command("people", path=path)
    assert out.splitlines()[0] == "Imported. 2 rows: 2 created, 0 updated, 0 unchanged."
    assert out.splitlines()[1].endswith("rows a second.")
    check_people_vi()
    out, _ = command("people", path=path)
    assert out.splitlines()[0] == "Imported. 2 rows: 0 created, 0 updated, 2 unchanged."


def test_the_command_takes_a_file_larger_than_an_upload_may_be(world, tmp_path, monkeypatch):
    """The upload limit guards the web; a file on the server's disk (the country's people file is
    some 800 MB) goes in whatever its size."""
    from ranks.interchange import engine

    rows = [["person_id", "full_name", "birth_date"]]
    rows += [[f"X-{i}", "Lê Văn Bình", "2000-01-01"] for i in range(3000)]
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(rows))
    monkeypatch.setattr(engine, "MAX_BYTES", 10 * 1024)
    with override("en"):
        refused = run("people", path.read_bytes(), filename=path.name)
    assert refused.errors[0].reason.startswith("The file is too large")
    out, _ = command("people", path=path)
    assert out.splitlines()[0] == "Imported. 3000 rows: 3000 created, 0 updated, 0 unchanged."


def test_command_rejects_with_status_1_and_errors_on_stderr(world, tmp_path):
    path = tmp_path / "nguoi.csv"
    rows = [row[:] for row in PEOPLE_VI]
    rows[1][1] = ""
    rows[2][2] = "31/02/2003"
    path.write_bytes(csv_bytes(rows))
    report = tmp_path / "report.csv"
    before = db_counts()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command(
            "import",
            "people",
            str(path),
            "--lang",
            "en",
            "--no-progress",
            "--report",
            str(report),
            stdout=out,
            stderr=err,
        )
    assert error.value.returncode == 1
    assert str(error.value) == "The file was rejected: 2 problems; nothing was written."
    assert err.getvalue().splitlines() == [
        "2\tHọ và tên\t\tA value is required.",
        "3\tNgày sinh\t31/02/2003\tNot a date: write YYYY-MM-DD or DD/MM/YYYY.",
    ]
    assert report.read_text(encoding="utf-8-sig").splitlines()[1:] == [
        "2,Họ và tên,,A value is required.",
        "3,Ngày sinh,31/02/2003,Not a date: write YYYY-MM-DD or DD/MM/YYYY.",
    ]
    assert db_counts() == before


# Django closes the database connection when a command run from argv ends, so the counters
# cannot be read after it; the file is rejected and writes nothing.
@pytest.mark.counters_unchecked
def test_command_exit_status_from_the_shell(world, tmp_path, capsys):
    """Through argv, as `ranks import` runs: exit status 1 and the bad rows on stderr."""
    from django.core.management import ManagementUtility

    path = tmp_path / "members.csv"
    path.write_bytes(csv_bytes(ALICE_MEMBERS))
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(
            [
                "ranks",
                "import",
                "members",
                str(path),
                "--as",
                "alice",
                "--lang",
                "en",
                "--no-progress",
            ]
        ).execute()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "5\tcell_code\tC2-A\tUnknown cell code: C2-A." in err.splitlines()
    assert "The file was rejected: 1 problems; nothing was written." in err


def test_command_xlsx_as_officer(world, tmp_path):
    path = tmp_path / "members.xlsx"
    path.write_bytes(xlsx_bytes(ALICE_MEMBERS[:-1]))
    out, _ = command("members", "--as", "alice", path=path)
    assert out.splitlines()[0] == "Imported. 3 rows: 0 created, 1 updated, 2 unchanged."


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("user, unit", [("alice", "C1"), ("bob", "C2"), ("root", "P")])
def test_an_officers_export_reimports_unchanged(world, tmp_path, user, unit, fmt):
    """`ranks export KIND --unit CODE --as USER`, then `ranks import` of that file by the same
    user: every row unchanged (Bob has no sensitive grant: his people file has no ethnicity,
    religion or national ID, and importing it leaves them as they are)."""
    before, audit = db_counts(), AuditEntry.objects.count()
    for kind in ("units", "places", "people", "members"):
        path = tmp_path / f"{kind}.{fmt}"
        out = io.StringIO()
        call_command(
            "export",
            kind,
            "--unit",
            unit,
            "--as",
            user,
            "--output",
            str(path),
            "--lang",
            "en",
            stdout=out,
        )
        count = int(out.getvalue().split()[0])
        assert count > 0, kind
        out, _ = command(kind, "--as", user, path=path)
        assert out.splitlines()[0] == (
            f"Imported. {count} rows: 0 created, 0 updated, {count} unchanged."
        ), kind
    assert db_counts() | {"core.AuditEntry": 0} == before | {"core.AuditEntry": 0}
    # Only the exports' reads of sensitive columns were written to the audit log.
    assert set(AuditEntry.objects.filter(seq__gt=audit).values_list("action", flat=True)) <= {
        "ranks.interchange.export.sensitive_read"
    }
