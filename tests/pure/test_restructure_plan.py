"""The plan of a restructure from facts alone: steps and blockers, no database."""

import datetime as dt

from ranks.org.tree import Version, competent
from ranks.restructure.plan import (
    Carry,
    Facts,
    PlaceStep,
    PlaceVersionFact,
    Request,
    assign_people,
    make_plan,
)

D = dt.date
ON = D(2025, 7, 1)
START = D(2000, 1, 1)


def v(code, parent, kind="commune_committee", start=START, end=None, name=""):
    return Version(
        code=code, parent=parent, valid_from=start, valid_to=end, name=name or code, kind=kind
    )


def facts(**overrides):
    base = {
        "versions": {
            "A": [v("A", None)],
            "A-1": [v("A-1", "A", "cell")],
            "A-2": [v("A-2", "A", "cell")],
            "B": [v("B", None)],
            "B-1": [v("B-1", "B", "cell")],
            "N": [v("N", None, start=ON)],
        },
        "children": {"A": ["A-1", "A-2"], "B": ["B-1"]},
        "places": {
            "PA": [PlaceVersionFact("PA", "A", START, None)],
            "PB": [PlaceVersionFact("PB", "B", START, None)],
        },
        "ancestors": {"N": [], "A-1": ["A"], "B": []},
        "kinds": {"commune_committee": False, "cell": True},
    }
    base.update(overrides)
    return Facts(**base)


def keys(plan):
    return [b.key for b in plan.blockers]


def test_a_merge_moves_the_children_and_places_and_closes_the_sources():
    plan = make_plan(Request("merge", ON, ("A", "B"), ("N",)), facts())
    assert not plan.blockers
    assert [(s.code, s.parent) for s in plan.units] == [("A-1", "N"), ("A-2", "N"), ("B-1", "N")]
    assert [(p.code, p.unit) for p in plan.places] == [("PA", "N"), ("PB", "N")]
    assert plan.closes == ["A", "B"]


def test_a_source_below_another_closes_and_is_not_moved():
    f = facts(versions={**facts().versions, "A-1": [v("A-1", "A")]})
    plan = make_plan(Request("merge", ON, ("A", "A-1"), ("N",)), f)
    assert "A-1" in plan.closes and "A-1" not in [s.code for s in plan.units]


def test_a_cell_merged_into_a_unit_that_keeps_no_members_is_blocked():
    plan = make_plan(Request("merge", ON, ("A-1",), ("B",)), facts())
    assert keys(plan) == ["target_keeps_no_members"]
    assert not plan.units and not plan.closes and not plan.carries


def test_merging_cells_carries_their_people_to_the_target():
    plan = make_plan(Request("merge", ON, ("A-1", "A-2"), ("B-1",)), facts())
    assert not plan.blockers
    assert plan.closes == ["A-1", "A-2"]
    assert plan.carries == [Carry("A-1", "B-1"), Carry("A-2", "B-1")]


def test_a_cell_split_carries_by_assignment_and_may_map_its_linked_places_and_people():
    f = facts(linked={"A-1": ["PA"]})
    mapping = {"PA": "A-2", "person:P-1": "B-1", "grant:3": "B-1"}
    plan = make_plan(Request("split", ON, ("A-1",), ("A-2", "B-1"), mapping=mapping), f)
    assert not plan.blockers
    assert plan.carries == [Carry("A-1", None)]
    # A place linked to a cell belongs to its commune: it stays there, linked to the cell the
    # map sends it to.
    assert plan.places == [PlaceStep("PA", "A", "A", (("A-1", "A-2"),))]
    wrong = make_plan(
        Request("split", ON, ("A-1",), ("A-2", "B-1"), mapping={"person:P-1": "N"}), f
    )
    assert keys(wrong) == ["mapping_not_target"]


def test_merging_cells_links_their_places_to_the_target():
    # PA belongs to A and is served by, which merge into B-1: it stays in A.
    f = facts(linked={"A-1": ["PA"], "A-2": ["PA"]})
    plan = make_plan(Request("merge", ON, ("A-1", "A-2"), ("B-1",)), f)
    assert plan.places == [PlaceStep("PA", "A", "A", (("A-1", "B-1"), ("A-2", "B-1")))]
    # PC belongs to the cell A-1 itself and is served by it: moved and linked in one step.
    f = facts(
        linked={"A-1": ["PC"]},
        places={**f.places, "PC": [PlaceVersionFact("PC", "A-1", START, None)]},
    )
    plan = make_plan(Request("merge", ON, ("A-1",), ("B-1",)), f)
    assert plan.places == [PlaceStep("PC", "B-1", "A-1", (("A-1", "B-1"),))]
    # A place that starts a version on the date blocks the link, as it blocks a move.
    f = facts(linked={"A-1": ["PB"]}, places={"PB": [PlaceVersionFact("PB", "B", ON, None)]})
    plan = make_plan(Request("merge", ON, ("A-1",), ("B-1",)), f)
    assert keys(plan) == ["place_starts_on_date"] and not plan.places
    dissolved = make_plan(Request("dissolve", ON, ("A-1",), ()), facts(linked={"A-1": ["PA"]}))
    assert not dissolved.places  # no successor: nothing takes the link


def test_a_change_of_kind_that_changes_keeping_members_is_left_to_the_records():
    plan = make_plan(Request("change_kind", ON, ("A-1",), kind_key="commune_committee"), facts())
    assert not plan.blockers and plan.flips == ["A-1"]


def test_people_are_assigned_by_person_entry_then_by_their_first_mapped_place():
    places = {"P-1": ["V1", "S1"], "P-2": ["V9", "S1"], "P-3": ["V9"], "P-4": []}
    mapping = {"V1": "X", "S1": "Y", "person:P-4": "Z", "person:P-1": "Z"}
    assigned, unassigned = assign_people(places, mapping)
    assert assigned == {"P-1": "Z", "P-2": "Y", "P-4": "Z"}
    assert unassigned == ["P-3"]


def test_the_competent_committee_is_the_first_above_that_may_admit():
    assert competent([("G", True), ("D", True)]) == "G"
    assert competent([("G", False), ("D", True)]) == "D"
    assert competent([("G", False), ("D", False), ("P", True)]) == "P"
    # None authorised: the committee directly above the grassroots one decides.
    assert competent([("G", False), ("D", False)]) == "D"
    assert competent([("G", False)]) == "G"
    assert competent([]) is None


def test_a_target_into_the_source_is_a_cycle():
    plan = make_plan(Request("move", ON, ("A",), ("A-1",)), facts())
    assert keys(plan) == ["cycle"]


def test_a_split_needs_every_child_and_place_assigned():
    plan = make_plan(
        Request("split", ON, ("A",), ("N", "B"), mapping={"A-1": "N", "PA": "B"}), facts()
    )
    assert keys(plan) == ["unassigned"]
    assert plan.blockers[0].params == {"code": "A-2"}


def test_the_date_cannot_fall_before_a_later_version():
    f = facts(
        versions={
            **facts().versions,
            "A-2": [
                v("A-2", "A", "cell", end=D(2025, 12, 31)),
                v("A-2", "B", "cell", start=D(2026, 1, 1)),
            ],
        }
    )
    plan = make_plan(Request("merge", ON, ("A",), ("N",)), f)
    assert keys(plan) == ["later_versions"]


def test_a_dissolve_without_successor_needs_an_empty_unit():
    assert keys(make_plan(Request("dissolve", ON, ("A",)), facts())) == ["no_successor"]
    empty = facts(children={}, places={})
    assert make_plan(Request("dissolve", ON, ("A",)), empty).closes == ["A"]


def test_a_rename_keeps_parent_and_kind():
    plan = make_plan(Request("rename", ON, ("A-1",), name="New"), facts())
    step = plan.units[0]
    assert (step.parent, step.name, step.kind, step.was_name) == ("A", "New", "cell", "A-1")


def test_a_move_may_carry_a_new_name_on_the_same_date():
    plan = make_plan(Request("move", ON, ("A-1",), ("B",), name="A-1 (cũ)"), facts())
    assert not plan.blockers
    step = plan.units[0]
    assert (step.code, step.parent, step.name, step.kind) == ("A-1", "B", "A-1 (cũ)", "cell")
    assert (step.was_parent, step.was_name) == ("A", "A-1")
    # Without a name, the unit keeps its own.
    assert make_plan(Request("move", ON, ("A-1",), ("B",)), facts()).units[0].name == "A-1"


def test_a_move_with_a_new_name_moves_one_unit():
    plan = make_plan(Request("move", ON, ("A-1", "A-2"), ("B",), name="Same"), facts())
    assert keys(plan) == ["source_count"] and plan.units == []
