"""A bad file writes nothing and names every bad row: row, column as written, value, reason.

Each case is a small file written here; the reasons are checked in English, and once in the
default language (Vietnamese). After every rejected import the database has the same rows in
every table, the audit log included.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from django.utils import translation
from django.utils.translation import override

from ranks.core.actor import Actor
from ranks.interchange.engine import RowError
from ranks.people.models import EducationGeneral, EducationProfessional, Occupation
from ranks.pipeline.models import Stage
from tests.interchange.helpers import csv_bytes, db_counts, run, xlsx_bytes

# The reasons list the allowed values by their names in the user's language (the keys are
# still read).
UNIT_KINDS = (
    "Central, Provincial committee, District-level committee, Commune-level committee, "
    "Bloc committee, Police committee, Military committee, Grassroots committee, "
    "Grassroots cell, Cell"
)
UNIT_COLUMNS = (
    "code, name, kind, parent_code, valid_from, valid_to, area_flags, can_admit, admin_code"
)
NOT_A_DATE = "Not a date: write YYYY-MM-DD or DD/MM/YYYY."


def allowed(values) -> str:
    """The reason for a value not in the list, in English: the names of the values."""
    with override("en"):
        return f"Not an allowed value. Allowed: {', '.join(str(v) for v in values)}."


PEOPLE = ["person_id", "full_name", "birth_date"]
MEMBERS = ["person_id", "cell_code", "admission_decision_date"]
UNITS = ["code", "name", "kind", "parent_code", "valid_from", "valid_to"]
PLACES = ["code", "name", "kind", "unit_code", "cell_codes", "valid_from", "valid_to"]

# kind, the rows of the file (header first), the errors expected: (row, column, value, reason).
CASES = [
    pytest.param(
        "people",
        [PEOPLE, ["X-1", "", "2000-01-01"], ["X-2", "Lê Văn Bình", ""]],
        [
            (2, "full_name", "", "A value is required."),
            (3, "birth_date", "", "A value is required."),
        ],
        id="missing-required-value",
    ),
    pytest.param(
        "people",
        [["person_id", "full_name"], ["X-1", "Lê Văn Bình"]],
        [(1, "birth_date", "", "The required column “birth_date” (ngày sinh) is missing.")],
        id="missing-required-column",
    ),
    pytest.param(
        "units",
        [["code", "name", "kind", "colour"], ["Z", "Chi bộ Z", "cell", "red"]],
        [(1, "colour", "colour", f"Unknown column. The columns of this kind are: {UNIT_COLUMNS}.")],
        id="unknown-column",
    ),
    pytest.param(
        "people",
        [["person_id", "Họ và tên", "full_name", "birth_date"], ["X-1", "A", "A", "2000-01-01"]],
        [(1, "full_name", "full_name", "This column appears twice (also as “Họ và tên”).")],
        id="column-twice",
    ),
    pytest.param(
        "units",
        [UNITS, ["Z", "Chi bộ Z", "cell", "NOPE", "", ""]],
        [(2, "parent_code", "NOPE", "Unknown parent code: NOPE.")],
        id="unknown-parent",
    ),
    pytest.param(
        "places",
        [PLACES, ["V9", "Thôn Chín", "village", "NOPE", "", "", ""]],
        [(2, "unit_code", "NOPE", "Unknown unit code: NOPE.")],
        id="unknown-unit",
    ),
    pytest.param(
        "places",
        [PLACES, ["V9", "Thôn Chín", "village", "C1", "C1-A;NOPE", "", ""]],
        [(2, "cell_codes", "C1-A;NOPE", "Unknown cell code: NOPE.")],
        id="unknown-cell-of-place",
    ),
    pytest.param(
        "members",
        [MEMBERS, ["P-DUNG", "NOPE", "2025-01-10"]],
        [(2, "cell_code", "NOPE", "Unknown cell code: NOPE.")],
        id="unknown-cell-of-member",
    ),
    pytest.param(
        "people",
        [[*PEOPLE, "residence_place_code"], ["X-1", "Lê Văn Bình", "2000-01-01", "NOPE"]],
        [(2, "residence_place_code", "NOPE", "Unknown place code: NOPE.")],
        id="unknown-place",
    ),
    pytest.param(
        "members",
        [MEMBERS, ["NOPE", "C1-A", "2020-01-01"]],
        [(2, "person_id", "NOPE", "Unknown person: NOPE.")],
        id="unknown-person",
    ),
    pytest.param(
        "people",
        [PEOPLE, ["X-1", "Lê Văn Bình", "2000-01-01"], ["X-1", "Lê Văn Bình", "2000-01-01"]],
        [(3, "person_id", "X-1", "The same key as row 2 of this file.")],
        id="duplicate-person",
    ),
    pytest.param(
        "people",
        # Keys compare exactly, as in the database: "x-1" and "X-1" would be two people.
        [PEOPLE, ["x-1", "Lê Văn Bình", "2000-01-01"], ["x-1", "Lê Văn Bình", "2000-01-01"]],
        [(3, "person_id", "x-1", "The same key as row 2 of this file.")],
        id="duplicate-person-lower-case",
    ),
    pytest.param(
        "units",
        [
            UNITS,
            ["Z", "Chi bộ Z", "cell", "C1", "2001-01-01", ""],
            ["Y", "Chi bộ Y", "cell", "C1", "2001-01-01", ""],
            ["Z", "Chi bộ Zét", "cell", "C1", "01/01/2001", ""],
        ],
        [(4, "code", "Z", "The same key as row 2 of this file.")],
        id="duplicate-unit-period",
    ),
    pytest.param(
        "people",
        [
            PEOPLE,
            ["X-1", "Lê Văn Bình", "31/02/2000"],
            ["X-2", "Lê Văn Bình", "hôm qua"],
            ["X-3", "Lê Văn Bình", "2000-13-01"],
            ["X-4", "Lê Văn Bình", "1990"],  # a year alone, not Excel's day 1990 (in 1905)
        ],
        [
            (2, "birth_date", "31/02/2000", NOT_A_DATE),
            (3, "birth_date", "hôm qua", NOT_A_DATE),
            (4, "birth_date", "2000-13-01", NOT_A_DATE),
            (5, "birth_date", "1990", NOT_A_DATE),
        ],
        id="not-a-date",
    ),
    pytest.param(
        "people",
        [PEOPLE, ["X-1", "Lê Văn Bình", "01/01/2099"]],
        [(2, "birth_date", "01/01/2099", "The birth date is in the future.")],
        id="future-birth-date",
    ),
    pytest.param(
        "members",
        [MEMBERS, ["P-AN", "C1-A", "2099-01-01"]],
        [
            (
                2,
                "admission_decision_date",
                "2099-01-01",
                "The admission decision date is in the future.",
            )
        ],
        id="future-admission-decision",
    ),
    pytest.param(
        "members",
        [
            [*MEMBERS, "left_date", "left_reason"],
            ["P-LAN", "C2-A", "2010-06-01", "2099-01-01", "death"],
        ],
        [(2, "left_date", "2099-01-01", "The leaving date is in the future.")],
        id="future-leaving",
    ),
    pytest.param(
        "units",
        [UNITS, ["Z", "Chi bộ Z", "chi_bo", "C1", "", ""]],
        [(2, "kind", "chi_bo", allowed(UNIT_KINDS.split(", ")))],
        id="kind-not-in-list",
    ),
    pytest.param(
        "places",
        [PLACES, ["V9", "Thôn Chín", "hamlet", "C1", "", "", ""]],
        [
            (
                2,
                "kind",
                "hamlet",
                allowed(
                    [
                        "village",
                        "residential group",
                        "school",
                        "medical station",
                        "agency",
                        "enterprise",
                        "cooperative",
                        "armed forces",
                        "other",
                    ]
                ),
            )
        ],
        id="place-kind-not-in-list",
    ),
    pytest.param(
        "people",
        # "nam" and "nữ" are read as male and female (test_aliases.py); "trai" is no value.
        [[*PEOPLE, "gender"], ["X-1", "Lê Văn Bình", "2000-01-01", "trai"]],
        [(2, "gender", "trai", allowed(["male", "female"]))],
        id="gender-not-in-list",
    ),
    pytest.param(
        "people",
        [
            [*PEOPLE, "education_general", "education_professional"],
            ["X-1", "Lê Văn Bình", "2000-01-01", "12/12", "master"],
        ],
        [
            (2, "education_general", "12/12", allowed(EducationGeneral.labels)),
            (2, "education_professional", "master", allowed(EducationProfessional.labels)),
        ],
        id="education-not-in-list",
    ),
    pytest.param(
        "people",
        [[*PEOPLE, "occupation"], ["X-1", "Lê Văn Bình", "2000-01-01", "fisherman"]],
        [(2, "occupation", "fisherman", allowed(Occupation.labels))],
        id="occupation-not-in-list",
    ),
    pytest.param(
        "events",
        [["person_id", "stage", "date"], ["P-DUNG", "approved", "2024-01-01"]],
        [(2, "stage", "approved", allowed(Stage.labels))],
        id="stage-not-in-list",
    ),
    pytest.param(
        "units",
        [
            UNITS,
            ["A", "Chi bộ A", "cell", "B", "", ""],
            ["B", "Chi bộ B", "cell", "A", "", ""],
            ["OK", "Chi bộ OK", "cell", "C2", "2001-01-01", ""],
        ],
        [
            (2, "parent_code", "B", "The parent links of these rows form a loop: A → B → A."),
            (3, "parent_code", "A", "The parent links of these rows form a loop: A → B → A."),
        ],
        id="cycle-in-file",
    ),
    pytest.param(
        "units",
        [UNITS, ["C2", "Đảng bộ xã Hai", "grassroots_committee", "C2-A", "2000-01-01", ""]],
        [(2, "parent_code", "C2-A", "This parent would put the unit below itself on 2000-01-01.")],
        id="cycle-with-database",
    ),
    pytest.param(
        "members",
        [MEMBERS, ["P-DUNG", "C1-A", "1999-12-31"]],
        [(2, "cell_code", "C1-A", "The cell C1-A does not exist on 1999-12-31.")],
        id="member-in-cell-before-valid",
    ),
    pytest.param(
        "members",
        [
            [*MEMBERS, "cell_from"],
            ["P-AN", "C1-A", "2015-03-01", "2015-03-01"],
            ["P-LAN", "C2-A", "2010-06-01", "2010-06-01"],
            ["P-DUNG", "N1", "2025-01-10", ""],
        ],
        [(4, "cell_code", "N1", "The cell N1 does not exist on 2025-01-10.")],
        id="member-in-commune-before-it-opens",
    ),
    pytest.param(
        "places",
        # A cell need not exist on the place's first day (tests/interchange/test_dated_links.py),
        # but it must exist at some time while the place does.
        [PLACES, ["V9", "Thôn Chín", "village", "C1", "C1-A", "1995-01-01", "1999-12-31"]],
        [
            (
                2,
                "cell_codes",
                "C1-A",
                "The cell C1-A never exists while this place does (1995-01-01 – 1999-12-31).",
            )
        ],
        id="place-cell-never-valid",
    ),
    pytest.param(
        "units",
        [UNITS, ["Z", "Chi bộ Z", "cell", "N1", "2025-01-01", "2025-06-30"]],
        [
            (
                2,
                "parent_code",
                "N1",
                "The parent N1 never exists while this unit does (2025-01-01 – 2025-06-30).",
            )
        ],
        id="parent-never-valid",
    ),
    pytest.param(
        "units",
        [
            UNITS,
            ["Q", "Chi bộ Q", "cell", "C2", "2020-01-01", "2021-12-31"],
            ["Q", "Chi bộ Q mới", "cell", "C2", "2021-01-01", ""],
        ],
        [
            (
                3,
                "valid_from",
                "2021-01-01",
                "This period overlaps another period of the same code (2020-01-01 – 2021-12-31).",
            )
        ],
        id="overlapping-periods-in-file",
    ),
    pytest.param(
        "units",
        [UNITS, ["C2-A", "Chi bộ bản Nà mới", "cell", "C2", "2024-01-01", ""]],
        [
            (
                2,
                "valid_from",
                "2024-01-01",
                "This period overlaps another period of the same code (2000-01-01 – …).",
            )
        ],
        id="overlapping-period-with-database",
    ),
    pytest.param(
        "places",
        [
            PLACES,
            ["V9", "Thôn Chín", "village", "C2", "", "2020-01-01", ""],
            ["V9", "Thôn Chín", "village", "C2", "", "2022-01-01", ""],
        ],
        [
            (
                3,
                "valid_from",
                "2022-01-01",
                "This period overlaps another period of the same code (2020-01-01 – …).",
            )
        ],
        id="overlapping-place-periods",
    ),
    pytest.param(
        "units",
        [UNITS, ["Q", "Chi bộ Q", "cell", "C2", "2021-01-01", "2020-12-31"]],
        [(2, "valid_to", "2020-12-31", "The end date is before the start date.")],
        id="period-ends-before-it-starts",
    ),
    pytest.param(
        "people",
        [
            [*PEOPLE, "youth_union", "phone"],
            ["X-1", "Lê Văn Bình", "2000-01-01", "maybe", "0912345678901234567890"],
        ],
        [
            (2, "youth_union", "maybe", "Not true or false."),
            (2, "phone", "0912345678901234567890", "Longer than 20 characters."),
        ],
        id="bool-and-length",
    ),
    pytest.param(
        "people",
        # Good rows between bad ones: every bad row is named, in row order, and nothing written.
        [
            [*PEOPLE, "gender"],
            ["X-1", "Lê Văn Bình", "2000-01-01", "male"],
            ["X-2", "", "2000-01-01", "male"],
            ["X-3", "Lò Thị Xuân", "2000-01-01", "female"],
            ["X-4", "Lò Văn Páo", "2000-01-01", "trai"],
        ],
        [
            (3, "full_name", "", "A value is required."),
            (5, "gender", "trai", allowed(["male", "female"])),
        ],
        id="good-rows-between-bad-ones",
    ),
]


@pytest.mark.parametrize("kind, rows, expected", CASES)
def test_bad_csv_writes_nothing(world, kind, rows, expected):
    before = db_counts()
    with override("en"):
        result = run(kind, csv_bytes(rows))
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == expected
    assert not result.written
    assert db_counts() == before


def test_columns_are_named_as_the_file_writes_them(world):
    """Vietnamese labels and "label (key)" headers: errors name the column as the file does."""
    rows = [
        ["Mã người", "Họ và tên (full_name)", "NGÀY SINH", "Giới tính"],
        ["X-1", "", "2000-01-01", "male"],
        ["X-2", "Lê Văn Bình", "2000-01-01", "trai"],
    ]
    before = db_counts()
    with override("en"):
        result = run("people", csv_bytes(rows, bom=True))
    assert result.errors == [
        RowError(2, "Họ và tên (full_name)", "", "A value is required."),
        RowError(3, "Giới tính", "trai", allowed(["male", "female"])),
    ]
    assert db_counts() == before


def test_reason_in_the_default_language_is_vietnamese(world):
    rows = [MEMBERS, ["P-DUNG", "NOPE", "2025-01-10"], ["P-AN", "", "2015-03-01"]]
    translation.deactivate()  # whatever an earlier test left active: the default, Vietnamese
    assert translation.get_language() == "vi"
    result = run("members", csv_bytes(rows))
    with override("en"):
        english = run("members", csv_bytes(rows))
    assert [(e.row, e.column, e.value) for e in result.errors] == [
        (2, "cell_code", "NOPE"),
        (3, "cell_code", ""),
    ]
    for vietnamese, in_english in zip(result.errors, english.errors, strict=True):
        # Not the English text: the catalogue has a translation of each reason.
        assert vietnamese.reason != in_english.reason
    assert "NOPE" in result.errors[0].reason


def test_access_row_outside_the_users_commune(world):
    """Alice (officer at C1 and N1) may not place a member in C2's cell: that row is an error."""
    alice = Actor.for_user(world.users["alice"])
    rows = [
        [*MEMBERS, "cell_from"],
        ["P-DUNG", "C1-B", "2025-01-10", ""],
        ["P-DUNG", "C2-A", "2025-01-10", "2025-09-01"],
    ]
    before = db_counts()
    with override("en"):
        result = run("members", csv_bytes(rows), actor=alice)
    assert result.errors == [RowError(3, "cell_code", "C2-A", "Unknown cell code: C2-A.")]
    assert db_counts() == before


def test_access_unit_outside_the_users_commune(world):
    alice = Actor.for_user(world.users["alice"])
    rows = [
        UNITS,
        ["C1-C", "Chi bộ C", "cell", "C1", "2001-01-01", ""],
        ["C2-B", "Chi bộ B", "cell", "C2", "2001-01-01", ""],
        ["C2-A", "Chi bộ bản Nà", "cell", "C1", "2000-01-01", ""],
        ["TOP", "Đảng bộ mới", "commune_committee", "", "2001-01-01", ""],
        # Her commune's row may keep its parent, the district above her, but not take another.
        ["C1", "Đảng bộ xã Một", "grassroots_committee", "D1", "2000-01-01", "2025-06-30"],
        ["C1", "Đảng bộ xã Một", "grassroots_committee", "D2", "2000-01-01", "2025-06-30"],
        ["N1", "Đảng bộ xã Mới", "commune_committee", "", "2025-07-01", ""],
        ["N1", "Đảng bộ xã Mới", "commune_committee", "P", "2025-07-01", ""],
    ]
    before = db_counts()
    with override("en"):
        result = run("units", csv_bytes(rows), actor=alice)
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (3, "parent_code", "C2", "Unknown parent code: C2."),
        (4, "code", "C2-A", "This code is already used outside your units: C2-A."),
        (5, "parent_code", "", "Only a user with full access may import a unit without a parent."),
        (7, "code", "C1", "The same key as row 6 of this file."),
        (9, "code", "N1", "The same key as row 8 of this file."),
    ]
    assert db_counts() == before
    with override("en"):
        result = run("units", csv_bytes([rows[0], rows[6], rows[8]]), actor=alice)
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (2, "parent_code", "D2", "Unknown parent code: D2."),
        (3, "parent_code", "P", "Unknown parent code: P."),
    ]
    assert db_counts() == before


# Files that are wrong as a whole: reported once, as row 0, naming the file.


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 saves it: vowels with circumflex, breve or horn are letters of their
    own, tone marks are combining characters after them (Python's codec needs that form)."""
    clusters: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and clusters:
            clusters[-1] += char
        else:
            clusters.append(char)
    out = []
    for cluster in clusters:
        base, marks = cluster[0], cluster[1:]
        modifiers = "".join(m for m in marks if m in "\u0302\u0306\u031b")
        tones = "".join(m for m in marks if m not in "\u0302\u0306\u031b")
        out.append(unicodedata.normalize("NFC", base + modifiers) + tones)
    return "".join(out).encode("cp1258")


NOT_UTF8 = (
    "The file is not UTF-8 text; it looks like {}. In Excel, save it as “CSV UTF-8”, "
    "or import the .xlsx file itself."
)


@pytest.mark.parametrize(
    "names",
    [
        pytest.param(["Nguyễn Văn Bình"], id="one-row"),
        pytest.param(
            ["Đặng Thị Hương", "Lò Văn Páo", "Trần Thị Thủy", "Hoàng Đức Thắng"], id="rows"
        ),
    ],
)
def test_windows_1258_file(world, names):
    text = "mã người,họ và tên,ngày sinh,dân tộc\r\n" + "".join(
        f"X-{i},{name},01/02/2000,Kinh\r\n" for i, name in enumerate(names)
    )
    data = cp1258(text)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    before = db_counts()
    with override("en"):
        result = run("people", data, filename="nguoi.csv")
    assert result.errors == [
        RowError(0, "", "nguoi.csv", NOT_UTF8.format("Windows-1258 (Vietnamese)"))
    ]
    assert "Windows-1258" in result.errors[0].reason
    assert db_counts() == before


def test_windows_1258_after_the_first_64_kib(world):
    """The start of the file is plain ASCII; the legacy bytes come later, while streaming."""
    good = "".join(f"X-{i},Tran Van Binh,01/02/2000\r\n" for i in range(3000))
    data = (
        b"person_id,full_name,birth_date\r\n"
        + good.encode()
        + cp1258("X-9999,Nguyễn Thị Ánh,01/02/2000\r\n")
    )
    assert len(data) > 64 * 1024
    before = db_counts()
    with override("en"):
        result = run("people", data, filename="nguoi.csv")
    assert len(result.errors) == 1
    assert result.errors[0].reason == NOT_UTF8.format("Windows-1258 (Vietnamese)")
    assert db_counts() == before


@pytest.mark.parametrize(
    "data, filename, reason",
    [
        pytest.param(b"", "empty.csv", "The file is empty.", id="empty"),
        pytest.param(b"\xef\xbb\xbf\r\n\r\n", "bom-only.csv", "The file is empty.", id="bom-only"),
        pytest.param(
            b"\xff\xfep\x00e\x00",
            "unicode.txt",
            NOT_UTF8.format("UTF-16 (Excel's “Unicode text”)"),
            id="utf-16",
        ),
        pytest.param(
            b"not a workbook at all",
            "people.xlsx",
            "The file is not a valid Excel workbook (.xlsx).",
            id="not-a-workbook",
        ),
        pytest.param(
            b"PK\x03\x04 a broken zip",
            "people.csv",
            "The file is not a valid Excel workbook (.xlsx).",
            id="broken-zip",
        ),
        pytest.param(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "people.xls",
            "Old Excel files (.xls) cannot be read: save the file as .xlsx or as CSV UTF-8.",
            id="old-excel",
        ),
    ],
)
def test_bad_file(world, data, filename, reason):
    before = db_counts()
    with override("en"):
        result = run("people", data, filename=filename)
    assert result.errors == [RowError(0, "", filename, reason)]
    assert db_counts() == before


def test_empty_workbook(world):
    before = db_counts()
    with override("en"):
        result = run("people", xlsx_bytes([]), filename="people.xlsx")
    assert result.errors == [RowError(0, "", "people.xlsx", "The file is empty.")]
    assert db_counts() == before


def test_header_only_is_no_error(world):
    before = db_counts()
    result = run("people", csv_bytes([PEOPLE]))
    assert result.ok and result.rows == 0
    assert db_counts() == before


def test_file_too_large(world):
    rows = [PEOPLE] + [[f"X-{i}", "Lê Văn Bình", "2000-01-01"] for i in range(9000)]
    data = csv_bytes(rows)
    assert 300_000 < len(data) < 350_000
    before = db_counts()
    with override("en"):
        result = run("people", data, filename="big.csv", max_bytes=200 * 1024)
    assert result.errors == [
        RowError(0, "", "big.csv", "The file is too large: 0.3 MB; the limit is 0.2 MB.")
    ]
    assert result.rows == 0
    assert db_counts() == before


# Excel: dates in real date cells and as serial numbers, and what is wrong with them.


def test_excel_dates_that_are_wrong(world):
    rows = [
        [*MEMBERS, "ceremony_date", "official_date", "left_date", "left_reason"],
        # A real date cell in the future.
        ["P-AN", "C1-A", dt.datetime(2099, 3, 1), None, None, None, None],
        # A serial number too large to be a date, and one that is fine (2015-03-20).
        ["P-LAN", "C2-A", dt.date(2010, 6, 1), 9999999, 42083, None, None],
        # Text that is no date, in a workbook.
        ["P-DUNG", "C1-B", "mùng 10 tháng 1", None, None, None, None],
        # Official status before the ceremony, both real date cells.
        [
            "P-DUNG",
            "C1-B",
            dt.date(2025, 1, 10),
            dt.date(2025, 2, 1),
            dt.date(2025, 1, 15),
            None,
            None,
        ],
    ]
    before = db_counts()
    with override("en"):
        result = run(
            "members",
            xlsx_bytes(rows, number_formats={3: "DD/MM/YYYY", 5: "DD/MM/YYYY"}),
            filename="members.xlsx",
        )
    assert [(e.row, e.column, e.value, e.reason) for e in result.errors] == [
        (
            2,
            "admission_decision_date",
            "2099-03-01",
            "The admission decision date is in the future.",
        ),
        (3, "ceremony_date", "9999999", NOT_A_DATE),
        (4, "admission_decision_date", "mùng 10 tháng 1", NOT_A_DATE),
        (5, "official_date", "2025-01-15", "Official status is dated before the ceremony."),
    ]
    assert db_counts() == before


def test_excel_unknown_column_and_missing_value(world):
    rows = [
        ["Mã người", "Họ và tên", "Ngày sinh", "Ghi chú"],
        ["X-1", "A", dt.date(2000, 1, 1), "x"],
    ]
    before = db_counts()
    with override("en"):
        result = run("people", xlsx_bytes(rows), filename="people.xlsx")
    assert [(e.row, e.column, e.value) for e in result.errors] == [(1, "Ghi chú", "Ghi chú")]
    rows = [["Mã người", "Họ và tên", "Ngày sinh"], ["X-1", None, dt.date(2000, 1, 1)]]
    with override("en"):
        result = run("people", xlsx_bytes(rows), filename="people.xlsx")
    assert result.errors == [RowError(2, "Họ và tên", "", "A value is required.")]
    assert db_counts() == before


def test_duplicates_found_after_the_keys_move_to_disk(world, monkeypatch):
    """A large file's keys leave memory for a temporary file: duplicates are still caught."""
    from ranks.interchange import engine

    class FewInMemory(engine.SeenKeys):
        def __init__(self):
            super().__init__(limit=3)

    monkeypatch.setattr(engine, "SeenKeys", FewInMemory)
    rows = [PEOPLE] + [[f"X-{i}", "Lê Văn Bình", "2000-01-01"] for i in range(8)]
    rows += [["X-1", "Lê Văn Bình", "2000-01-01"], ["X-7", "Lê Văn Bình", "2000-01-01"]]
    before = db_counts()
    with override("en"):
        result = run("people", csv_bytes(rows))
    assert result.errors == [
        RowError(10, "person_id", "X-1", "The same key as row 3 of this file."),
        RowError(11, "person_id", "X-7", "The same key as row 9 of this file."),
    ]
    assert db_counts() == before
    assert run("people", csv_bytes(rows[:-2])).created == 8
