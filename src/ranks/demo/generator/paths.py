"""Pure: when the steps of a demo candidacy fall: the stages, how long each step takes, and the
dates of a path up to a stage, counted back from today.

Meetings and decisions fall on working days (Monday–Friday less Vietnam's public holidays); the
decision comes within 60 working days of the cell's resolution (R8), the ceremony within 30 of
receiving it (R9), recognition after the 12 months of probation (R10, R11); the roles of a demo
(overdue, late) step outside those on purpose.
"""

from __future__ import annotations

import datetime as dt
import random

from ranks.pipeline import rules
from ranks.pipeline.rules.calendar import add_working_days, is_working_day
from ranks.pipeline.rules.findings import (  # the stage keys of the rules
    ADMISSION_DECISION,
    BACKGROUND_VERIFIED,
    CELL_RESOLUTION,
    CEREMONY,
    CLASS_PASSED,
    COMMENTS_COLLECTED,
    COMMITTEE_RESOLUTION,
    DOSSIER_PREPARED,
    INTRODUCERS_ASSIGNED,
    OFFICIAL,
    SOURCE_LIST,
)
from ranks.pipeline.rules.timeline import IDENTIFIED

PATH = (
    SOURCE_LIST,
    CLASS_PASSED,
    INTRODUCERS_ASSIGNED,
    DOSSIER_PREPARED,
    BACKGROUND_VERIFIED,
    COMMENTS_COLLECTED,
    CELL_RESOLUTION,
    COMMITTEE_RESOLUTION,
    ADMISSION_DECISION,
    CEREMONY,
)
STAGES = (IDENTIFIED, *PATH)
HANDED_OVER = "handed_over"
HANDOVER_ACCEPTED = "handover_accepted"
WORKING_AWAY = "working_away"
# Keys of a path's dates besides its stages.
RECEIVED = "received_on"  # the day the cell received the decision
RECOGNITION = "recognition"  # the cell's vote after probation (a cell_resolution event)

# How long the step that ends in a stage takes: calendar days, or working days ("wd").
STEP = {
    CLASS_PASSED: (30, 180, "days"),
    INTRODUCERS_ASSIGNED: (14, 60, "days"),
    DOSSIER_PREPARED: (20, 60, "days"),
    BACKGROUND_VERIFIED: (30, 90, "days"),
    COMMENTS_COLLECTED: (14, 45, "days"),
    CELL_RESOLUTION: (7, 30, "days"),
    COMMITTEE_RESOLUTION: (10, 30, "wd"),
    ADMISSION_DECISION: (10, 25, "wd"),  # so the decision comes within 60 WD (R8)
    CEREMONY: (5, 25, "wd"),  # counted from the day the decision is received (R9)
}
RECEIVED_AFTER = (2, 7)  # days between the decision and the cell receiving it
IDENTIFIED_WAIT = (5, 40)  # days: identified only, not on a source list yet

OVERDUE_RESOLUTION = (65, 100)  # working days since the cell resolution, no decision
OVERDUE_CEREMONY = (35, 60)  # working days since the decision was received, no ceremony

# Roles a demo gives a few candidates, besides their stage.
OVERDUE = "overdue"
FAILED_VOTE = "failed_vote"
LATE_CEREMONY = "late_ceremony"
ELDER = "village_elder"


def back_wd(day: dt.date, n: int) -> dt.date:
    """The n-th working day before `day` (the inverse of add_working_days)."""
    while n > 0:
        day -= dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def workday(day: dt.date) -> dt.date:
    """The working day on or before `day`: meetings and decisions fall on working days."""
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _step(rng: random.Random, stage: str) -> int:
    low, high, _unit = STEP[stage]
    return rng.randint(low, high)


def path_dates(rng: random.Random, today: dt.date, stage: str, role: str) -> dict[str, dt.date]:
    """The dates of the path up to `stage` (and of its ceremony's receipt, its recognition),
    counted back from today."""
    if stage == IDENTIFIED:
        return {IDENTIFIED: workday(today - _days(rng.randint(*IDENTIFIED_WAIT)))}
    dates: dict[str, dt.date] = {}
    top = stage
    if stage == OFFICIAL:
        # Recognised: the cell voted after the 12 months of probation, the committee after.
        dates[OFFICIAL] = workday(today - _days(rng.randint(10, 80)))
        dates[RECOGNITION] = back_wd(dates[OFFICIAL], rng.randint(5, 20))
        ends = back_wd(dates[RECOGNITION], rng.randint(1, 20))
        months = rules.rules_on(ends)["probation_months"]
        dates[CEREMONY] = workday(rules.add_months(ends, -months))
        top = CEREMONY
    elif stage == CEREMONY:
        late = role == LATE_CEREMONY
        dates[CEREMONY] = workday(today - _days(rng.randint(20 if late else 0, 300)))
        if late:  # later than the 30 working days after receiving the decision (R9)
            wd = rules.rules_on(dates[CEREMONY])["ceremony_wd"] + rng.randint(6, 15)
            dates[RECEIVED] = back_wd(dates[CEREMONY], wd)
    elif stage == ADMISSION_DECISION:
        wd = rng.randint(*OVERDUE_CEREMONY) if role == OVERDUE else rng.randint(0, 25)
        dates[RECEIVED] = workday(back_wd(today, wd))
        dates[stage] = workday(dates[RECEIVED] - _days(rng.randint(*RECEIVED_AFTER)))
    elif role == OVERDUE and stage in (CELL_RESOLUTION, COMMITTEE_RESOLUTION):
        resolution = workday(back_wd(today, rng.randint(*OVERDUE_RESOLUTION)))
        dates[CELL_RESOLUTION] = resolution
        if stage == COMMITTEE_RESOLUTION:
            dates[stage] = min(
                add_working_days(resolution, _step(rng, COMMITTEE_RESOLUTION)),
                back_wd(today, 1),
            )
    else:
        # Time spent in the current stage so far: up to what the next step usually takes.
        low, high, unit = STEP[PATH[PATH.index(stage) + 1]]
        if stage == CELL_RESOLUTION:
            high = 40  # not overdue yet
        elapsed = rng.randint(0, high)
        latest = back_wd(today, elapsed) if unit == "wd" else today - _days(elapsed)
        dates[stage] = workday(latest)
    reached = PATH[: PATH.index(top) + 1]
    for current in reversed(reached[1:]):
        previous = PATH[PATH.index(current) - 1]
        if previous in dates:
            continue
        day = dates[current]
        low, high, unit = STEP[current]
        if current == CEREMONY:
            if RECEIVED not in dates:
                dates[RECEIVED] = back_wd(day, rng.randint(low, high))
            received = dates[RECEIVED]
            dates[previous] = workday(received - _days(rng.randint(*RECEIVED_AFTER)))
        elif unit == "wd":
            dates[previous] = back_wd(day, rng.randint(low, high))
        else:
            dates[previous] = workday(day - _days(rng.randint(low, high)))
    return dates


def add_side_dates(
    rng: random.Random, today: dt.date, dates: dict[str, dt.date], role: str
) -> None:
    """The handover, its acceptance, working away: between the stages of the path."""
    if role == HANDED_OVER:
        passed = dates[CLASS_PASSED]
        dates[HANDED_OVER] = workday(passed + _days(rng.randint(0, (today - passed).days)))
    elif role == HANDOVER_ACCEPTED:
        # At school until the class, then handed to the home commune, which assigns the
        # introducers once it has accepted.
        accepted = workday(dates[INTRODUCERS_ASSIGNED] - _days(rng.randint(7, 30)))
        dates[HANDOVER_ACCEPTED] = accepted
        dates[HANDED_OVER] = workday(accepted - _days(rng.randint(5, 20)))
        if dates[CLASS_PASSED] >= dates[HANDED_OVER]:
            dates[CLASS_PASSED] = workday(dates[HANDED_OVER] - _days(rng.randint(20, 60)))
            dates[SOURCE_LIST] = workday(dates[CLASS_PASSED] - _days(_step(rng, CLASS_PASSED)))
    elif role == WORKING_AWAY:
        prepared = dates[DOSSIER_PREPARED]
        dates[WORKING_AWAY] = prepared + _days(rng.randint(0, (today - prepared).days))
