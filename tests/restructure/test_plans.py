"""A reform as data: a plan file applied all or nothing, and the plan of the 2025 reform written
from `vietnamadminunits`' conversion table. The seed's case: Thanh Miện's communes (Hải Dương)
merged and split into the new communes of 1 July 2025."""

from __future__ import annotations

import csv
import datetime as dt
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from ranks.access.services import grant_role
from ranks.core.actor import SYSTEM
from ranks.core.models import AuditEntry
from ranks.counters.services import rebuild_coverage
from ranks.demo import writer
from ranks.demo.generator import Sizes, build_plan
from ranks.org.adminunits import load_province
from ranks.org.kinds import ensure_unit_kinds
from ranks.org.models import PlaceVersion, Unit, UnitKind, UnitVersion
from ranks.org.services import place_version_save, unit_version_save
from ranks.people.services import membership_admit, person_save
from ranks.restructure.models import Restructure
from ranks.restructure.plans import HEADER, run_plan
from ranks.restructure.reform import reform_rows
from ranks.restructure.services import restructure_undo
from ranks.targets.recount import verify
from tests.factories import make_user

D = dt.date
START = D(2000, 1, 1)
REFORM = D(2025, 7, 1)
LAST_OLD_DAY = D(2025, 6, 30)
LATER = D(2026, 1, 1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def thanh_mien(db):
    """The 2024 tree of Thanh Miện district: its committee, a committee for each of its real
    communes with one or two cells and a village each, a cell below the district, a few members
    and an admission in March 2025."""
    ensure_unit_kinds(UnitKind)
    old, new = load_province("Hải Dương")
    district = next(d for d in old.districts if d.short == "Thanh Miện")
    save = unit_version_save
    save(actor=SYSTEM, code="HD", name="Đảng bộ tỉnh Hải Dương", kind="provincial_committee",
         valid_from=START, admin_code=old.code)  # fmt: skip
    save(actor=SYSTEM, code="HD-H300", name="Đảng bộ huyện Thanh Miện", kind="district_committee",
         parent_code="HD", valid_from=START, admin_code=district.code, can_admit=True)  # fmt: skip
    save(actor=SYSTEM, code="HD-H300-C01", name="Chi bộ Trường THPT Thanh Miện",
         kind="grassroots_cell", parent_code="HD-H300", valid_from=START)  # fmt: skip
    for i, c in enumerate(district.communes):
        code = f"HD-X{c.code}"
        save(actor=SYSTEM, code=code, name=f"Đảng bộ {c.title}", kind="grassroots_committee",
             parent_code="HD-H300", valid_from=START, admin_code=c.code)  # fmt: skip
        for n in range(1, 3 if c.new_others or i % 4 == 0 else 2):
            save(actor=SYSTEM, code=f"{code}-C0{n}", name=f"Chi bộ thôn {n} {c.short}",
                 kind="cell", parent_code=code, valid_from=START)  # fmt: skip
            place_version_save(actor=SYSTEM, code=f"{code}-P0{n}", name=f"Thôn {n} {c.short}",
                               kind="village", unit_code=code, cell_codes=[f"{code}-C0{n}"],
                               valid_from=START)  # fmt: skip
    first, second = (f"HD-X{c.code}-C01" for c in district.communes[:2])
    for n, (cell, admitted) in enumerate(
        [(first, D(2010, 5, 1)), (second, D(2012, 6, 1)), (first, D(2025, 3, 1))]
    ):
        person = person_save(actor=SYSTEM, person_id=f"TM-{n}", full_name=f"Nguyễn Văn {n}",
                             birth_date=D(1990, 1, 1 + n), gender="male", ethnicity="Kinh",
                             religion="Không")  # fmt: skip
        membership_admit(actor=SYSTEM, person=person, cell_code=cell,
                         admission_decision_date=admitted)  # fmt: skip
    return district, new


def tree(day: dt.date) -> list[tuple]:
    """Every unit in force on `day` with its parent, name and kind, and every place with its unit
    and cells."""
    units = sorted(
        UnitVersion.objects.valid_on(day).values_list(
            "unit__code", "parent__code", "name", "kind__key", "admin_code"
        )
    )
    places = sorted(
        (pv.place.code, pv.unit.code, tuple(sorted(c.code for c in pv.cells.all())))
        for pv in PlaceVersion.objects.valid_on(day).select_related("place", "unit")
    )
    return [units, places]


def counts() -> dict[str, int]:
    return {
        "unit versions": UnitVersion.objects.count(),
        "place versions": PlaceVersion.objects.count(),
        "restructures": Restructure.objects.count(),
        "audit entries": AuditEntry.objects.count(),
    }


def write_plan(path: Path, **options) -> list[dict[str, str]]:
    call_command("restructure", "plan", "--out", str(path), stdout=StringIO(), stderr=StringIO(),
                 **options)  # fmt: skip
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def save_rows(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header or list(rows[0]))
        for row in rows:
            writer.writerow(list(row.values()))


def apply(path: Path, *more: str, **options) -> str:
    out = StringIO()
    call_command("restructure", "apply", str(path), *more, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def report(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def test_thanh_mien_merged_and_split_into_the_new_communes(thanh_mien, tmp_path):
    district, new = thanh_mien
    new_code = {nc.key: f"HP-N{nc.code}" for nc in new.communes}
    before = tree(LAST_OLD_DAY)
    rows = write_plan(tmp_path / "plan.csv", province="hai duong", district="Thanh Mien")

    kinds = [r["kind"] for r in rows]
    wanted = {c.new_default for c in district.communes} | {
        k for c in district.communes for k in c.new_others
    }
    # The new province and each new commune are created; each old commune is merged or split.
    assert kinds.count("create") == 1 + len(wanted)
    split = [c for c in district.communes if c.new_others]
    assert {r["source"] for r in rows if r["kind"] == "split"} == {f"HD-X{c.code}" for c in split}
    assert {r["source"] for r in rows if r["kind"] == "merge"} == {
        f"HD-X{c.code}" for c in district.communes if not c.new_others
    }
    assert [r["source"] for r in rows if r["kind"] == "dissolve"] == ["HD-H300"]

    # The table does not say which villages went elsewhere: send one commune's second village
    # and its cell to the other new commune, as a user would edit the map.
    town = split[0]
    moved_to = new_code[town.new_others[0]]
    source = f"HD-X{town.code}"
    for row in rows:
        if row["kind"] == "split" and row["source"] == source:
            if row["target"] == new_code[town.new_default]:
                row["map"] = ";".join(
                    c for c in row["map"].split(";") if c not in (f"{source}-C02", f"{source}-P02")
                )
            else:
                row["map"] = f"{source}-C02;{source}-P02"
    save_rows(tmp_path / "plan.csv", rows)

    kept = counts()
    out = StringIO()
    call_command("restructure", "preview", str(tmp_path / "plan.csv"), stdout=out)
    assert "Preview, nothing written." in out.getvalue()
    assert counts() == kept

    output = apply(tmp_path / "plan.csv", reason="Sắp xếp đơn vị hành chính")
    assert "Applied." in output

    # The tree of 2025-06-30 is unchanged; on 1 July the communes and the district close.
    assert tree(LAST_OLD_DAY) == before
    for c in district.communes:
        unit = Unit.objects.get(code=f"HD-X{c.code}")
        assert not unit.versions.valid_on(REFORM).exists()
        assert unit.versions.order_by("-valid_from").first().valid_to == LAST_OLD_DAY
    assert not UnitVersion.objects.valid_on(REFORM).filter(unit__code="HD-H300").exists()

    # 2026: every cell and place of an old commune is under the new commune it went into.
    units_2026 = {code: parent for code, parent, *_rest in tree(LATER)[0]}
    places_2026 = {code: unit for code, unit, _cells in tree(LATER)[1]}
    for c in district.communes:
        expected = new_code[c.new_default]
        for cell in UnitVersion.objects.filter(
            valid_from=START, parent__code=f"HD-X{c.code}"
        ).values_list("unit__code", flat=True):
            goes = moved_to if cell == f"{source}-C02" else expected
            assert units_2026[cell] == goes, cell
            place = cell.replace("-C0", "-P0")
            assert places_2026[place] == goes, place
    for key in wanted:
        version = UnitVersion.objects.valid_on(LATER).get(unit__code=new_code[key])
        nc = next(n for n in new.communes if n.key == key)
        assert (version.parent.code, version.admin_code, version.kind.key) == (
            "HP",
            nc.code,
            "commune_committee",
        )
    # The district's own cell goes to the new commune of its seat.
    assert units_2026["HD-H300-C01"] == new_code[district.seat().new_default]
    assert verify() == []
    # Moved in bulk, each version is still audited as the org services audit it: every version
    # created, every place version and unit version closed by a move.
    entries = AuditEntry.objects.values_list("action", flat=True)
    moved_units = UnitVersion.objects.filter(valid_from=REFORM).count() - len(wanted) - 1
    assert entries.filter(action="ranks.org.unit.version_created").count() == (
        UnitVersion.objects.count()
    )
    assert entries.filter(action="ranks.org.unit.version_closed").count() == moved_units
    assert entries.filter(action="ranks.org.place.version_created").count() == (
        PlaceVersion.objects.count()
    )
    assert entries.filter(action="ranks.org.place.version_updated").count() == (
        PlaceVersion.objects.filter(valid_from=REFORM).count()
    )

    # Each restructure is its own act, and each can be undone (the latest first).
    done = list(Restructure.objects.order_by("-id"))
    # One merge for each new commune taking whole communes, one split for each divided commune,
    # the district's dissolution.
    assert len(done) == len({r["target"] for r in rows if r["kind"] == "merge"}) + len(split) + 1
    assert AuditEntry.objects.filter(action="ranks.restructure.applied").count() == len(done)
    for restructure in done:
        restructure_undo(actor=SYSTEM, restructure_id=restructure.pk)
    assert tree(LATER)[1] == tree(LAST_OLD_DAY)[1]
    assert verify() == []


def test_a_plan_with_one_bad_row_changes_nothing(thanh_mien, tmp_path):
    rows = write_plan(tmp_path / "plan.csv", province="Hải Dương", district="Thanh Miện")
    merges = [i for i, r in enumerate(rows) if r["kind"] == "merge"]
    rows[merges[-1]]["source"] = "HD-X99999"
    save_rows(tmp_path / "plan.csv", rows)
    kept = counts()
    with pytest.raises(CommandError) as error:
        apply(tmp_path / "plan.csv", report=str(tmp_path / "bad.csv"))
    assert error.value.returncode == 1
    assert counts() == kept
    lines = report(tmp_path / "bad.csv")
    assert lines[0] == ["row", "column", "value", "reason"]
    # The row number counts the header as row 1, as the imports' reports do.
    assert lines[1:] == [
        [str(merges[-1] + 2), "source", "HD-X99999", "Unknown unit code: HD-X99999."]
    ]

    # A bad date and an unknown kind are reported too, each by its row and column.
    rows[merges[-1]]["source"] = rows[merges[0]]["source"]
    rows[merges[0]]["effective_on"] = "31/02/2025"
    rows[merges[-1]]["kind"] = "explode"
    save_rows(tmp_path / "plan.csv", rows)
    with pytest.raises(CommandError):
        apply(tmp_path / "plan.csv", report=str(tmp_path / "bad.csv"))
    found = {(r[0], r[1]) for r in report(tmp_path / "bad.csv")[1:]}
    assert (str(merges[0] + 2), "effective_on") in found
    assert (str(merges[-1] + 2), "kind") in found
    assert counts() == kept


def test_a_plan_in_vietnamese_columns(thanh_mien, tmp_path):
    district, _new = thanh_mien
    a, b = (f"HD-X{c.code}" for c in district.communes[2:4])
    unit_version_save(actor=SYSTEM, code="N", name="Đảng bộ xã Mới", kind="commune_committee",
                      valid_from=REFORM)  # fmt: skip
    path = tmp_path / "ke-hoach.csv"
    path.write_text(
        "Loại,Ngày hiệu lực,Đơn vị nguồn,Đơn vị đích,Văn bản\n"
        f"hợp nhất,01/07/2025,{a},N,Nghị quyết số 1\n"
        f"Hợp nhất,01/07/2025,{b},N,\n"
        "đổi tên,01/01/2026,N,,\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError):
        apply(path, report=str(tmp_path / "bad.csv"))
    # The rename lacks its name: the column named is the file's own header.
    assert report(tmp_path / "bad.csv")[1][:2] == ["4", "name"]
    path.write_text(
        "Loại,Ngày hiệu lực,Đơn vị nguồn,Đơn vị đích,Tên,Văn bản\n"
        f"hợp nhất,01/07/2025,{a},N,,Nghị quyết số 1\n"
        f"Hợp nhất,01/07/2025,{b},N,,\n"
        "đổi tên,01/01/2026,N,,Đảng bộ xã Mới Hai,\n",
        encoding="utf-8",
    )
    apply(path)
    merge = Restructure.objects.get(kind="merge")
    assert (merge.source_codes, merge.document) == ([a, b], "Nghị quyết số 1")
    assert Restructure.objects.get(kind="rename").params["name"] == "Đảng bộ xã Mới Hai"


def test_a_manager_of_one_commune_cannot_apply_rows_on_another(thanh_mien, tmp_path):
    district, _new = thanh_mien
    mine, other = (f"HD-X{c.code}" for c in district.communes[2:4])
    unit_version_save(actor=SYSTEM, code="N", name="Đảng bộ xã Mới", kind="commune_committee",
                      valid_from=REFORM)  # fmt: skip
    make_user("alice")
    for unit in (mine, "N"):
        grant_role(actor=SYSTEM, username="alice", role="manager", unit_code=unit)
    path = tmp_path / "plan.csv"
    path.write_text(
        "kind,effective_on,source,target\n"
        f"rename,2024-01-01,{mine},\n"
        f"merge,2025-07-01,{mine},N\n"
        f"move,2024-01-01,{other},N\n",
        encoding="utf-8",
    )
    kept = counts()
    with pytest.raises(CommandError):
        apply(path, "--as", "alice", report=str(tmp_path / "bad.csv"))
    assert counts() == kept
    lines = report(tmp_path / "bad.csv")[1:]
    assert ["4", "source", other, f"Unknown unit code: {other}."] in lines
    assert ["2", "name", "", "A row of kind “rename” needs this column."] in lines
    # Her own commune alone goes through.
    path.write_text(
        f"kind,effective_on,source,target\nmerge,2025-07-01,{mine},N\n", encoding="utf-8"
    )
    apply(path, "--as", "alice")
    assert Restructure.objects.get().applied_by == "alice"


def test_an_unknown_province_or_district_is_said(db):
    with pytest.raises(CommandError) as error:
        call_command("restructure", "plan", "--province", "Atlantis", stdout=StringIO())
    assert "Unknown province: Atlantis" in str(error.value) and "Hải Dương" in str(error.value)
    with pytest.raises(CommandError) as error:
        call_command("restructure", "plan", "--province", "Hải Dương", "--district", "Nowhere",
                     stdout=StringIO())  # fmt: skip
    assert "Thanh Miện" in str(error.value)


def test_the_plan_of_a_whole_province_dissolves_its_committee_into_the_new_one(
    thanh_mien, tmp_path
):
    district, _new = thanh_mien
    err = StringIO()
    call_command("restructure", "plan", "--province", "HAI DUONG", "--on", "01/07/2025",
                 "--out", str(tmp_path / "plan.csv"), stdout=StringIO(), stderr=err)  # fmt: skip
    # The tree holds one district: the communes of the others are left out, and said so.
    assert "thành phố Hải Dương:" in err.getvalue() and "left out" in err.getvalue()
    assert "Thanh Miện:" not in err.getvalue()
    with (tmp_path / "plan.csv").open(encoding="utf-8-sig") as stream:
        rows = list(csv.DictReader(stream))
    assert (rows[-1]["kind"], rows[-1]["source"], rows[-1]["target"]) == ("dissolve", "HD", "HP")
    apply(tmp_path / "plan.csv")
    hd = Unit.objects.get(code="HD")
    assert hd.versions.get().valid_to == LAST_OLD_DAY
    assert UnitVersion.objects.valid_on(REFORM).get(unit__code="HP").parent is None
    assert Restructure.objects.filter(kind="dissolve").count() == 2


def test_the_plan_of_a_whole_province_gives_the_demo_s_reformed_tree(db):
    """The demo of Hải Dương: its tree of 2024 and the units the reform founds, with the plan of
    the reform applied (the maps of the splits edited as the demo divided the villages, and the
    bloc's and police's committees moved to the new province under their new names), give
    every unit and place of the demo's plan, version for version."""
    ensure_unit_kinds(UnitKind)
    plan = build_plan(
        "Hải Dương", seed=7, sizes=Sizes(members=200, villages_per_commune=1), today=LATER
    )
    tree_2024 = writer._tree_of_2024(plan)
    assert all(v.valid_from < REFORM for u in tree_2024.units for v in u.versions[:1]
               if not u.code.startswith("HP"))  # fmt: skip
    writer._write_units(tree_2024)
    writer._write_places(tree_2024)
    rebuild_coverage()  # the demo's writer writes in bulk, then counts

    rows, notes = reform_rows(province="Hải Dương")
    assert notes == []
    rows = writer._reform_plan_rows(plan)
    renamed = [(r["kind"], r["source"], r["target"]) for r in rows if r.get("name")]
    assert sorted(renamed) == [("move", "HD-CA", "HP"), ("move", "HD-KCQ", "HP")]
    stream = StringIO()
    csv_writer = csv.DictWriter(stream, fieldnames=HEADER)
    csv_writer.writeheader()
    csv_writer.writerows(rows)
    result = run_plan(
        actor=SYSTEM,
        stream=BytesIO(stream.getvalue().encode()),
        filename="plan.csv",
        write=True,
    )
    assert result.errors == []

    for u in plan.units:
        found = list(
            UnitVersion.objects.filter(unit__code=u.code)
            .order_by("valid_from")
            .values_list("name", "kind__key", "parent__code", "valid_from", "valid_to")
        )
        assert found == [(v.name, v.kind, v.parent, v.valid_from, v.valid_to) for v in u.versions]
    for p in plan.places:
        found = list(
            PlaceVersion.objects.filter(place__code=p.code)
            .order_by("valid_from")
            .values_list("name", "unit__code", "valid_from", "valid_to")
        )
        assert found == [(v.name, v.unit, v.valid_from, v.valid_to) for v in p.versions], p.code
    assert verify() == []


def test_an_old_commune_bearing_a_new_commune_s_code_is_not_its_target(thanh_mien, tmp_path):
    """Trường Tân took over the code of Gia Lộc's Nhật Quang (11065): with Gia Lộc in the tree,
    the plan of Thanh Miện still creates Trường Tân rather than splitting into Nhật Quang."""
    unit_version_save(actor=SYSTEM, code="HD-X11065", name="Đảng bộ xã Nhật Quang",
                      kind="grassroots_committee", parent_code="HD", valid_from=START,
                      admin_code="11065")  # fmt: skip
    rows = write_plan(tmp_path / "plan.csv", province="Hải Dương", district="Thanh Miện")
    targets = {r["target"] for r in rows}
    assert "HP-N11065" in targets and "HD-X11065" not in targets
    assert any(r["kind"] == "create" and r["target"] == "HP-N11065" for r in rows)
    # Once created (and the plan applied), the new commune is found and not created again.
    apply(tmp_path / "plan.csv")
    again = write_plan(tmp_path / "again.csv", province="Hải Dương", district="Thanh Miện")
    assert [r for r in again if r["kind"] == "create"] == []


def test_a_move_row_carries_a_new_name_on_the_same_date(thanh_mien, tmp_path):
    """A unit that moves and is renamed the same day: one row, one act (a rename after the move
    would start on the date the move's version starts, which is refused)."""
    district, _new = thanh_mien
    commune = f"HD-X{district.communes[0].code}"
    rows = [
        {"kind": "move", "effective_on": "2025-07-01", "source": "HD-H300-C01", "target": commune,
         "name": "Chi bộ Trường THPT Thanh Miện (cũ)", "document": "Quyết định số 1-QĐ/TU"},
        {"kind": "move", "effective_on": "2025-07-01", "source": f"{commune}-C01",
         "target": "HD", "name": "", "document": "Quyết định số 1-QĐ/TU"},
    ]  # fmt: skip
    save_rows(tmp_path / "plan.csv", rows, header=HEADER[:3] + ["target", "name", "document"])
    before = tree(LAST_OLD_DAY)
    assert "Applied." in apply(tmp_path / "plan.csv")

    assert tree(LAST_OLD_DAY) == before
    renamed = UnitVersion.objects.valid_on(REFORM).get(unit__code="HD-H300-C01")
    assert (renamed.parent.code, renamed.name) == (commune, "Chi bộ Trường THPT Thanh Miện (cũ)")
    moved = UnitVersion.objects.valid_on(REFORM).get(unit__code=f"{commune}-C01")
    assert (moved.parent.code, moved.name) == ("HD", f"Chi bộ thôn 1 {district.communes[0].short}")
    done = {r.source_codes[0]: r for r in Restructure.objects.all()}
    assert set(done) == {"HD-H300-C01", f"{commune}-C01"}  # two acts
    assert done["HD-H300-C01"].params["name"] == "Chi bộ Trường THPT Thanh Miện (cũ)"
    assert verify() == []  # the cell's members now count below the commune

    restructure_undo(actor=SYSTEM, restructure_id=done["HD-H300-C01"].pk)
    assert UnitVersion.objects.get(unit__code="HD-H300-C01").name == "Chi bộ Trường THPT Thanh Miện"
    assert verify() == []


def test_a_move_row_with_a_new_name_moves_one_unit(thanh_mien, tmp_path):
    rows = [{"kind": "move", "effective_on": "2025-07-01", "source": "HD-H300-C01;HD-H300",
             "target": "HD", "name": "Một tên"}]  # fmt: skip
    save_rows(tmp_path / "plan.csv", rows)
    kept = counts()
    with pytest.raises(CommandError):
        apply(tmp_path / "plan.csv", report=str(tmp_path / "bad.csv"))
    assert counts() == kept
    assert [r[:2] for r in report(tmp_path / "bad.csv")[1:]] == [["2", "source"]]
