"""Reads of the counters: the cost is the units asked times the months asked."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from django.db.models import Sum

from ranks.counters.models import COLUMNS, AdmissionCount
from ranks.counters.rollup import Key, Vector, counts_of

ZERO: Vector = (0,) * len(COLUMNS)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def admissions_by_month(
    unit_ids: Collection[int], first: dt.date, last: dt.date
) -> dict[int, dict[dt.date, Vector]]:
    """For each unit: the counts of each month from `first`'s month to `last`'s (months with
    nothing left out), in the order of `COLUMNS`. One query."""
    found: dict[int, dict[dt.date, Vector]] = defaultdict(dict)
    if not unit_ids:
        return found
    rows = (
        AdmissionCount.objects.filter(
            unit_id__in=list(unit_ids), month__gte=month_of(first), month__lte=month_of(last)
        )
        .values("unit_id", "month")
        .annotate(**{f"s_{c}": Sum(c) for c in COLUMNS})
        .order_by()
    )
    for row in rows:
        values = tuple(int(row[f"s_{c}"] or 0) for c in COLUMNS)
        if any(values):
            found[row["unit_id"]][row["month"]] = values
    return found


def decided_after_in_month(unit_ids: Collection[int], day: dt.date) -> dict[int, Vector]:
    """What the counters of `day`'s month hold for admissions decided after `day`: to take away
    for a figure on `day` that is not a month end. Reads the admissions of those few days in
    the whole database (through the index on the decision date), not the units' members."""
    from ranks.people.models import Membership

    end = (month_of(day) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    if day >= end:
        return {}
    ids = Membership.objects.filter(
        admission_decision_date__gt=day, admission_decision_date__lte=end
    ).values_list("pk", flat=True)
    counts: dict[Key, Vector] = counts_of(list(ids))
    wanted = set(unit_ids)
    month = month_of(day)
    return {unit_id: v for (unit_id, m), v in counts.items() if m == month and unit_id in wanted}


def members_on(unit_ids: Collection[int], day: dt.date) -> dict[int, int]:
    """Party members (probationary or official) below each unit on `day`, the first day of a
    month: the sum of the presence deltas of the months before it. One query."""
    if day.day != 1:
        raise ValueError("members_on counts on the first day of a month")
    found: dict[int, int] = defaultdict(int)
    if not unit_ids:
        return found
    rows = (
        AdmissionCount.objects.filter(unit_id__in=list(unit_ids), month__lt=day)
        .values("unit_id")
        .annotate(n=Sum("members"))
        .order_by()
    )
    for row in rows:
        found[row["unit_id"]] = int(row["n"] or 0)
    return found
