"""Excel templates: headers the import reads, a help sheet, drop-down lists; a filled-in one imports."""

import io

import pytest
from django.core.management import call_command
from django.utils.translation import override
from openpyxl import load_workbook

from ranks.interchange.engine import run_import
from ranks.interchange.schema import KIND_ORDER, KINDS
from ranks.interchange.xlsx_templates import (
    HELP_SHEET,
    HELP_TABLE_ROW,
    LISTS_SHEET,
    template_workbook,
    write_template,
)
from ranks.people.models import Person
from tests.factories import actor


def reopened(kind: str):
    buffer = io.BytesIO()
    write_template(kind, buffer)
    buffer.seek(0)
    return load_workbook(buffer)


def validations(sheet) -> dict[str, str]:
    """Cell range → the list it offers."""
    return {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}


def test_the_data_sheet_has_the_headers_bold_and_frozen():
    workbook = reopened("people")
    assert workbook.sheetnames == ["people", HELP_SHEET, LISTS_SHEET]
    sheet = workbook["people"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == [
        "mã người (person_id)",
        "họ và tên (full_name)",
        "ngày sinh (birth_date)",
    ]
    assert len(headers) == len(KINDS["people"].columns)
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= len("họ và tên (full_name)")
    # Text columns stay text in Excel: a phone number keeps its leading zero.
    phone = "ABCDEFGHIJKLMN"[headers.index("điện thoại (phone)")]
    assert sheet.column_dimensions[phone].number_format == "@"


def test_the_help_sheet_explains_every_column_in_both_languages():
    sheet = reopened("units")[HELP_SHEET]
    assert sheet["A1"].value.endswith("Units (party organisations)")  # Vietnamese / English
    rows = list(sheet.iter_rows(min_row=HELP_TABLE_ROW + 1, values_only=True))
    by_key = {row[0]: row for row in rows if row[0] in KINDS["units"].by_key}
    assert list(by_key) == [c.key for c in KINDS["units"].columns]
    key, label, required, kind_of_value, allowed, vi, en = by_key["kind"]
    assert label == "loại" and "required" in required
    # Each value by its name in the user's language, its key in brackets.
    assert allowed.startswith(
        "Trung ương (central), Đảng bộ tỉnh, thành phố (provincial_committee)"
    )
    assert "date" in by_key["valid_from"][3] and "true" in by_key["can_admit"][3]
    assert by_key["code"][6].startswith("Stable code of the unit.")
    assert "optional" in by_key["parent_code"][2]
    # The kind's notes close the sheet, in both languages.
    texts = [row[0] for row in rows if row[0]]
    assert any("several rows with the same code" in str(t) for t in texts)


def test_columns_with_allowed_values_offer_a_drop_down_from_the_hidden_sheet():
    workbook = reopened("people")
    lists = workbook[LISTS_SHEET]
    assert lists.sheet_state == "hidden"
    offered = validations(workbook["people"])
    # gender (D), education_general (G: read_write to upper_secondary), education_professional (H), occupation (I), youth_union (J)
    assert offered == {
        "D2:D5000": "'lists'!$A$2:$A$3",
        "G2:G5000": "'lists'!$B$2:$B$5",
        "H2:H5000": "'lists'!$C$2:$C$6",
        "I2:I5000": "'lists'!$D$2:$D$11",
        "J2:J5000": "'lists'!$E$2:$E$3",
    }
    # The names of the values in the user's language (Vietnamese by default), not the keys.
    assert [c.value for c in lists["A"] if c.value] == ["gender", "nam", "nữ"]
    assert [c.value for c in lists["E"] if c.value] == ["youth_union", "có", "không"]
    assert [c.value for c in lists["D"] if c.value][:3] == ["occupation", "nông dân", "công nhân"]
    validation = workbook["people"].data_validations.dataValidation[0]
    assert validation.type == "list" and validation.showErrorMessage and validation.error


@pytest.mark.parametrize("kind", KIND_ORDER)
def test_every_kind_has_a_template_whose_lists_fit(kind):
    workbook = template_workbook(kind)
    spec = KINDS[kind]
    choice_columns = [c for c in spec.columns if c.type in ("choice", "bool")]
    assert len(workbook[kind].data_validations.dataValidation) == len(choice_columns)
    # The stages and the unit kinds are longer than an inline list (255 characters) allows.
    for validation in workbook[kind].data_validations.dataValidation:
        assert validation.formula1.startswith("'lists'!")


def test_a_filled_in_template_imports(world):
    workbook = template_workbook("people")
    sheet = workbook["people"]
    columns = [c.key for c in KINDS["people"].columns]
    rows = [
        {
            "person_id": "P-T1",
            "full_name": "Đinh Văn Hải",
            "birth_date": "20/11/2001",
            "gender": "male",
            "youth_union": "true",
            "residence_place_code": "V1",
            "phone": "0912345678",
        },
        {
            "person_id": "P-T2",
            "full_name": "Mai Thị Hoa",
            "birth_date": "2002-12-01",
            "gender": "female",
            "occupation": "farmer",
            "residence_place_code": "S1",
        },
    ]
    for number, row in enumerate(rows, start=2):
        for index, key in enumerate(columns, start=1):
            sheet.cell(row=number, column=index, value=row.get(key))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    result = run_import(
        actor=actor(world.users["alice"]), kind="people", stream=buffer, filename="people.xlsx"
    )
    assert result.errors == [] and (result.rows, result.created) == (2, 2)
    hai = Person.objects.get(person_id="P-T1")
    assert (hai.birth_date.isoformat(), hai.youth_union, hai.phone) == (
        "2001-11-20",
        True,
        "0912345678",
    )
    assert Person.objects.get(person_id="P-T2").occupation == "farmer"


def offered_lists(workbook, kind: str) -> dict[str, list[str]]:
    """Column key → the values its drop-down offers, read through the data validations."""
    sheet, lists = workbook[kind], workbook[LISTS_SHEET]
    headers = [cell.value for cell in sheet[1]]
    found = {}
    for validation in sheet.data_validations.dataValidation:
        letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
        column = headers[ord(letter) - ord("A")].rsplit("(", 1)[1].rstrip(")")
        source = validation.formula1.split("!")[1].replace("$", "")
        found[column] = [c.value for row in lists[source] for c in row]
    return found


def test_the_drop_downs_offer_the_names_in_the_users_language():
    offered = offered_lists(reopened("people"), "people")
    assert offered["gender"] == ["nam", "nữ"]
    assert offered["education_general"] == [
        "biết đọc, biết viết",
        "tiểu học",
        "trung học cơ sở",
        "trung học phổ thông",
    ]
    assert "học sinh, sinh viên" in offered["occupation"]
    assert "farmer" not in offered["occupation"]
    events = offered_lists(reopened("events"), "events")
    assert events["stage"][:2] == ["đã phát hiện", "đã đưa vào danh sách nguồn"]
    candidates = offered_lists(reopened("candidates"), "candidates")
    assert candidates["source_group"][0] == "Đoàn viên Đoàn Thanh niên"
    units = offered_lists(reopened("units"), "units")
    assert units["kind"][-2:] == ["Chi bộ cơ sở", "Chi bộ trực thuộc"]
    with override("en"):
        english = offered_lists(reopened("people"), "people")
    assert english["gender"] == ["male", "female"]
    assert english["youth_union"] == ["yes", "no"]
    assert english["occupation"][:2] == ["farmer", "worker"]


def test_a_template_filled_in_with_the_vietnamese_names_imports(world):
    """What the drop-downs offer is what the import reads, in either language."""
    workbook = template_workbook("people")
    sheet = workbook["people"]
    columns = [c.key for c in KINDS["people"].columns]
    rows = [
        {
            "person_id": "P-V1",
            "full_name": "Hà Thị Ánh",
            "birth_date": "01/02/2001",
            "gender": "nữ",
            "education_general": "trung học phổ thông",
            "education_professional": "cao đẳng",
            "occupation": "học sinh, sinh viên",
            "youth_union": "có",
            "residence_place_code": "V1",
        },
        {
            "person_id": "P-V2",
            "full_name": "Vừ A Dính",
            "birth_date": "2000-03-04",
            "gender": "male",  # the key
            "occupation": "Nông dân",  # any case
            "youth_union": "không",
            "residence_place_code": "S1",
        },
    ]
    for number, row in enumerate(rows, start=2):
        for index, key in enumerate(columns, start=1):
            sheet.cell(row=number, column=index, value=row.get(key))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    result = run_import(
        actor=actor(world.users["alice"]), kind="people", stream=buffer, filename="people.xlsx"
    )
    assert result.errors == [] and (result.rows, result.created) == (2, 2)
    anh = Person.objects.get(person_id="P-V1")
    assert (
        anh.gender,
        anh.education_general,
        anh.education_professional,
        anh.occupation,
        anh.youth_union,
    ) == ("female", "upper_secondary", "college", "student", True)
    dinh = Person.objects.get(person_id="P-V2")
    assert (dinh.gender, dinh.occupation, dinh.youth_union) == ("male", "farmer", False)


def test_import_messages_name_the_allowed_values_in_the_users_language(world):
    from tests.interchange.helpers import csv_bytes, run

    rows = [
        ["person_id", "full_name", "birth_date", "gender"],
        ["X-1", "Lê Bình", "2000-01-01", "trai"],
    ]
    vietnamese = run("people", csv_bytes(rows))
    assert [e.reason for e in vietnamese.errors] == [
        "Giá trị không hợp lệ. Các giá trị hợp lệ: nam, nữ."
    ]
    with override("en"):
        english = run("people", csv_bytes(rows))
    assert [e.reason for e in english.errors] == ["Not an allowed value. Allowed: male, female."]


def test_the_command_writes_a_template(tmp_path, capsys):
    call_command("template", "members", "--output", str(tmp_path / "m.xlsx"), "--lang", "en")
    assert "m.xlsx" in capsys.readouterr().out
    assert load_workbook(tmp_path / "m.xlsx")["members"]["A1"].value == "mã người (person_id)"


def test_the_command_names_the_file_after_the_kind(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command("template", "targets")
    assert load_workbook(tmp_path / "targets-template.xlsx").sheetnames[0] == "targets"
