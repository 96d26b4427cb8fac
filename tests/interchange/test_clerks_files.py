"""Files as clerks make them: list values in Vietnamese ("Nam", "Nông dân"), the data on any sheet."""

import io

from django.utils import translation

from ranks.core.actor import SYSTEM
from ranks.interchange.engine import run_import
from ranks.people.models import Person


def test_vietnamese_names_of_list_values_are_read_as_their_keys(world):
    text = (
        "mã người,họ và tên,ngày sinh,giới tính,nghề nghiệp,trình độ phổ thông,mã nơi cư trú\n"
        "P-CUC,Lê Thị Cúc,02/09/1999,Nữ,Nông dân,Trung học cơ sở,V1\n"
        "P-BAO,Hà Văn Bảo,1998-01-01,nam,công nhân,,V1\n"
    )
    result = run_import(
        actor=SYSTEM, kind="people", stream=io.BytesIO(text.encode()), filename="people.csv"
    )
    assert result.ok, result.errors
    cuc = Person.objects.get(person_id="P-CUC")
    assert (cuc.gender, cuc.occupation, cuc.education_general) == (
        "female",
        "farmer",
        "lower_secondary",
    )
    assert Person.objects.get(person_id="P-BAO").gender == "male"


def test_a_word_that_is_no_value_of_the_list_is_still_refused(world):
    text = "person_id,full_name,birth_date,gender,residence_place_code\nP-X,Lê Văn X,1990-01-01,trai,V1\n"
    with translation.override("en"):
        result = run_import(
            actor=SYSTEM, kind="people", stream=io.BytesIO(text.encode()), filename="people.csv"
        )
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (2, "gender", "trai", "Not an allowed value. Allowed: male, female.")
    ]


def test_an_xlsx_import_reads_the_sheet_named_after_the_kind(world):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "Hướng dẫn - Help"
    workbook.active.append(["this sheet explains the columns"])
    data = workbook.create_sheet("people")
    data.append(["person_id", "full_name", "birth_date", "residence_place_code"])
    data.append(["P-HOA", "Trần Thị Hoa", "1997-04-30", "V1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    result = run_import(actor=SYSTEM, kind="people", stream=buffer, filename="people.xlsx")
    assert result.ok, result.errors
    assert Person.objects.get(person_id="P-HOA").full_name == "Trần Thị Hoa"
