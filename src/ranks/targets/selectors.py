"""Reads of the targets pages: a unit's targets by year, an allocation's figures and revisions, and
the segment targets the dashboard compares with the year's admissions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from ranks.access.scope import Scope
from ranks.org.models import Unit, UnitVersion
from ranks.org.selectors import unit_children_on, unit_version_on
from ranks.targets.models import Metric, Target, TargetRevision, TermTarget
from ranks.targets.progress import progress
from ranks.targets.results import ProgressRow

# Segment metrics, compared with their targets; the last two need the sensitive grant.
SEGMENTS = (
    Metric.ADMISSIONS_VILLAGES,
    Metric.ADMISSIONS_FARMERS,
    Metric.ADMISSIONS_WORKERS,
    Metric.ADMISSIONS_AGE_18_30,
    Metric.ADMISSIONS_WOMEN,
    Metric.ADMISSIONS_ETHNIC_MINORITY,
    Metric.ADMISSIONS_RELIGIOUS,
)
SENSITIVE_SEGMENTS = (Metric.ADMISSIONS_ETHNIC_MINORITY, Metric.ADMISSIONS_RELIGIOUS)
REVISIONS_SHOWN = 30


def targets_by_year(*, unit: Unit) -> list[tuple[int, list[Target]]]:
    """The unit's targets, newest year first and by metric, each with its revisions."""
    targets = list(
        Target.objects.filter(unit=unit).prefetch_related("revisions").order_by("-year", "metric")
    )
    return [(year, list(items)) for year, items in groupby(targets, key=lambda t: t.year)]


def term_targets_of(*, unit: Unit) -> list[TermTarget]:
    """The unit's term targets, newest term first, each with its revisions."""
    return list(
        TermTarget.objects.filter(unit=unit)
        .prefetch_related("revisions")
        .order_by("-starts_on", "metric")
    )


@dataclass(frozen=True)
class Allocation:
    """A unit's target for a year and metric and its children's, on the allocation day."""

    version: UnitVersion | None  # the unit on the day; None when it did not exist then
    children: list[tuple[str, str, int | None]]  # (code, name, target or None) of each unit below
    unit_value: int | None  # the unit's own target
    unit_ids: list[int]  # the unit's and its children's
    unit_target: Target | None = None  # the unit's own target: who set it last, and when


def allocations_on(
    *, unit: Unit, day: dt.date, year: int, metrics: list[str]
) -> dict[str, Allocation]:
    """The figures of `year` for each of `metrics`, for the unit and the units directly below it
    on `day`: three queries whatever the number of metrics."""
    version = unit_version_on(unit, day)
    children = list(unit_children_on(unit, day)) if version else []
    unit_ids = [unit.pk, *(v.unit_id for v in children)]
    stored: dict[str, dict[int, int]] = {metric: {} for metric in metrics}
    own: dict[str, Target] = {}
    for target in Target.objects.filter(unit_id__in=unit_ids, year=year, metric__in=metrics):
        stored[target.metric][target.unit_id] = target.value
        if target.unit_id == unit.pk:
            own[target.metric] = target
    return {
        metric: Allocation(
            version=version,
            children=[(v.unit.code, v.name, stored[metric].get(v.unit_id)) for v in children],
            unit_value=stored[metric].get(unit.pk),
            unit_ids=unit_ids,
            unit_target=own.get(metric),
        )
        for metric in metrics
    }


def allocation_on(*, unit: Unit, day: dt.date, year: int, metric: str) -> Allocation:
    """The figures of `year`'s `metric` for the unit and the units directly below it on `day`."""
    return allocations_on(unit=unit, day=day, year=year, metrics=[metric])[metric]


def allocation_revisions(*, allocation: Allocation, year: int, metric: str) -> list[TargetRevision]:
    """The latest changes to the targets of an allocation, newest first."""
    return list(
        TargetRevision.objects.filter(
            target__year=year, target__metric=metric, target__unit_id__in=allocation.unit_ids
        )
        .select_related("target__unit")
        .order_by("-at", "-id")[:REVISIONS_SHOWN]
    )


@dataclass(frozen=True)
class Segment:
    metric: str
    row: ProgressRow  # the unit's progress against the segment's target


def segments_progress(
    *,
    scope: Scope,
    unit: Unit,
    day: dt.date,
    sensitive: bool,
    structure_on: dt.date | None = None,
) -> list[Segment]:
    """Each segment metric with a target for the unit's year: the actual against it (restated in
    the structure of `structure_on`, if given). Ethnic minorities and religious followers only
    when `sensitive`."""
    wanted = [m for m in SEGMENTS if sensitive or m not in SENSITIVE_SEGMENTS]
    targets = dict(
        Target.objects.filter(unit=unit, year=day.year, metric__in=wanted).values_list(
            "metric", "value"
        )
    )
    found = []
    for metric in wanted:
        if metric not in targets:
            continue
        row = progress(
            scope=scope, unit=unit, on=day, metric=metric, depth=0, structure_on=structure_on
        ).unit
        found.append(Segment(metric=metric, row=row))
    return found
