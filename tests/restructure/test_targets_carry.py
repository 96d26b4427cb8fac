"""A restructure carries targets: a merge adds the sources' targets to the target's, a split
divides each by a suggested split the manager may change; undo restores them; the parent's
figures are the same before and after."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from ranks.access.scope import Scope
from ranks.core.actor import SYSTEM
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.counters.services import moving
from ranks.org.kinds import ensure_unit_kinds
from ranks.org.models import Unit, UnitKind
from ranks.org.services import unit_version_save
from ranks.people.models import Membership, Person, Posting
from ranks.restructure.models import Restructure
from ranks.restructure.services import restructure_apply, restructure_preview, restructure_undo
from ranks.targets.models import Target, TargetRevision
from ranks.targets.progress import progress
from ranks.targets.selectors import allocation_on
from ranks.targets.services import target_set
from tests.factories import make_user

D = dt.date
YEAR = today().year
NEXT = YEAR + 1
ON = D(YEAR, 7, 1)  # the effective date: the sources keep their target for January to June
FIRST = D(YEAR, 1, 1)
METRICS = ("admissions", "admissions_women")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


START = D(2000, 1, 1)


def unit(code: str, kind: str, parent: str | None, start: dt.date = START) -> None:
    unit_version_save(
        actor=SYSTEM, code=code, name=f"Đơn vị {code}", kind=kind, parent_code=parent,
        valid_from=start, can_admit=kind != "cell",
    )  # fmt: skip


def admit(cell_code: str, days: list[dt.date]) -> None:
    """Members of the cell admitted on `days`, as an import leaves them (counted)."""
    cell = Unit.objects.get(code=cell_code)
    start = Person.objects.count()
    people = Person.objects.bulk_create(
        Person(
            person_id=f"T-{start + n}",
            full_name=f"Người {start + n}",
            birth_date=D(1990, 1, 1),
            gender="female",
        )  # fmt: skip
        for n in range(len(days))
    )
    with moving(persons=[p.pk for p in people]):
        memberships = Membership.objects.bulk_create(
            Membership(person=p, admission_decision_date=d)
            for p, d in zip(people, days, strict=True)
        )
        Posting.objects.bulk_create(
            Posting(membership=m, person=m.person, cell=cell, valid_from=m.admission_decision_date)
            for m in memberships
        )


@pytest.fixture
def district(db):
    """District H with communes A (cells A-1, A-2) and B (cell B-1), commune M from the date
    (it takes A and B), commune X (cells X-1, X-2, X-3) split between Y and Z."""
    ensure_unit_kinds(UnitKind)
    unit("H", "district_committee", None)
    for commune, cells in [("A", ["A-1", "A-2"]), ("B", ["B-1"]), ("X", ["X-1", "X-2", "X-3"])]:
        unit(commune, "grassroots_committee", "H")
        for cell in cells:
            unit(cell, "cell", commune)
    unit("Y", "grassroots_committee", "H")
    unit("Z", "grassroots_committee", "H")
    unit("M", "commune_committee", "H", start=ON)
    earlier = D(YEAR - 3, 5, 10)
    last_year = D(YEAR - 1, 4, 10)
    admit("X-1", [earlier] * 5 + [last_year])
    admit("X-2", [earlier] * 2 + [last_year] * 3)
    admit("X-3", [earlier] * 2)
    admit("A-1", [earlier] * 2)
    targets = {
        ("H", YEAR): 40, ("A", YEAR): 7, ("B", YEAR): 5, ("A", NEXT): 8, ("B", NEXT): 6,
        ("M", NEXT): 3, ("X", YEAR): 11, ("X", NEXT): 13, ("Y", YEAR): 2,
    }  # fmt: skip
    for (code, year), value in targets.items():
        for n, metric in enumerate(METRICS):
            target_set(
                actor=SYSTEM, unit_code=code, year=year, metric=metric, value=value + n,
                reason="Nghị quyết",
            )  # fmt: skip


def targets() -> dict[tuple[str, int, str], int]:
    return {
        (t.unit.code, t.year, t.metric): t.value
        for t in Target.objects.select_related("unit").order_by("pk")
    }


def all_target_rows() -> list:
    return sorted(
        Target.objects.values_list("pk", "unit_id", "year", "metric", "value", "set_by", "set_at")
    ) + [TargetRevision.objects.count(), AuditEntry.objects.count(), Restructure.objects.count()]


MERGE = {"kind": "merge", "on": ON, "sources": ["A", "B"], "targets": ["M"]}


def test_a_merge_adds_the_sources_targets_to_the_target(district):
    before = targets()
    done = restructure_apply(actor=SYSTEM, document="Quyết định số 7-QĐ/TU", **MERGE)
    after = targets()
    for year in (YEAR, NEXT):
        for metric in METRICS:
            summed = sum(before.get((c, year, metric), 0) for c in ("A", "B", "M"))
            assert after[("M", year, metric)] == summed
    # This year's: the sources keep theirs for January to June; next year's went to M.
    for code in ("A", "B"):
        for metric in METRICS:
            assert after[(code, YEAR, metric)] == before[(code, YEAR, metric)]
            assert after[(code, NEXT, metric)] == 0
    reason = f"restructure #{done.pk}: Quyết định số 7-QĐ/TU"
    made = TargetRevision.objects.filter(reason=reason).select_related("target__unit")
    assert {(r.target.unit.code, r.target.year, r.old_value) for r in made} == {
        ("M", YEAR, None), ("M", NEXT, before[("M", NEXT, "admissions")]),
        ("M", NEXT, before[("M", NEXT, "admissions_women")]),
        ("A", NEXT, before[("A", NEXT, "admissions")]),
        ("A", NEXT, before[("A", NEXT, "admissions_women")]),
        ("B", NEXT, before[("B", NEXT, "admissions")]),
        ("B", NEXT, before[("B", NEXT, "admissions_women")]),
    }  # fmt: skip
    assert AuditEntry.objects.filter(
        action="ranks.targets.target.set", object_id=f"M/{YEAR}/admissions"
    ).exists()
    applied = AuditEntry.objects.get(action="ranks.restructure.applied")
    assert len(applied.after["versions"]["targets"]) == made.count()


def test_the_preview_lists_each_target_carried(district):
    preview = restructure_preview(actor=SYSTEM, **MERGE)
    assert preview.ok, preview.blockers
    carried = preview.carried[-1]  # the targets come last
    assert carried.count == 8  # A and B, this year and next, two metrics
    assert f"A {YEAR} admissions = 7 → M +7 (the whole target of A)" in carried.rows
    assert f"M {YEAR} admissions: new, 12" in carried.rows
    assert f"M {NEXT} admissions: 3 → 17" in carried.rows
    assert f"A {NEXT} admissions: 8 → 0" in carried.rows
    assert any("A keeps 7 as its" in row and "01/07" in row for row in carried.rows)


def test_the_parents_figures_are_the_same_before_and_after_a_merge(district, client):
    full = Scope(full=True)
    h = Unit.objects.get(code="H")

    def figures():
        found = {}
        for day in (ON - dt.timedelta(days=1), ON, D(YEAR, 12, 31)):
            rows = progress(scope=full, unit=h, on=day, depth=1).rows
            found[day] = (rows[0].target, sum(r.target or 0 for r in rows[1:]))
            allocation = allocation_on(unit=h, day=day, year=YEAR, metric="admissions")
            found[(day, "allocation")] = sum(v or 0 for _c, _n, v in allocation.children)
        return found

    client.force_login(make_user("root", superuser=True))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = f"/units/H/targets/{YEAR}/admissions/"

    def balance() -> str:
        text = client.get(page).content.decode()
        start = text.index('data-test="allocation-sum">')
        return text[start : text.index("<", start)]

    before, shown = figures(), balance()
    restructure_apply(actor=SYSTEM, **MERGE)
    after = figures()
    assert after == before
    assert balance() == shown
    # Before the date the children are A, B (and Y, Z, X); from it, M in their place.
    assert before[ON][1] == sum(
        Target.objects.filter(
            unit__code__in=["M", "X", "Y", "Z"], year=YEAR, metric="admissions"
        ).values_list("value", flat=True)
    )


def members_on_first_of_january(cells: list[str]) -> int:
    return Posting.objects.valid_on(FIRST).filter(cell__code__in=cells).count()


def admitted_last_year(cells: list[str]) -> int:
    return Membership.objects.filter(
        postings__cell__code__in=cells, admission_decision_date__year=YEAR - 1
    ).count()


SPLIT = {
    "kind": "split",
    "on": ON,
    "sources": ["X"],
    "targets": ["Y", "Z"],
    "mapping": {"X-1": "Y", "X-2": "Z", "X-3": "Z"},
}
CELLS = {"Y": ["X-1"], "Z": ["X-2", "X-3"]}


def suggested(value: int, weights: dict[str, int]) -> dict[str, int]:
    """The largest-remainder split of `value`, worked by hand for two targets."""
    total = sum(weights.values())
    floors = {t: value * w // total for t, w in weights.items()}
    left = value - sum(floors.values())
    order = sorted(weights, key=lambda t: (-(value * weights[t] % total), -weights[t]))
    return {t: floors[t] + (1 if t in order[:left] else 0) for t in weights}


@pytest.mark.parametrize("how", ["members", "last_admissions"])
def test_a_split_divides_each_target_by_the_weight(district, how):
    count = members_on_first_of_january if how == "members" else admitted_last_year
    weights = {t: count(cells) for t, cells in CELLS.items()}
    assert weights["Y"] != weights["Z"]
    before = targets()
    preview = restructure_preview(actor=SYSTEM, split_weight=how, **SPLIT)
    assert preview.ok, preview.blockers
    carried = preview.carried[-1]  # the targets come last
    word = "members on 01/01" if how == "members" else f"admissions in {YEAR - 1}"
    assert any("Y +" in row and f"{weights['Y']} {word}" in row for row in carried.rows)
    restructure_apply(actor=SYSTEM, split_weight=how, **SPLIT)
    after = targets()
    for year in (YEAR, NEXT):
        for metric in METRICS:
            value = before[("X", year, metric)]
            parts = suggested(value, weights)
            assert sum(parts.values()) == value
            for t in ("Y", "Z"):
                assert after[(t, year, metric)] == before.get((t, year, metric), 0) + parts[t]
            assert after[("X", year, metric)] == (value if year == YEAR else 0)


def test_a_changed_split_is_accepted(district):
    value = Target.objects.get(unit__code="X", year=NEXT, metric="admissions").value
    before = targets()
    values = {(NEXT, "admissions", "Y"): value - 1, (NEXT, "admissions", "Z"): 1}
    preview = restructure_preview(actor=SYSTEM, target_values=values, **SPLIT)
    assert preview.ok, preview.blockers
    restructure_apply(actor=SYSTEM, target_values=values, **SPLIT)
    after = targets()
    assert after[("Y", NEXT, "admissions")] == value - 1
    assert after[("Z", NEXT, "admissions")] == 1
    # The other metric kept its suggested split.
    women = before[("X", NEXT, "admissions_women")]
    assert after[("Y", NEXT, "admissions_women")] + after[("Z", NEXT, "admissions_women")] == women


def test_a_changed_split_with_a_wrong_sum_is_refused_and_changes_nothing(district):
    value = Target.objects.get(unit__code="X", year=YEAR, metric="admissions").value
    values = {(YEAR, "admissions", "Y"): value, (YEAR, "admissions", "Z"): 2}
    preview = restructure_preview(actor=SYSTEM, target_values=values, **SPLIT)
    said = (
        f"The split of the {YEAR} admissions target of X sums to {value + 2}; "
        f"it must sum to {value}."
    )
    assert said in preview.blockers
    kept = all_target_rows()
    with pytest.raises(DomainError) as error:
        restructure_apply(actor=SYSTEM, target_values=values, **SPLIT)
    assert said in str(error.value)
    assert all_target_rows() == kept
    # A value for a target that is not one of the split is said too.
    stray = restructure_preview(actor=SYSTEM, target_values={(YEAR, "admissions", "A"): 1}, **SPLIT)
    assert any("A" in b and "matches no target" in b for b in stray.blockers)


def test_undo_restores_every_target(district):
    kept = targets()
    done = restructure_apply(actor=SYSTEM, **MERGE)
    assert targets() != kept
    restructure_undo(actor=SYSTEM, restructure_id=done.pk)
    assert targets() == kept
    assert not Target.objects.filter(unit__code="M", year=YEAR).exists()
    undone = AuditEntry.objects.get(action="ranks.restructure.undone")
    assert {r["unit"] for r in undone.after["targets"]} == {"M", "A", "B"}
    # A split too.
    done = restructure_apply(actor=SYSTEM, **SPLIT)
    restructure_undo(actor=SYSTEM, restructure_id=done.pk)
    assert targets() == kept


def test_undo_is_refused_after_a_target_was_revised(district):
    done = restructure_apply(actor=SYSTEM, **MERGE)
    m = Target.objects.get(unit__code="M", year=NEXT, metric="admissions")
    target_set(
        actor=SYSTEM, unit_code="M", year=NEXT, metric="admissions", value=m.value + 1,
        reason="Điều chỉnh",
    )  # fmt: skip
    kept = all_target_rows()
    with pytest.raises(DomainError) as error:
        restructure_undo(actor=SYSTEM, restructure_id=done.pk)
    assert f"the {NEXT} admissions target of M has been revised" in str(error.value)
    assert all_target_rows() == kept


def test_a_dissolution_without_successor_keeps_no_target_behind(district):
    unit("E", "grassroots_committee", "H")
    target_set(actor=SYSTEM, unit_code="E", year=NEXT, metric="admissions", value=4)
    preview = restructure_preview(actor=SYSTEM, kind="dissolve", on=ON, sources=["E"])
    assert any("no successor to take them" in b for b in preview.blockers)


def test_the_command_takes_a_weight_and_changed_values(district):
    value = Target.objects.get(unit__code="X", year=YEAR, metric="admissions").value
    args = [
        "--kind", "split", "--on", ON.isoformat(), "--source", "X", "--target", "Y",
        "--target", "Z", "--map", "X-1=Y", "--map", "X-2=Z", "--map", "X-3=Z", "--lang", "en",
    ]  # fmt: skip
    out = StringIO()
    call_command("restructure", "preview", *args, "--split-weight", "last_admissions", stdout=out)
    assert "carried (merged by sum, or split): 4" in out.getvalue()
    assert f"admissions in {YEAR - 1}" in out.getvalue()
    with pytest.raises(CommandError) as error:
        call_command(
            "restructure", "preview", *args, "--target-value", f"{YEAR}:admissions:Y=0",
            stdout=StringIO(),
        )  # fmt: skip
    assert "sums to" in str(error.value) or "blocked" in str(error.value)
    call_command(
        "restructure", "apply", *args, "--document", "Quyết định số 9",
        "--target-value", f"{YEAR}:admissions:Y={value}",
        "--target-value", f"{YEAR}:admissions:Z=0", stdout=StringIO(),
    )  # fmt: skip
    assert targets()[("Y", YEAR, "admissions")] == 2 + value
    with pytest.raises(CommandError):
        call_command("restructure", "preview", *args, "--target-value", "bad", stdout=StringIO())
