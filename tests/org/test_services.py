"""Writing the tree: versions of a code, refused overlaps and loops, moves, closes, places."""

import datetime as dt

import pytest
from django.utils import translation

from ranks.core.actor import SYSTEM
from ranks.core.errors import DomainError
from ranks.core.models import AuditEntry
from ranks.org.models import PlaceVersion, Unit, UnitVersion
from ranks.org.selectors import unit_version_on
from ranks.org.services import (
    place_version_save,
    unit_close,
    unit_move,
    unit_version_save,
)
from tests.factories import LAST_OLD_DAY, REFORM

D = dt.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def save(code, **kwargs):
    kwargs.setdefault("name", f"Unit {code}")
    kwargs.setdefault("kind", "commune_committee")
    return unit_version_save(actor=SYSTEM, code=code, **kwargs)


def refused(call, **kwargs) -> str:
    with pytest.raises(DomainError) as error:
        call(actor=SYSTEM, **kwargs)
    return str(error.value)


def test_a_code_gets_versions_one_per_period(db):
    save("X", valid_from=D(2000, 1, 1), valid_to=D(2009, 12, 31))
    save("X", name="X renamed", valid_from=D(2010, 1, 1))
    unit = Unit.objects.get(code="X")
    assert [(v.name, v.valid_from, v.valid_to) for v in unit.versions.order_by("valid_from")] == [
        ("Unit X", D(2000, 1, 1), D(2009, 12, 31)),
        ("X renamed", D(2010, 1, 1), None),
    ]


def test_saving_the_same_start_updates_that_version(db):
    save("X", valid_from=D(2000, 1, 1))
    save("X", name="Better name", valid_from=D(2000, 1, 1), area_flags=["border", "island"])
    version = UnitVersion.objects.get(unit__code="X")
    assert (version.name, version.area_flags) == ("Better name", ["border", "island"])


def test_saving_an_unchanged_version_writes_no_audit_entry(db):
    save("X", valid_from=D(2000, 1, 1))
    count = AuditEntry.objects.count()
    save("X", valid_from=D(2000, 1, 1))
    assert AuditEntry.objects.count() == count


@pytest.mark.parametrize(
    "start, end",
    [
        (D(2005, 1, 1), None),
        (D(1990, 1, 1), D(2000, 1, 1)),
        (None, D(2003, 1, 1)),
        (D(2009, 12, 31), D(2011, 1, 1)),
    ],
)
def test_overlapping_periods_of_one_code_are_refused(db, start, end):
    save("X", valid_from=D(2000, 1, 1), valid_to=D(2009, 12, 31))
    message = refused(
        unit_version_save, code="X", name="X", kind="cell", valid_from=start, valid_to=end
    )
    assert message == (
        "This period overlaps another period of the same code (2000-01-01 – 2009-12-31)."
    )
    assert UnitVersion.objects.filter(unit__code="X").count() == 1


def test_periods_that_touch_do_not_overlap(db):
    save("X", valid_from=D(2000, 1, 1), valid_to=D(2009, 12, 31))
    save("X", valid_from=D(2010, 1, 1))
    assert UnitVersion.objects.filter(unit__code="X").count() == 2


def test_a_unit_cannot_be_its_own_parent(db):
    save("X", valid_from=D(2000, 1, 1))
    message = refused(
        unit_version_save,
        code="X",
        name="X",
        kind="cell",
        parent_code="X",
        valid_from=D(2000, 1, 1),
    )
    assert message == "A unit cannot be its own parent."


def test_a_parent_below_the_unit_is_refused_on_the_day_the_loop_would_start(db):
    save("A", valid_from=D(2000, 1, 1))
    save("B", parent_code="A", valid_from=D(2000, 1, 1))
    save("C", parent_code="B", valid_from=D(2000, 1, 1), valid_to=D(2014, 12, 31))
    save("C", parent_code="A", valid_from=D(2015, 1, 1))
    # A below C: a loop A → C → B → A until 2014; from 2015 C hangs below A directly (also a loop).
    message = refused(
        unit_version_save,
        code="A",
        name="A",
        kind="cell",
        parent_code="C",
        valid_from=D(2000, 1, 1),
    )
    assert message == "This parent would put the unit below itself on 2000-01-01."
    assert UnitVersion.objects.get(unit__code="A").parent is None


def test_a_parent_that_was_below_the_unit_only_earlier_is_accepted(db):
    save("A", valid_from=D(2000, 1, 1))
    save("B", parent_code="A", valid_from=D(2000, 1, 1), valid_to=D(2009, 12, 31))
    save("B", valid_from=D(2010, 1, 1))
    # From 2010, B no longer hangs below A: A may move below B then.
    unit_move(actor=SYSTEM, code="A", new_parent_code="B", on=D(2010, 1, 1))
    assert unit_version_on(Unit.objects.get(code="A"), D(2010, 1, 1)).parent.code == "B"


def test_a_new_period_below_a_unit_that_still_names_it_as_parent_is_refused(db):
    # A closes; B still names A as its parent; reopening A below B would make a loop.
    save("A", valid_from=D(2000, 1, 1), valid_to=D(2010, 12, 31))
    save("B", parent_code="A", valid_from=D(2000, 1, 1))
    message = refused(
        unit_version_save,
        code="A",
        name="A",
        kind="cell",
        parent_code="B",
        valid_from=D(2011, 1, 1),
    )
    assert message == "This parent would put the unit below itself on 2011-01-01."


def test_moving_a_unit_below_its_own_cell_is_refused_and_changes_nothing(world):
    entries = AuditEntry.objects.count()
    message = refused(unit_move, code="C2", new_parent_code="C2-A", on=D(2020, 1, 1))
    assert message == "This parent would put the unit below itself on 2020-01-01."
    version = UnitVersion.objects.get(unit__code="C2")
    assert (version.parent.code, version.valid_to) == ("D2", None)
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"code": " "}, "A unit needs a code."),
        ({"name": ""}, "A unit needs a name."),
        ({"kind": "kingdom"}, "Unknown unit kind: kingdom."),
        ({"parent_code": "NOPE"}, "Unknown parent code: NOPE."),
        (
            {"area_flags": ["hilly"]},
            "Unknown area flag: hilly. Allowed: mountainous, border, island, ethnic_minority, "
            "disadvantaged, fishermen.",
        ),
        (
            {"valid_from": D(2020, 1, 1), "valid_to": D(2019, 1, 1)},
            "The end date is before the start date.",
        ),
    ],
)
def test_bad_unit_input_is_refused_with_a_message(db, kwargs, message):
    args = {"code": "X", "name": "X", "kind": "cell", **kwargs}
    assert refused(unit_version_save, **args) == message
    assert not Unit.objects.exists()


def test_a_move_closes_the_version_and_opens_one_below_the_new_parent(world):
    version = unit_move(
        actor=SYSTEM, code="C2-A", new_parent_code="N1", on=D(2025, 8, 1), name="Chi bộ bản Nà Mới"
    )
    assert (version.valid_from, version.parent.code, version.name) == (
        D(2025, 8, 1),
        "N1",
        "Chi bộ bản Nà Mới",
    )
    cell = Unit.objects.get(code="C2-A")
    before = unit_version_on(cell, D(2025, 7, 31))
    assert (before.parent.code, before.valid_to, before.name) == (
        "C2",
        D(2025, 7, 31),
        "Chi bộ bản Nà",
    )
    actions = list(
        AuditEntry.objects.filter(object_id="C2-A")
        .order_by("-seq")
        .values_list("action", flat=True)
    )[:2]
    assert actions == ["ranks.org.unit.version_created", "ranks.org.unit.version_closed"]


@pytest.mark.parametrize(
    "code, on, message",
    [
        ("NOPE", D(2025, 8, 1), "Unknown unit code: NOPE."),
        ("N1", D(2020, 1, 1), "The unit does not exist on 2020-01-01."),
        ("C1-A", REFORM, "The unit already starts a period on that date."),
    ],
)
def test_a_move_is_refused_with_a_message(world, code, on, message):
    assert refused(unit_move, code=code, new_parent_code="C2", on=on) == message


def test_close_ends_the_version_valid_on_the_last_day(world):
    unit_close(actor=SYSTEM, code="C2-A", last_day=D(2025, 12, 31))
    cell = Unit.objects.get(code="C2-A")
    assert unit_version_on(cell, D(2025, 12, 31)) is not None
    assert unit_version_on(cell, D(2026, 1, 1)) is None
    assert refused(unit_close, code="C2-A", last_day=D(2026, 6, 1)) == (
        "The unit does not exist on 2026-06-01."
    )


def test_a_place_may_be_served_by_several_cells(world):
    place_version_save(
        actor=SYSTEM,
        code="V9",
        name="Thôn Ghép",
        kind="village",
        unit_code="N1",
        cell_codes=["C1-A", "C1-B"],
        valid_from=REFORM,
    )
    version = PlaceVersion.objects.get(place__code="V9")
    assert sorted(c.code for c in version.cells.all()) == ["C1-A", "C1-B"]
    entry = AuditEntry.objects.filter(object_type="place", object_id="V9").get()
    assert entry.after["cells"] == ["C1-A", "C1-B"]


def test_changing_the_cells_of_a_place_is_audited_with_before_and_after(world):
    place_version_save(
        actor=SYSTEM,
        code="V2",
        name="Bản Nà",
        kind="village",
        unit_code="C2",
        cell_codes=[],
        valid_from=D(2000, 1, 1),
    )
    entry = AuditEntry.objects.filter(object_id="V2").order_by("-seq").first()
    assert entry.action == "ranks.org.place.version_updated"
    assert (entry.before["cells"], entry.after["cells"]) == (["C2-A"], [])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"code": ""}, "A place needs a code."),
        (
            {"kind": "castle"},
            "Unknown place kind: castle. Allowed: village, residential_group, school, "
            "medical_station, agency, enterprise, cooperative, armed_forces, other.",
        ),
        ({"unit_code": "NOPE"}, "Unknown unit code: NOPE."),
        ({"cell_codes": ["C1-A", "X1", "X2"]}, "Unknown cell code: X1, X2."),
        (
            {"valid_from": D(2010, 1, 1)},
            "This period overlaps another period of the same code (2000-01-01 – …).",
        ),
    ],
)
def test_bad_place_input_is_refused_with_a_message(world, kwargs, message):
    args = {
        "code": "V2",
        "name": "Bản Nà",
        "kind": "village",
        "unit_code": "C2",
        "valid_from": D(2000, 1, 1),
        **kwargs,
    }
    assert refused(place_version_save, **args) == message
    assert PlaceVersion.objects.filter(place__code="V2").count() == 1
    assert [c.code for c in PlaceVersion.objects.get(place__code="V2").cells.all()] == ["C2-A"]


def test_the_world_history_reform_is_as_documented(world):
    c1a = Unit.objects.get(code="C1-A")
    assert unit_version_on(c1a, LAST_OLD_DAY).parent.code == "C1"
    assert unit_version_on(c1a, REFORM).parent.code == "N1"
