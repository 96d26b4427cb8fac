"""Where a candidacy stands on a date, and how long it spent in each stage, from its events.

The current stage is the latest main stage of §5 recorded; two events on one day count in §5
order. Side states lie over it: working away until returned, paused until resumed, handed over
until the receiving unit accepts or refuses, withdrawn or found ineligible until the candidate is
put on a source list again.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

IDENTIFIED = "identified"
MAIN = (
    IDENTIFIED,
    "source_list",
    "class_passed",
    "introducers_assigned",
    "dossier_prepared",
    "background_verified",
    "comments_collected",
    "cell_resolution",
    "committee_resolution",
    "admission_decision",
    "ceremony",
    "official",
    "removed",
)
WORKING_AWAY = "working_away"
RETURNED = "returned"
PAUSED = "paused"
RESUMED = "resumed"
WITHDRAWN = "withdrawn"
INELIGIBLE = "ineligible"
HANDED_OVER = "handed_over"
HANDOVER_ACCEPTED = "handover_accepted"
HANDOVER_REFUSED = "handover_refused"
SIDE = (
    WORKING_AWAY,
    RETURNED,
    PAUSED,
    RESUMED,
    WITHDRAWN,
    INELIGIBLE,
    HANDED_OVER,
    HANDOVER_ACCEPTED,
    HANDOVER_REFUSED,
)
# The side state each event begins, and the one it ends.
BEGINS = {WORKING_AWAY, PAUSED, WITHDRAWN, INELIGIBLE, HANDED_OVER}
ENDS = {
    RETURNED: {WORKING_AWAY},
    RESUMED: {PAUSED},
    HANDOVER_ACCEPTED: {HANDED_OVER},
    HANDOVER_REFUSED: {HANDED_OVER},
    # Put on a source list again: a withdrawn or ineligible candidate starts over.
    "source_list": {WITHDRAWN, INELIGIBLE},
}
CLOSED = frozenset({"official", "removed"})
# A candidacy stopped by its side state: no main stage may be recorded until it ends.
STOPPING = frozenset({PAUSED, WITHDRAWN, INELIGIBLE, HANDED_OVER})

_ORDER = {stage: i for i, stage in enumerate(MAIN + SIDE)}


@dataclass(frozen=True)
class Period:
    """A stretch in one main stage: `end` is the day the next stage was recorded (None: now)."""

    stage: str
    start: dt.date
    end: dt.date | None

    def days(self, on: dt.date) -> int:
        return ((self.end or on) - self.start).days


@dataclass(frozen=True)
class State:
    stage: str
    since: dt.date | None
    side: str | None = None
    side_since: dt.date | None = None
    periods: tuple[Period, ...] = ()

    @property
    def closed(self) -> bool:
        return self.stage in CLOSED

    @property
    def stopped(self) -> bool:
        return self.side in STOPPING

    def days_in_stage(self, on: dt.date) -> int | None:
        return (on - self.since).days if self.since is not None else None


def _walk(
    events: Iterable[tuple[str, dt.date]], on: dt.date | None
) -> Iterator[tuple[dt.date, State]]:
    """The day of each event up to `on` (all of them for None), in the order they count, and
    the state after it."""
    ordered = sorted(
        ((stage, day) for stage, day in events if (on is None or day <= on) and stage in _ORDER),
        key=lambda e: (e[1], _ORDER[e[0]]),
    )
    stage, since = IDENTIFIED, None
    side: str | None = None
    side_since: dt.date | None = None
    periods: list[Period] = []
    for name, day in ordered:
        restart = False
        if name in ENDS and side in ENDS[name]:
            restart = name == "source_list"
            side, side_since = None, None
        if name in BEGINS:
            side, side_since = name, day
        if name in MAIN and (name != stage or restart):
            if periods:
                periods[-1] = Period(periods[-1].stage, periods[-1].start, day)
            periods.append(Period(name, day, None))
            stage, since = name, day
        yield day, State(stage, since, side, side_since, tuple(periods))


def state_on(events: Iterable[tuple[str, dt.date]], on: dt.date) -> State:
    """The state on `on` from (stage, date) pairs; events after `on` are ignored."""
    last = deque(_walk(events, on), maxlen=1)
    return last[0][1] if last else State(IDENTIFIED, None)


def changes(events: Iterable[tuple[str, dt.date]]) -> list[tuple[dt.date | None, str, str | None]]:
    """(day, stage, side) from each day on which the stage or the side state changed, the first
    being (None, identified, None): where the candidacy stands on any day is the last entry on
    or before it (as `state_on`, which the counters of candidates by stage follow)."""
    found: list[tuple[dt.date | None, str, str | None]] = [(None, IDENTIFIED, None)]
    for day, state in _walk(events, None):
        found.append((day, state.stage, state.side))
    # Events of one day count together: keep each day's last state, then only real changes.
    by_day: dict[dt.date | None, tuple[str, str | None]] = {}
    for when, stage, side in found:
        by_day[when] = (stage, side)
    result: list[tuple[dt.date | None, str, str | None]] = []
    for when, (stage, side) in by_day.items():
        if not result or result[-1][1:] != (stage, side):
            result.append((when, stage, side))
    return result
