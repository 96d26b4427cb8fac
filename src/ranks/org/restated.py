"""Where a unit stands in the structure of another date: pure, no Django import.

A figure restated in the structure of a date S counts each event for the unit its cell belongs
to on S (docs/progress.md, "Restated in the structure of a date"). A cell may not be in force on
S: it closed before (a commune merged in the 2025 reform took its cells along, but a cell closed
in 2024 went nowhere), or it opened after. Its **position on S** is then found by this rule:

1. a unit in force on S stands for itself;
2. a unit that closed before S, and that a restructure (a merge, or a dissolve with one target)
   names a successor of, stands where its successor stands on S;
3. otherwise it stands where its parent stands on S, the parent of its version nearest to S (its
   last version when it closed before S, its first when it opened after).

The walk goes up, so it ends at a unit in force on S (the root always exists) or at a unit it
knows nothing of (None: not below any unit the caller asked about). A loop also gives None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ranks.org.tree import BEGINNING, END

# No tree is deeper than this; a longer walk is a loop in the data.
MAX_STEPS = 256


@dataclass(frozen=True)
class Span:
    """One version of a unit: its parent and period (both ends inclusive, None open)."""

    parent: int | None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @property
    def start(self) -> dt.date:
        return self.valid_from or BEGINNING

    @property
    def end(self) -> dt.date:
        return self.valid_to or END

    def valid_on(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def _distance(span: Span, day: dt.date) -> int:
    if span.start > day:
        return (span.start - day).days
    if span.end < day:
        return (day - span.end).days
    return 0


def nearest(spans: Sequence[Span], day: dt.date) -> Span:
    """The version nearest to `day` (in force on it, else the one ending or starting closest;
    an earlier one on a tie)."""
    return min(spans, key=lambda s: (_distance(s, day), s.start))


def position_on(
    unit: int,
    day: dt.date,
    versions: Mapping[int, Sequence[Span]],
    successors: Mapping[int, int],
) -> int | None:
    """The unit standing for `unit` in the tree of `day` (the rule of this module's docstring).

    `versions` holds the versions of each unit the walk may meet, `successors` the one successor
    a restructure names for a unit it closed. A unit missing from `versions` ends the walk with
    None."""
    current: int | None = unit
    seen: set[int] = set()
    while current is not None and current not in seen and len(seen) < MAX_STEPS:
        seen.add(current)
        spans = versions.get(current)
        if not spans:
            return None
        if any(s.valid_on(day) for s in spans):
            return current
        closed_before = all(s.end < day for s in spans)
        if closed_before and current in successors:
            current = successors[current]
            continue
        current = nearest(spans, day).parent
    return None


def positions_on(
    units: Sequence[int],
    day: dt.date,
    versions: Mapping[int, Sequence[Span]],
    successors: Mapping[int, int],
) -> dict[int, int | None]:
    """`position_on` of each unit."""
    return {u: position_on(u, day, versions, successors) for u in units}


def chain_on(unit: int, day: dt.date, versions: Mapping[int, Sequence[Span]]) -> list[int]:
    """The unit and every unit above it in the tree of `day`, as far as `versions` knows them
    (empty when the unit is not in force on `day`)."""
    found: list[int] = []
    current: int | None = unit
    while current is not None and current not in found and len(found) < MAX_STEPS:
        span = next((s for s in versions.get(current, ()) if s.valid_on(day)), None)
        if span is None:
            break
        found.append(current)
        current = span.parent
    return found
