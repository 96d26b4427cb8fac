"""Pure tree arithmetic over effective-dated unit versions: no Django import.

A version says what a unit (its stable `code`) was from `valid_from` to `valid_to`, both
inclusive, None meaning open-ended: its parent, name, kind, flags. The tree of a date is the
set of versions valid on it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

AREA_FLAGS = ("mountainous", "border", "island", "ethnic_minority", "disadvantaged", "fishermen")

BEGINNING = dt.date.min
END = dt.date.max


@dataclass(frozen=True)
class Version:
    code: str
    parent: str | None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    name: str = ""
    kind: str = ""
    area_flags: frozenset[str] = field(default_factory=frozenset)
    can_admit: bool = False

    @property
    def start(self) -> dt.date:
        return self.valid_from or BEGINNING

    @property
    def end(self) -> dt.date:
        return self.valid_to or END

    def valid_on(self, day: dt.date) -> bool:
        return in_force(self.valid_from, self.valid_to, day)


def in_force(valid_from: dt.date | None, valid_to: dt.date | None, day: dt.date) -> bool:
    """Whether a period from `valid_from` to `valid_to` (both inclusive, None open) holds `day`:
    a version, a posting or a place in force that day."""
    return (valid_from or BEGINNING) <= day <= (valid_to or END)


def overlaps(a_start: dt.date, a_end: dt.date, b_start: dt.date, b_end: dt.date) -> bool:
    return a_start <= b_end and b_start <= a_end


class Tree:
    """The tree of one date: each code's version valid that day, and who hangs below whom."""

    def __init__(self, versions: Iterable[Version], day: dt.date):
        self.day = day
        self.by_code: dict[str, Version] = {}
        for version in versions:
            if version.valid_on(day):
                self.by_code[version.code] = version
        self._children: dict[str | None, list[str]] = defaultdict(list)
        for code, version in self.by_code.items():
            parent = version.parent if version.parent in self.by_code else None
            self._children[parent].append(code)
        for codes in self._children.values():
            codes.sort()

    def __contains__(self, code: str) -> bool:
        return code in self.by_code

    def roots(self) -> list[str]:
        return list(self._children[None])

    def children(self, code: str) -> list[str]:
        return list(self._children.get(code, []))

    def ancestors(self, code: str) -> list[str]:
        """From the root down to the parent of `code` (breadcrumbs)."""
        chain: list[str] = []
        seen = {code}
        current = self.by_code[code].parent
        while current is not None and current in self.by_code and current not in seen:
            chain.append(current)
            seen.add(current)
            current = self.by_code[current].parent
        return list(reversed(chain))

    def subtree(self, code: str) -> list[str]:
        """`code` and everything below it, depth first."""
        out: list[str] = []
        stack = [code]
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(reversed(self._children.get(current, [])))
        return out

    def inherited_flags(self, code: str) -> frozenset[str]:
        flags = set(self.by_code[code].area_flags)
        for ancestor in self.ancestors(code):
            flags |= self.by_code[ancestor].area_flags
        return frozenset(flags)


def boundary_dates(versions: Iterable[Version]) -> list[dt.date]:
    """Every date on which some version starts or the day after one ends: the tree only changes there."""
    days = {BEGINNING}
    for version in versions:
        if version.valid_from:
            days.add(version.valid_from)
        if version.valid_to and version.valid_to < END:
            days.add(version.valid_to + dt.timedelta(days=1))
    return sorted(days)


def find_overlaps(versions: Iterable[Version]) -> list[tuple[Version, Version]]:
    """Pairs of versions of one code whose periods overlap (each pair once)."""
    by_code: dict[str, list[Version]] = defaultdict(list)
    for version in versions:
        by_code[version.code].append(version)
    found = []
    for items in by_code.values():
        items.sort(key=lambda v: v.start)
        for earlier, later in zip(items, items[1:], strict=False):
            if overlaps(earlier.start, earlier.end, later.start, later.end):
                found.append((earlier, later))
    return found


def find_cycle(versions: Sequence[Version]) -> tuple[dt.date, list[str]] | None:
    """The first date on which the parent links loop, with the codes in the loop."""
    for day in boundary_dates(versions):
        parents = {v.code: v.parent for v in versions if v.valid_on(day)}
        for start in parents:
            path: list[str] = []
            seen: set[str] = set()
            current: str | None = start
            while current is not None and current in parents:
                if current in seen:
                    return day, path[path.index(current) :]
                seen.add(current)
                path.append(current)
                current = parents[current]
    return None


@dataclass(frozen=True)
class HistoryEvent:
    day: dt.date | None
    what: str  # opened, closed, moved, renamed, kind_changed, reopened, can_admit_changed
    before: str | None = None
    after: str | None = None
    # The parents' codes where `before` and `after` name them (opened, reopened, moved).
    before_code: str | None = None
    after_code: str | None = None


def history(versions: Iterable[Version], *, can_admit: bool = False) -> list[HistoryEvent]:
    """What happened to one unit over time, read from its versions in order. With `can_admit`,
    also each day it began or stopped deciding admissions (before and after "true"/"false")."""
    items = sorted(versions, key=lambda v: v.start)
    events: list[HistoryEvent] = []
    previous: Version | None = None
    for version in items:
        if previous is None:
            events.append(HistoryEvent(version.valid_from, "opened", after=version.parent))
        else:
            gap = previous.valid_to is not None and version.start > previous.end + dt.timedelta(
                days=1
            )
            if gap:
                events.append(HistoryEvent(previous.valid_to, "closed"))
                events.append(HistoryEvent(version.valid_from, "reopened", after=version.parent))
            if version.parent != previous.parent:
                events.append(
                    HistoryEvent(version.valid_from, "moved", previous.parent, version.parent)
                )
            if version.name != previous.name:
                events.append(
                    HistoryEvent(version.valid_from, "renamed", previous.name, version.name)
                )
            if version.kind != previous.kind:
                events.append(
                    HistoryEvent(version.valid_from, "kind_changed", previous.kind, version.kind)
                )
            if can_admit and version.can_admit != previous.can_admit:
                events.append(
                    HistoryEvent(
                        version.valid_from,
                        "can_admit_changed",
                        str(previous.can_admit).lower(),
                        str(version.can_admit).lower(),
                    )
                )
        previous = version
    if previous is not None and previous.valid_to is not None:
        events.append(HistoryEvent(previous.valid_to, "closed"))
    return events


def parent_first(
    parents: dict[str, list[str | None]],
) -> tuple[list[str], list[list[str]], set[str]]:
    """Codes in an order where each comes after the codes it names as parent, for the rows of a
    file: `parents` maps each code to the parents its rows name (parents outside `parents` do not
    matter). Returns the order (codes in or below a loop left out), each loop found as a path
    such as [A, B, A], and the codes left out."""
    ordered: list[str] = []
    loops: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(code: str, path: list[str]) -> bool:
        if state.get(code) == "done":
            return True
        if state.get(code) == "visiting":
            loop = path[path.index(code) :] + [code]
            loops.append(loop)
            for looped in set(loop):
                state[looped] = "broken"
            return False
        if state.get(code) == "broken":
            return False
        state[code] = "visiting"
        fine = True
        for parent in parents[code]:
            if parent and parent in parents and parent != code:
                fine = visit(parent, [*path, code]) and fine
        if state.get(code) == "broken":
            return False
        state[code] = "done" if fine else "broken"
        if fine:
            ordered.append(code)
        return fine

    for code in list(parents):
        visit(code, [])
    return ordered, loops, {c for c, s in state.items() if s == "broken"}


def competent(above: Sequence[tuple[str, bool]]) -> str | None:
    """The committee competent to decide a candidate's admission (Quy định 232-QĐ/TW), from the
    units above the candidate's cell, nearest first, each with whether it may admit: the first
    that may admit (a grassroots committee authorised to admit, else a committee above it);
    when none may, the committee directly above the grassroots one, else the grassroots one."""
    for code, can_admit in above:
        if can_admit:
            return code
    if len(above) >= 2:
        return above[1][0]
    return above[0][0] if above else None


def competent_authorised(above: Sequence[tuple[str, bool]]) -> bool:
    """Whether the competent committee decides because the grassroots committee directly above
    the cell is itself authorised to admit (else the committee above it decides)."""
    return bool(above) and above[0][1]


def competent_change(
    points: Sequence[tuple[dt.date, str | None]],
) -> tuple[dt.date, str | None, str | None] | None:
    """The last change of the competent committee over dated points in order (a file's start,
    then each day the tree above its cell changed, then the day it is read on): (the day it
    changed, the committee since, the committee before), or None when it never changed."""
    found = None
    for (_d0, before), (day, now) in zip(points, points[1:], strict=False):
        if now != before:
            found = (day, now, before)
    return found
