"""Pure: the rows of a plan file grouped into the steps of a reform, in the order they apply.

A plan file has one row per source, target, kind and date (docs/restructure.md, "Plans"). The
rows of one restructure are grouped into one step: the rows of a merge, a move or a dissolution
into a successor that share the target and the date; the rows of a split that share the source
and the date. A `create` row is a step of its own: a new unit from the date; so is a move that
carries a new name (its one source bears it from the date). Steps apply by date, then creations,
merges, splits, moves, dissolutions, renames and changes of kind, then in the order of their first
row.

Problems are keys with the row and the column to blame; the caller words them. Nothing here
imports Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ranks.restructure.plan import KINDS

CREATE = "create"
ROW_KINDS = (CREATE, *KINDS)
ORDER = {
    CREATE: 0,
    "merge": 1,
    "split": 2,
    "move": 3,
    "dissolve": 4,
    "rename": 5,
    "change_kind": 6,
}
# The columns each kind needs (beyond kind and effective_on).
NEEDS = {
    CREATE: ("target", "name", "kind_key"),
    "merge": ("source", "target"),
    "split": ("source", "target"),
    "move": ("source", "target"),
    "dissolve": ("source",),
    "rename": ("source", "name"),
    "change_kind": ("source", "kind_key"),
}


@dataclass(frozen=True)
class PlanRow:
    number: int
    kind: str
    on: dt.date
    source: tuple[str, ...] = ()
    target: str = ""
    name: str = ""
    kind_key: str = ""
    parent: str = ""
    admin_code: str = ""
    can_admit: bool = False
    map: tuple[str, ...] = ()
    reason: str = ""
    document: str = ""


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    key: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Step:
    """One restructure (or one creation) and the rows it was read from."""

    kind: str
    on: dt.date
    rows: list[PlanRow]
    sources: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)

    @property
    def first(self) -> PlanRow:
        return self.rows[0]

    def _first_of(self, attribute: str) -> str:
        return next((getattr(r, attribute) for r in self.rows if getattr(r, attribute)), "")

    @property
    def name(self) -> str:
        return self._first_of("name")

    @property
    def kind_key(self) -> str:
        return self._first_of("kind_key")

    @property
    def reason(self) -> str:
        return self._first_of("reason")

    @property
    def document(self) -> str:
        return self._first_of("document")

    def where(self, code: str | None) -> tuple[int, str]:
        """The row and the column that name `code` (the first row's kind if none does)."""
        if code:
            for row in self.rows:
                if code in row.source:
                    return row.number, "source"
                if code == row.target:
                    return row.number, "target"
                if code == row.parent:
                    return row.number, "parent"
                if any(item.split("=")[0].strip() == code for item in row.map):
                    return row.number, "map"
        return self.first.number, "kind"

    def codes(self) -> list[str]:
        """Every unit or place code the rows name."""
        found: list[str] = []
        for row in self.rows:
            found += [*row.source, row.target, row.parent]
            for item in row.map:
                found += [part.strip() for part in item.split("=")]
        return [c for c in dict.fromkeys(found) if c]


def _check(row: PlanRow) -> list[Problem]:
    problems = []
    for column in NEEDS[row.kind]:
        if not getattr(row, column):
            problems.append(Problem(row.number, column, "needed", {"kind": row.kind}))
    one = ("split", CREATE, "rename", "change_kind")
    if (row.kind in one or (row.kind == "move" and row.name)) and len(row.source) > 1:
        problems.append(Problem(row.number, "source", "one_source", {"kind": row.kind}))
    if row.map and row.kind != "split":
        problems.append(Problem(row.number, "map", "map_not_split", {"kind": row.kind}))
    if row.kind == CREATE and row.source:
        problems.append(Problem(row.number, "source", "create_no_source"))
    return problems


def _group_key(row: PlanRow) -> tuple:
    if row.kind == "split":
        return (row.kind, row.on, row.source[0])
    if row.kind == "move" and row.name:
        return (row.kind, row.on, row.number)  # a move with a new name: a unit of its own
    if row.kind in ("merge", "move") or (row.kind == "dissolve" and row.target):
        return (row.kind, row.on, row.target)
    return (row.kind, row.on, row.number)  # a row of its own


def group_rows(rows: Iterable[PlanRow]) -> tuple[list[Step], list[Problem]]:
    """The steps of the plan in the order they apply, and the problems of rows that cannot be
    grouped (their steps are left out)."""
    problems: list[Problem] = []
    steps: dict[tuple, Step] = {}
    created: dict[tuple[str, dt.date], int] = {}
    bad_keys: set[tuple] = set()
    for row in rows:
        found = _check(row)
        key = None if found else _group_key(row)
        if found:
            problems += found
            continue
        assert key is not None
        if row.kind == CREATE:
            first = created.setdefault((row.target, row.on), row.number)
            if first != row.number:
                problems.append(Problem(row.number, "target", "created_twice", {"row": str(first)}))
                continue
        step = steps.setdefault(key, Step(kind=row.kind, on=row.on, rows=[]))
        step.rows.append(row)
        for source in row.source:
            if source not in step.sources:
                step.sources.append(source)
        if row.kind != CREATE and row.target and row.target not in step.targets:
            step.targets.append(row.target)
        for item in row.map:
            code, sep, target = (part.strip() for part in item.partition("="))
            target = target if sep else row.target
            if not code or not target:
                problems.append(Problem(row.number, "map", "bad_map", {"item": item}))
                bad_keys.add(key)
                continue
            if step.mapping.get(code, target) != target:
                problems.append(Problem(row.number, "map", "mapped_twice", {"code": code}))
                bad_keys.add(key)
                continue
            step.mapping[code] = target
            if target not in step.targets:
                step.targets.append(target)
    ordered = sorted(
        (s for k, s in steps.items() if k not in bad_keys),
        key=lambda s: (s.on, ORDER[s.kind], s.first.number),
    )
    return ordered, problems
