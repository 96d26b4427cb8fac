"""Pure: the pieces the structure planners share: cell seats and versioned units and places."""

from __future__ import annotations

from dataclasses import dataclass, field

from ranks.demo.generator.plan import (
    LAST_OLD_DAY,
    REFORM,
    TREE_START,
    LoginPlan,
    PlacePlan,
    PlaceVersionPlan,
    UnitPlan,
    UnitVersionPlan,
)


@dataclass
class CellSeat:
    """What the people generator needs to know about a cell: who its members are likely to be."""

    code: str
    setting: str  # village, residential_group, school, medical_station, high_school, agency, police
    homes: list[str]  # places where its members may live
    workplace: str | None
    weight: float
    commune: str | None  # the old commune it sat in (for transfers between neighbours)
    issuers: tuple[tuple[str, str], tuple[str, str]]  # (code, suffix) before and after the reform
    flags: frozenset[str] = frozenset()


@dataclass
class Structure:
    units: list[UnitPlan] = field(default_factory=list)
    places: list[PlacePlan] = field(default_factory=list)
    seats: list[CellSeat] = field(default_factory=list)
    homes: list[str] = field(default_factory=list)  # every village and residential group
    logins: list[LoginPlan] = field(default_factory=list)


def unit(code: str, *versions: UnitVersionPlan) -> UnitPlan:
    return UnitPlan(code, list(versions))


def moved(
    code: str, name: str, kind: str, before: str, after: str, *, same: bool = False, **extra
) -> UnitPlan:
    """A unit below `before` until the reform and below `after` from it (one version if same)."""
    if same or before == after:
        return unit(code, UnitVersionPlan(name, kind, before, TREE_START, **extra))
    return unit(
        code,
        UnitVersionPlan(name, kind, before, TREE_START, LAST_OLD_DAY, **extra),
        UnitVersionPlan(name, kind, after, REFORM, None, **extra),
    )


def place(code: str, name: str, kind: str, cells: tuple[str, ...], before: str, after: str | None):
    if after is None or after == before:
        return PlacePlan(code, [PlaceVersionPlan(name, kind, before, cells, TREE_START)])
    return PlacePlan(
        code,
        [
            PlaceVersionPlan(name, kind, before, cells, TREE_START, LAST_OLD_DAY),
            PlaceVersionPlan(name, kind, after, cells, REFORM),
        ],
    )
