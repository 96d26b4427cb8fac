"""The rows of a plan file grouped into steps, in the order they apply (pure)."""

import datetime as dt

from ranks.restructure.planfile import PlanRow, group_rows

ON = dt.date(2025, 7, 1)


def row(number, kind, on=ON, **values):
    if isinstance(values.get("source"), str):
        values["source"] = tuple(values["source"].split(";"))
    if isinstance(values.get("map"), str):
        values["map"] = tuple(values["map"].split(";"))
    return PlanRow(number=number, kind=kind, on=on, **values)


def test_rows_of_one_restructure_are_one_step_in_the_documented_order():
    steps, problems = group_rows(
        [
            row(2, "dissolve", source="D", target="N1"),
            row(3, "merge", source="C1", target="N1", document="NQ 1"),
            row(4, "merge", source="C2", target="N1", reason="Sáp nhập"),
            row(5, "split", source="C3", target="N1", map="C3-A;V3"),
            row(6, "split", source="C3", target="N2", map="C3-B=N2"),
            row(7, "create", target="N2", name="Xã Hai", kind_key="commune_committee"),
            row(8, "rename", on=dt.date(2024, 1, 1), source="C1", name="Xã Một"),
            row(9, "merge", source="C4", target="N2"),
        ]
    )
    assert problems == []
    assert [(s.kind, s.first.number) for s in steps] == [
        ("rename", 8),
        ("create", 7),
        ("merge", 3),
        ("merge", 9),
        ("split", 5),
        ("dissolve", 2),
    ]
    merge = steps[2]
    assert (merge.sources, merge.targets, merge.document, merge.reason) == (
        ["C1", "C2"],
        ["N1"],
        "NQ 1",
        "Sáp nhập",
    )
    split = steps[4]
    assert split.targets == ["N1", "N2"]
    assert split.mapping == {"C3-A": "N1", "V3": "N1", "C3-B": "N2"}
    assert split.where("C3-B") == (6, "map") and split.where("Q") == (5, "kind")


def test_rows_that_cannot_be_grouped_are_named_by_row_and_column():
    steps, problems = group_rows(
        [
            row(2, "merge", source="C1"),
            row(3, "rename", source="C1;C2", name="X"),
            row(4, "move", source="C1", target="N1", map="C1-A"),
            row(5, "create", target="N1", name="X", kind_key="commune_committee"),
            row(6, "create", target="N1", name="X", kind_key="commune_committee"),
            row(7, "split", source="C3", target="N1", map="V1"),
            row(8, "split", source="C3", target="N2", map="V1"),
        ]
    )
    assert [(p.row, p.column, p.key) for p in problems] == [
        (2, "target", "needed"),
        (3, "source", "one_source"),
        (4, "map", "map_not_split"),
        (6, "target", "created_twice"),
        (8, "map", "mapped_twice"),
    ]
    assert [s.kind for s in steps] == ["create"]


def test_a_move_with_a_new_name_is_a_step_of_its_own_with_one_source():
    steps, problems = group_rows(
        [
            row(2, "move", source="K", target="P", name="K (cũ)"),
            row(3, "move", source="Q", target="P", name="Q (cũ)"),
            row(4, "move", source="R", target="P"),
            row(5, "move", source="S", target="P"),
            row(6, "move", source="T;U", target="P", name="Both"),
        ]
    )
    assert [(s.sources, s.name) for s in steps] == [
        (["K"], "K (cũ)"),
        (["Q"], "Q (cũ)"),
        (["R", "S"], ""),
    ]
    assert [(p.row, p.column, p.key) for p in problems] == [(6, "source", "one_source")]
