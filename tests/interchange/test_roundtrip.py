"""Export, then import into an empty database, gives the same records: a property test.

Hypothesis makes a small organisation (units with periods, places, people with Vietnamese names
and values a spreadsheet would take for formulas, members with transfers), written through the
services. Every kind is exported as CSV and as XLSX; all Ranks rows and the audit log are then
deleted, the files imported, and exported again: each file must come out the same.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ranks.access.scope import scope_for
from ranks.core.actor import SYSTEM
from ranks.core.formulas import neutralise
from ranks.core.models import AuditEntry, AuditHead
from ranks.interchange.exporters import export_kind, write_csv, write_xlsx
from ranks.interchange.values import as_text
from ranks.org.models import Place, PlaceKind, PlaceVersion, Unit, UnitVersion
from ranks.org.services import place_version_save, unit_version_save
from ranks.org.tree import AREA_FLAGS
from ranks.people.models import (
    EducationGeneral,
    EducationProfessional,
    LeftReason,
    Membership,
    Occupation,
    Person,
    Posting,
)
from ranks.people.services import membership_posting_save, person_save
from tests.interchange.helpers import run

KINDS = ("units", "places", "people", "members")
D = dt.date
START = D(2000, 1, 1)
LAST = D(2024, 12, 31)  # before any "today" a test runs on

LETTERS = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ"
    "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
)
FORMULA = "=+-@"
text = st.text(alphabet=LETTERS + " ", min_size=1, max_size=16).map(str.strip).filter(bool)
# A name or value a spreadsheet would run as a formula unless neutralised.
risky = st.builds(lambda start, rest: start + rest, st.sampled_from([*FORMULA, "'=", "'"]), text)
names = st.one_of(text, text, risky)
prefix = st.sampled_from(["", "", "", *FORMULA])  # codes and IDs may start like formulas too
dates = st.dates(min_value=D(2001, 1, 1), max_value=D(2023, 12, 31))
flags = st.lists(st.sampled_from(AREA_FLAGS), unique=True, max_size=2)


@dataclass
class Spec:
    units: list[dict] = field(default_factory=list)
    places: list[dict] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)


@st.composite
def organisations(draw) -> Spec:
    spec = Spec()
    root_from = draw(st.sampled_from([None, START]))
    spec.units.append(
        dict(code="R", name=draw(names), kind="provincial_committee", valid_from=root_from)
    )
    committees = [f"{draw(prefix)}K{i}" for i in range(draw(st.integers(1, 3)))]
    for code in committees:
        base = dict(
            code=code,
            kind=draw(st.sampled_from(["commune_committee", "grassroots_committee"])),
            parent_code="R",
            can_admit=draw(st.booleans()),
            area_flags=draw(flags),
        )
        if draw(st.booleans()):  # renamed on a date: two periods
            day = draw(dates)
            spec.units.append(
                {
                    **base,
                    "name": draw(names),
                    "valid_from": START,
                    "valid_to": day - dt.timedelta(1),
                }
            )
            spec.units.append({**base, "name": draw(names), "valid_from": day})
        else:
            spec.units.append({**base, "name": draw(names), "valid_from": START})
    cells = [f"{draw(prefix)}C{i}" for i in range(draw(st.integers(1, 4)))]
    for code in cells:
        parent = draw(st.sampled_from(committees))
        base = dict(code=code, kind="cell", name=draw(names), area_flags=draw(flags))
        others = [c for c in committees if c != parent]
        if others and draw(st.booleans()):  # moved to another committee on a date
            day = draw(dates)
            spec.units.append(
                {
                    **base,
                    "parent_code": parent,
                    "valid_from": START,
                    "valid_to": day - dt.timedelta(1),
                }
            )
            spec.units.append(
                {**base, "parent_code": draw(st.sampled_from(others)), "valid_from": day}
            )
        else:
            spec.units.append({**base, "parent_code": parent, "valid_from": START})

    places = [f"{draw(prefix)}V{i}" for i in range(draw(st.integers(1, 3)))]
    for code in places:
        base = dict(
            code=code,
            name=draw(names),
            kind=draw(st.sampled_from(PlaceKind.values)),
            area_flags=draw(flags),
        )
        cells_here = draw(st.lists(st.sampled_from(cells), unique=True, max_size=2))
        if draw(st.booleans()):  # handed to another committee on a date
            day = draw(dates)
            spec.places.append(
                {
                    **base,
                    "unit_code": draw(st.sampled_from(committees)),
                    "cell_codes": cells_here,
                    "valid_from": START,
                    "valid_to": day - dt.timedelta(1),
                }
            )
            spec.places.append(
                {
                    **base,
                    "unit_code": draw(st.sampled_from(committees)),
                    "cell_codes": cells_here,
                    "valid_from": day,
                }
            )
        else:
            spec.places.append(
                {
                    **base,
                    "unit_code": draw(st.sampled_from(committees)),
                    "cell_codes": cells_here,
                    "valid_from": draw(st.sampled_from([None, START])),
                }
            )

    optional_place = st.sampled_from([None, *places])
    for i in range(draw(st.integers(1, 5))):
        person_id = f"{draw(prefix)}P{i}"
        spec.people.append(
            dict(
                person_id=person_id,
                full_name=draw(names),
                birth_date=draw(st.dates(min_value=D(1950, 1, 1), max_value=D(2006, 12, 31))),
                gender=draw(st.sampled_from(["", "male", "female"])),
                ethnicity=draw(st.sampled_from(["", "Kinh", "Thái", "Mông", "-", "=Kinh"])),
                religion=draw(st.sampled_from(["", "Không", "Công giáo", "Phật giáo", "@Hòa Hảo"])),
                education_general=draw(st.sampled_from(["", *EducationGeneral.values])),
                education_professional=draw(st.sampled_from(["", *EducationProfessional.values])),
                occupation=draw(st.sampled_from(["", *Occupation.values])),
                youth_union=draw(st.booleans()),
                residence_place_code=draw(optional_place),
                workplace_place_code=draw(optional_place),
                national_id=draw(st.sampled_from(["", "030090000001", "=1+1", "-0300"])),
                phone=draw(st.sampled_from(["", "0912345678", "+84 912 345 678", "@zalo"])),
            )
        )
        if not draw(st.booleans()):
            continue
        admitted = draw(dates)
        ceremony = draw(st.one_of(st.none(), st.dates(admitted, admitted + dt.timedelta(60))))
        official = None
        if ceremony and draw(st.booleans()):
            official = ceremony + dt.timedelta(days=365)
        cell = draw(st.sampled_from(cells))
        member = dict(
            person_id=person_id,
            admission_decision_date=admitted,
            admission_decision_no=draw(st.sampled_from(["", "12-QĐ/HU", "-5"])),
            ceremony_date=ceremony,
            official_date=official,
            left_date=None,
            left_reason="",
        )
        postings = [(cell, admitted)]
        others = [c for c in cells if c != cell]
        if others and draw(st.booleans()):
            moved = draw(st.dates(admitted + dt.timedelta(1), LAST))
            postings.append((draw(st.sampled_from(others)), moved))
        if draw(st.integers(0, 3)) == 0:
            member["left_date"] = draw(st.dates(postings[-1][1], LAST))
            member["left_reason"] = draw(st.sampled_from(LeftReason.values))
        for cell_code, cell_from in postings:
            spec.members.append({**member, "cell_code": cell_code, "cell_from": cell_from})
    return spec


def write(spec: Spec) -> None:
    for unit in spec.units:
        unit_version_save(actor=SYSTEM, **unit)
    for place in spec.places:
        place_version_save(actor=SYSTEM, **place)
    for person in spec.people:
        person_save(actor=SYSTEM, **person)
    for member in spec.members:
        fields = dict(member)
        person = Person.objects.get(person_id=fields.pop("person_id"))
        membership_posting_save(actor=SYSTEM, person=person, **fields)


def export_all() -> dict[str, bytes]:
    files = {}
    for kind in KINDS:
        export = export_kind(
            actor=SYSTEM, kind=kind, scope=scope_for(SYSTEM), root=None, sensitive=True
        )
        text = io.StringIO()
        write_csv(export, text)
        files[f"{kind}.csv"] = text.getvalue().encode("utf-8-sig")  # as `ranks export` writes
        export = export_kind(
            actor=SYSTEM, kind=kind, scope=scope_for(SYSTEM), root=None, sensitive=True
        )
        data = io.BytesIO()
        write_xlsx(export, data)
        files[f"{kind}.xlsx"] = data.getvalue()
    return files


def cells_of(name: str, data: bytes) -> list[list[str]]:
    """What a file holds, cell by cell (a workbook's bytes carry a timestamp)."""
    if name.endswith(".csv"):
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def wipe() -> None:
    """An empty database, as far as these kinds go: the records and the audit log."""
    Posting.objects.all().delete()
    Membership.objects.all().delete()
    Person.objects.all().delete()
    PlaceVersion.objects.all().delete()
    Place.objects.all().delete()
    UnitVersion.objects.filter(parent__isnull=False).delete()
    UnitVersion.objects.all().delete()
    Unit.objects.all().delete()
    AuditEntry.objects.all().delete()
    AuditHead.objects.all().delete()


def import_all(files: dict[str, bytes], fmt: str) -> None:
    for kind in KINDS:
        result = run(kind, files[f"{kind}.{fmt}"], filename=f"{kind}.{fmt}")
        assert result.errors == [], (kind, fmt, result.errors)
        assert result.updated == result.unchanged == 0 or kind == "members", (kind, result)


class _Undo(Exception):
    pass


@settings(
    max_examples=int(os.environ.get("RANKS_ROUNDTRIP_EXAMPLES", "15")),  # more by hand
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=organisations())
def test_export_then_import_gives_the_same_records(empty_db, spec):
    try:
        with transaction.atomic():  # each example starts from the same empty database
            check(spec)
            raise _Undo
    except _Undo:
        pass


def check(spec: Spec) -> None:
    write(spec)
    first = export_all()
    tables = {name: cells_of(name, data) for name, data in first.items()}
    # The files hold what was written, one row per period or posting, and no formula.
    for fmt in ("csv", "xlsx"):
        assert len(tables[f"units.{fmt}"]) == 1 + len(spec.units)
        assert len(tables[f"places.{fmt}"]) == 1 + len(spec.places)
        assert len(tables[f"people.{fmt}"]) == 1 + len(spec.people)
        assert len(tables[f"members.{fmt}"]) == 1 + len(spec.members)
    for name, table in tables.items():
        for row in table:
            for value in row:
                assert not str(value).startswith(tuple(FORMULA)), (name, value)
    assert tables["people.csv"] == tables["people.xlsx"]

    for fmt in ("csv", "xlsx"):
        wipe()
        assert not Unit.objects.exists() and not AuditEntry.objects.exists()
        import_all(first, fmt)
        again = export_all()
        for name, data in again.items():
            assert cells_of(name, data) == tables[name], (fmt, name)
        # The records, not only the files: every person's fields as they were written.
        for person in spec.people:
            saved = Person.objects.get(person_id=person["person_id"])
            for key, value in person.items():
                if key.endswith("_place_code"):
                    place = getattr(saved, key.removesuffix("_code"))
                    assert (place.code if place else None) == value
                else:
                    assert getattr(saved, key) == value, (key, value)


@pytest.mark.parametrize(
    "value", ["=1+1", "+84 912", "-", "-5", "@zalo", "'=x", "''+x", "'abc", "'", "a=b", "Hà"]
)
def test_neutralised_values_read_back_as_they_were(value):
    exported = neutralise(value)
    assert not exported.startswith(tuple(FORMULA))
    assert as_text(exported) == value
