"""The issue's check, done as an outside checker would on a province nobody on the team built a
demo for: Vân Canh district of Bình Định, which went into Gia Lai on 1 July 2025 (two of its
communes divided between two new communes; the new province took Bình Định's code 52, and its
new communes took old communes' codes).

Its 2024 tree is typed into import files from `vietnamadminunits`' old units (units, places,
people, members: cells, villages, admissions in 2024, 2025 before and after 1 July, and 2026),
loaded with `ranks import`; the plan is written with `ranks restructure plan --province …
--district …`, its divided communes' maps edited, previewed and applied; then every report
(progress, composition, ratio, coverage, cells) of 2024 and of 2026 is read as it was and in the
structure of the other year, and compared with counts made here from the rows written to the
files and the conversion table, per unit of each structure."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ranks.org.adminunits import District, NewProvince, OldProvince, load_province
from ranks.org.models import PlaceVersion, UnitVersion
from ranks.people.models import Posting
from ranks.restructure.models import Handover, Restructure

pytestmark = pytest.mark.django_db

D = dt.date
PROVINCE, DISTRICT = "Bình Định", "Vân Canh"
START = D(2000, 1, 1)
REFORM = D(2025, 7, 1)
OLD_DAY = D(2024, 12, 31)  # the structure of 2024
NEW_DAY = D(2026, 6, 30)  # the structure of 2026


@dataclass
class Province:
    """What the checker typed: the rows of each file, and where each cell stands in each
    structure (from the rows and the conversion table, not from the database)."""

    old: OldProvince
    new: NewProvince
    district: District
    units: list[dict[str, str]]
    places: list[dict[str, str]]
    people: list[dict[str, str]]
    members: list[dict[str, str]]
    cells: list[str]  # every cell
    old_chain: dict[str, list[str]]  # cell → the units above it until 30 June 2025
    new_chain: dict[str, list[str]]  # cell → the units above it from 1 July 2025
    village_of: dict[str, str]  # cell → the village it is based at
    moved: dict[str, str]  # cell or village of a divided commune → the other new commune key
    candidates: list[dict[str, str]] = field(default_factory=list)


def _province() -> Province:
    old, new = load_province(PROVINCE)
    district = next(d for d in old.districts if d.short == DISTRICT)
    p, dcode = old.unit_code, f"{old.unit_code}-H{district.code}"
    units = [
        {"mã": p, "tên": f"Đảng bộ {old.title}", "loại": "provincial_committee", "mã cấp trên": "",
         "hiệu lực từ": START.isoformat(), "được kết nạp": "x", "mã hành chính": old.code},
        {"mã": dcode, "tên": f"Đảng bộ {district.title}", "loại": "district_committee",
         "mã cấp trên": p, "hiệu lực từ": START.isoformat(), "được kết nạp": "x",
         "mã hành chính": district.code},
    ]  # fmt: skip
    places: list[dict[str, str]] = []
    old_chain: dict[str, list[str]] = {}
    new_chain: dict[str, list[str]] = {}
    village_of: dict[str, str] = {}
    moved: dict[str, str] = {}
    gl = new.unit_code

    def new_commune(key: str) -> str:
        return f"{gl}-N{new.commune(key).code}"

    def cell(code: str, name: str, parent: str, place_unit: str, chain_old, chain_new) -> None:
        units.append({"mã": code, "tên": name, "loại": "cell", "mã cấp trên": parent,
                      "hiệu lực từ": START.isoformat(), "được kết nạp": "", "mã hành chính": ""})  # fmt: skip
        village = code.replace("-C", "-V")
        places.append({"mã": village, "tên": name.replace("Chi bộ ", ""), "loại": "village",
                       "mã tổ chức": place_unit, "mã chi bộ": code,
                       "hiệu lực từ": START.isoformat()})  # fmt: skip
        old_chain[code], new_chain[code], village_of[code] = chain_old, chain_new, village

    seat = district.seat()
    cell(f"{dcode}-C01", f"Chi bộ Trường THPT {district.short}", dcode, dcode,
         [dcode, p], [new_commune(seat.new_default), gl])  # fmt: skip
    for c in district.communes:
        code = f"{p}-X{c.code}"
        units.append({"mã": code, "tên": f"Đảng bộ {c.title}", "loại": "grassroots_committee",
                      "mã cấp trên": dcode, "hiệu lực từ": START.isoformat(),
                      "được kết nạp": "", "mã hành chính": c.code})  # fmt: skip
        for n in (1, 2) if c.new_others else (1,):
            # A divided commune's second village and its cell go to the other new commune.
            key = c.new_others[0] if n == 2 else c.new_default
            cell(f"{code}-C0{n}", f"Chi bộ thôn {n} {c.short}", code, code,
                 [code, dcode, p], [new_commune(key), gl])  # fmt: skip
            if n == 2:
                moved[f"{code}-C02"] = moved[f"{code}-V02"] = key
    return Province(old, new, district, units, places, [], [], list(old_chain), old_chain,
                    new_chain, village_of, moved)  # fmt: skip


# (commune index or -1 for the district's cell, cell number, admission decision date, gender,
#  ethnicity): the veterans of 2010, then the admissions of 2024, of 2025 before and after the
# reform, and of 2026.
ADMISSIONS = [
    *[(i, 1, D(2010, 5, 1), "male", "Kinh") for i in range(7)],
    (-1, 1, D(2015, 9, 2), "female", "Kinh"),
    (0, 1, D(2024, 2, 10), "female", "Kinh"),
    (1, 1, D(2024, 3, 3), "male", "Ba Na"),
    (1, 2, D(2024, 4, 4), "female", "Ba Na"),
    (2, 2, D(2024, 6, 15), "female", "Ba Na"),
    (2, 1, D(2024, 9, 1), "male", "Kinh"),
    (5, 1, D(2024, 11, 20), "male", "Ba Na"),
    (-1, 1, D(2024, 12, 5), "female", "Kinh"),
    (1, 2, D(2025, 3, 12), "female", "Ba Na"),
    (2, 1, D(2025, 5, 20), "male", "Kinh"),
    (2, 2, D(2025, 9, 9), "male", "Ba Na"),
    (0, 1, D(2025, 10, 2), "female", "Kinh"),
    (1, 2, D(2026, 2, 3), "female", "Ba Na"),
    (-1, 1, D(2026, 3, 5), "male", "Kinh"),
    (6, 1, D(2026, 4, 10), "female", "Ba Na"),
    (2, 2, D(2026, 5, 18), "male", "Kinh"),
]
LEFT = {3: D(2025, 8, 1)}  # a veteran of Canh Vinh dies after the reform
# (commune index or -1, cell number, the day the candidate enters the source list): those of
# 2024 and early 2025 are in progress on the day of the reform.
CANDIDATES = [
    (1, 2, D(2024, 5, 2)),
    (2, 1, D(2024, 10, 10)),
    (0, 1, D(2025, 2, 1)),
    (2, 2, D(2025, 8, 15)),
    (-1, 1, D(2026, 3, 2)),
]


def _cell(province: Province, commune: int, n: int) -> str:
    if commune < 0:
        return f"{province.old.unit_code}-H{province.district.code}-C0{n}"
    return f"{province.old.unit_code}-X{province.district.communes[commune].code}-C0{n}"


def _people(province: Province) -> None:
    p, dcode = province.old.unit_code, f"{province.old.unit_code}-H{province.district.code}"
    for i, (commune, n, day, gender, ethnicity) in enumerate(ADMISSIONS):
        if commune < 0:
            cell = f"{dcode}-C0{n}"
        else:
            cell = f"{p}-X{province.district.communes[commune].code}-C0{n}"
        person = f"VC-{i:02d}"
        province.people.append({
            "mã người": person, "họ và tên": f"Đinh Văn {chr(65 + i)}",
            "ngày sinh": D(1965 + (i * 3) % 40, 1 + i % 12, 10).isoformat(),
            "giới tính": gender, "dân tộc": ethnicity, "tôn giáo": "Không",
            "mã nơi cư trú": province.village_of[cell],
        })  # fmt: skip
        left = LEFT.get(i)
        ceremony = day + dt.timedelta(days=20)
        official = ceremony + dt.timedelta(days=366)
        province.members.append({
            "mã người": person, "mã chi bộ": cell,
            "ngày quyết định kết nạp": day.isoformat(),
            "ngày lễ kết nạp": ceremony.isoformat(),
            "ngày công nhận chính thức": official.isoformat() if official <= NEW_DAY else "",
            "ngày ra khỏi danh sách": left.isoformat() if left else "",
            "lý do": "death" if left else "",
        })  # fmt: skip
    for i, (commune, n, day) in enumerate(CANDIDATES):
        cell, person = _cell(province, commune, n), f"VC-Q{i}"
        province.people.append({
            "mã người": person, "họ và tên": f"Rơ Châm {chr(65 + i)}",
            "ngày sinh": D(2001, 1 + i, 5).isoformat(), "giới tính": "female",
            "dân tộc": "Ba Na", "tôn giáo": "Không", "mã nơi cư trú": province.village_of[cell],
        })  # fmt: skip
        province.candidates.append(
            {"mã người": person, "mã chi bộ": cell, "ngày đưa vào nguồn": day.isoformat()}
        )


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def command(*args: str, **options) -> str:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue() + err.getvalue()


@pytest.fixture
def province(tmp_path) -> Province:
    """The 2024 tree, its villages and people, loaded through the ordinary imports."""
    province = _province()
    _people(province)
    for kind, rows in [("units", province.units), ("places", province.places),
                       ("people", province.people), ("members", province.members),
                       ("candidates", province.candidates)]:  # fmt: skip
        command("import", kind, str(_write(tmp_path / f"{kind}.csv", rows)))
    return province


def edit_maps(province: Province, rows: list[dict[str, str]]) -> None:
    """The table does not say which villages went where: send each divided commune's second
    village and its cell to its other new commune, as the decision does."""
    new_code = {nc.key: f"{province.new.unit_code}-N{nc.code}" for nc in province.new.communes}
    for row in rows:
        if row["kind"] != "split":
            continue
        mine = [code for code, key in province.moved.items()
                if code.startswith(row["source"] + "-") and new_code[key] == row["target"]]  # fmt: skip
        if mine:
            row["map"] = ";".join(mine)
        else:
            row["map"] = ";".join(c for c in row["map"].split(";") if c not in province.moved)


def read_plan(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def report(kind: str, unit: str, *args: str) -> dict:
    return json.loads(command("report", kind, "--unit", unit, "--format", "json", *args))


# What the figures are counted from: the rows of the files, and the structures above.


@dataclass(frozen=True)
class Member:
    cell: str
    admitted: dt.date
    official: dt.date | None
    left: dt.date | None
    gender: str
    ethnicity: str
    village: str

    def present(self, day: dt.date) -> bool:
        return self.admitted <= day and (self.left is None or day < self.left)


def members_of(province: Province) -> list[Member]:
    people = {row["mã người"]: row for row in province.people}
    found = []
    for row in province.members:
        person = people[row["mã người"]]
        found.append(
            Member(
                cell=row["mã chi bộ"],
                admitted=D.fromisoformat(row["ngày quyết định kết nạp"]),
                official=D.fromisoformat(row["ngày công nhận chính thức"])
                if row["ngày công nhận chính thức"]
                else None,
                left=D.fromisoformat(row["ngày ra khỏi danh sách"])
                if row["ngày ra khỏi danh sách"]
                else None,
                gender=person["giới tính"],
                ethnicity=person["dân tộc"],
                village=person["mã nơi cư trú"],
            )
        )
    return found


def above(province: Province, cell: str, day: dt.date, structure_on: dt.date | None) -> list[str]:
    """The units a cell's record of `day` counts for: the cell and the units above it in the
    tree of the day (as it was) or of `structure_on` (restated)."""
    tree_of = structure_on or day
    return [cell, *(province.old_chain if tree_of < REFORM else province.new_chain)[cell]]


def units_of(province: Province, structure: dt.date) -> tuple[list[str], list[str]]:
    """The units of the tree of `structure` that hold the cells: the top and the committees,
    and the cells."""
    chains = province.old_chain if structure < REFORM else province.new_chain
    committees = sorted({u for chain in chains.values() for u in chain})
    return committees, sorted(chains)


def parents(province: Province, structure: dt.date) -> dict[str, str]:
    """Each unit holding the cells, and each cell, with the unit directly above it."""
    chains = province.old_chain if structure < REFORM else province.new_chain
    found = {}
    for cell, chain in chains.items():
        for below, up in zip([cell, *chain], chain, strict=False):
            found[below] = up
    return found


def first_day(province: Province, unit: str) -> dt.date:
    """The first day of a unit: those of the old tree (and the cells) were typed from 2000, the
    new province and communes are made by the plan on the day of the reform."""
    old = parents(province, OLD_DAY)
    return START if unit in old or unit in old.values() else REFORM


def top_of(province: Province, structure: dt.date) -> str:
    return province.old.unit_code if structure < REFORM else province.new.unit_code


# (the day the figures stand on, the structure they are read in: None as it was)
READINGS = [
    (OLD_DAY, None),
    (OLD_DAY, NEW_DAY),
    (NEW_DAY, None),
    (NEW_DAY, OLD_DAY),
    (D(2025, 12, 31), None),
    (D(2025, 12, 31), OLD_DAY),
    (D(2025, 12, 31), NEW_DAY),
]


def check_figures(province: Province, on: dt.date, structure_on: dt.date | None) -> int:
    """Every report of the year to `on`, read in `structure_on`, equals the count made from the
    rows; the number of figures compared."""
    members = members_of(province)
    structure = structure_on or on
    restated = ["--structure-on", structure_on.isoformat()] if structure_on else []
    start = D(on.year, 1, 1)
    committees, cells = units_of(province, structure)
    up = parents(province, structure)
    compared = 0

    def counted(unit: str, people: list[Member], day_of) -> list[Member]:
        return [m for m in people if unit in above(province, m.cell, day_of(m), structure_on)]

    admitted = [m for m in members if start <= m.admitted <= on]
    # Progress: the admissions of every unit of the structure, and no other unit.
    shown = report("progress", top_of(province, structure), "--on", on.isoformat(), *restated)
    assert shown["structure_on"] == (structure_on and structure_on.isoformat())
    actual = {row["code"]: row["actual"] for row in shown["rows"]}
    assert actual == {
        u: len(counted(u, admitted, lambda m: m.admitted)) for u in committees + cells
    }, (on, structure_on)
    assert actual[top_of(province, structure)] > 0
    compared += len(actual)
    # The source list's new entries, a pipeline metric, likewise.
    entries = [
        (row["mã chi bộ"], D.fromisoformat(row["ngày đưa vào nguồn"]))
        for row in province.candidates
    ]
    shown = report("progress", top_of(province, structure), "--on", on.isoformat(),
                   "--metric", "source_entries", *restated)  # fmt: skip
    assert {row["code"]: row["actual"] for row in shown["rows"]} == {
        u: sum(1 for cell, day in entries
               if start <= day <= on and u in above(province, cell, day, structure_on))
        for u in committees + cells
    }, (on, structure_on)  # fmt: skip
    compared += len(shown["rows"])
    for unit in committees:
        # Composition of the admissions of the year to `on`.
        mine = counted(unit, admitted, lambda m: m.admitted)
        composition = report(
            "composition", unit, "--from", start.isoformat(), "--to", on.isoformat(), *restated
        )
        assert (composition["total"], composition["by"].get("gender", {}),
                composition["by"].get("ethnicity", {})) == (
            len(mine), dict(Counter(m.gender for m in mine)),
            dict(Counter(m.ethnicity for m in mine)),
        ), (unit, on, structure_on)  # fmt: skip
        # The ratio of the year: admissions over the members of 1 January, for the unit and
        # the units directly below it.
        # As it was, a unit made during the year starts with the members of its first day, in
        # that day's tree, it and the units below it (`targets.progress.admission_ratio`).
        ratio = report("ratio", unit, "--year", str(on.year), *restated)
        base = start if structure_on else max(start, first_day(province, unit))
        present = [m for m in members if m.present(base)]
        got = {r["code"]: (r["admissions"], r["members_at_start"])
               for r in [ratio["ratio"], *ratio["children"]]}  # fmt: skip
        assert got == {
            u: (
                len(counted(u, admitted, lambda m: m.admitted)),
                len(counted(u, present, lambda m, base=base: base)),
            )
            for u in [unit, *(b for b, a in up.items() if a == unit)]
        }, (unit, on, structure_on)
        # Coverage on `on`: the villages of the unit, and those where no member lives.
        coverage = report("coverage", unit, "--on", on.isoformat(), *restated)
        villages = [v for cell, v in province.village_of.items()
                    if unit in above(province, cell, on, structure_on)[1:]]  # fmt: skip
        lived = {m.village for m in members if m.present(on)}
        blank = sorted(v for v in villages if v not in lived)
        assert (coverage["total"], coverage["without_members"], coverage["without_cell"]) == (
            len(villages), len(blank), 0), (unit, on, structure_on)  # fmt: skip
        # The list of blank places is the day's own tree's (docs/progress.md): not restated.
        if structure_on is None:
            assert sorted(b["code"] for b in coverage["blank"]) == blank
        else:
            assert coverage["blank"] is None
        compared += 3 + 2 * len(got) + 3
    # Cells: each cell under the unit directly above it, with its official and probationary
    # members on `on`.
    health = report("cells", top_of(province, structure), "--on", on.isoformat(), *restated)
    present = [m for m in members if m.present(on)]
    got = {c["code"]: (c["parent_code"], c["official_members"], c["probationary_members"])
           for c in health["cells"]}  # fmt: skip
    official = Counter(m.cell for m in present if m.official and m.official <= on)
    probation = Counter(m.cell for m in present if not (m.official and m.official <= on))
    assert got == {c: (up[c], official[c], probation[c]) for c in cells}, (on, structure_on)
    return compared + 3 * len(got)


def test_a_province_no_one_has_seen(province, tmp_path):
    plan = tmp_path / "plan.csv"
    said = command("restructure", "plan", "--province", PROVINCE, "--district", DISTRICT,
                   "--out", str(plan))  # fmt: skip
    assert f"vào {plan}" in said
    rows = read_plan(plan)
    # Gia Lai took Bình Định's code: the new communes go below a new unit of Gia Lai, which the
    # plan creates, not below Bình Định's committee.
    assert {(r["target"], r["parent"]) for r in rows if r["kind"] == "create"} == {
        ("GL", ""),
        *((f"GL-N{province.new.commune(key).code}", "GL") for key in set(province.moved.values())),
        *(
            (f"GL-N{province.new.commune(c.new_default).code}", "GL")
            for c in province.district.communes
        ),
    }
    edit_maps(province, rows)
    _write(plan, rows)

    # A mistyped code in one row: the whole plan is refused, in Vietnamese, and nothing written.
    bad = [dict(row) for row in rows]
    typo = next(i for i, row in enumerate(bad) if row["kind"] == "merge")
    bad[typo]["source"] = bad[typo]["source"] + "9"
    kept = (UnitVersion.objects.count(), PlaceVersion.objects.count(), Posting.objects.count())
    with pytest.raises(CommandError) as refused:
        command("restructure", "apply", str(_write(tmp_path / "bad.csv", bad)),
                report=str(tmp_path / "bad-rows.csv"))  # fmt: skip
    assert refused.value.returncode == 1
    with (tmp_path / "bad-rows.csv").open(encoding="utf-8-sig", newline="") as stream:
        assert list(csv.reader(stream))[1:] == [
            [str(typo + 2), "source", bad[typo]["source"],
             f"Không tìm thấy mã tổ chức đảng: {bad[typo]['source']}."]
        ]  # fmt: skip
    assert (UnitVersion.objects.count(), PlaceVersion.objects.count(),
            Posting.objects.count()) == kept  # fmt: skip
    assert not Restructure.objects.exists()

    preview = command("restructure", "preview", str(plan))
    assert "Xem trước, không ghi gì." in preview
    assert not Restructure.objects.exists()
    applied = command("restructure", "apply", str(plan))
    assert "Đã thực hiện." in applied
    # The candidates in progress on 1 July 2025 are handed from the district committee to the
    # new commune their cell went into.
    handed = {(h.candidate.person.person_id, h.from_unit.code, h.to_unit.code)
              for h in Handover.objects.select_related("candidate__person", "from_unit", "to_unit")}  # fmt: skip
    assert handed == {
        (f"VC-Q{i}", f"{province.old.unit_code}-H{province.district.code}",
         province.new_chain[_cell(province, commune, n)][0])
        for i, (commune, n, day) in enumerate(CANDIDATES) if day < REFORM
    }  # fmt: skip
    compared = sum(check_figures(province, on, structure_on) for on, structure_on in READINGS)
    assert compared > 200
    assert "differ" not in command("counters", "verify")


def test_a_province_that_received_others_keeps_its_committee(db, tmp_path):
    """Gia Lai received Bình Định and took its code (64 before, 52 after): the plan of one of
    its own districts puts the new communes below Gia Lai's committee, not a second one."""
    old, new = load_province("Gia Lai")
    district = next(d for d in old.districts if d.short == "Ayun Pa")
    top, dcode = old.unit_code, f"{old.unit_code}-H{district.code}"
    units = [
        {"mã": top, "tên": "Đảng bộ tỉnh Gia Lai", "loại": "provincial_committee",
         "mã cấp trên": "", "mã hành chính": old.code},
        {"mã": dcode, "tên": f"Đảng bộ {district.title}", "loại": "district_committee",
         "mã cấp trên": top, "mã hành chính": district.code},
        *({"mã": f"{top}-X{c.code}", "tên": f"Đảng bộ {c.title}", "loại": "grassroots_committee",
           "mã cấp trên": dcode, "mã hành chính": c.code} for c in district.communes),
    ]  # fmt: skip
    command("import", "units", str(_write(tmp_path / "units.csv", units)))
    plan = tmp_path / "plan.csv"
    command("restructure", "plan", "--province", "Gia Lai", "--district", "Ayun Pa",
            "--out", str(plan))  # fmt: skip
    rows = read_plan(plan)
    created = {(r["target"], r["parent"]) for r in rows if r["kind"] == "create"}
    assert created == {
        (f"{new.unit_code}-N{new.commune(c.new_default).code}", top) for c in district.communes
    }
    assert "Đã thực hiện." in command("restructure", "apply", str(plan))
    below = UnitVersion.objects.valid_on(NEW_DAY).filter(parent__code=top)
    assert set(below.values_list("unit__code", flat=True)) == {code for code, _p in created}
