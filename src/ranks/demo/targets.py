"""Targets for the demo province: each year's admissions target for the provincial committee and
the units under it, set the way committees set them, from what they admitted before.

Past years get a target near the year's result (some units met it, some fell short); the current
year gets last year's result and a little more, and the province a figure a little below the sum
of its children's (so the allocation page shows an over-allocation, as in Hai Duong's 2,200
against 2,233). A few segment targets (farmers, villages and residential groups, women) make the
dashboard's composition against targets meaningful. Every target is set through `target_set`, so
it has its revision and its audit entry.
"""

from __future__ import annotations

import datetime as dt
import random

from ranks.access.scope import Scope
from ranks.core.actor import Actor
from ranks.core.errors import DomainError
from ranks.org.models import UnitVersion
from ranks.targets.progress import progress
from ranks.targets.services import target_set

YEARS_BACK = 2
SEGMENTS = {  # metric → share of the admissions target
    "admissions_farmers": 0.15,
    "admissions_villages": 0.35,
    "admissions_women": 0.4,
}


def _roots_on(day: dt.date) -> list[UnitVersion]:
    return list(
        UnitVersion.objects.valid_on(day)
        .filter(kind__key="provincial_committee")
        .select_related("unit")
    )


def write_targets(*, actor: Actor, today: dt.date, seed: int) -> int:
    """Set the demo's targets; return how many were set."""
    rng = random.Random(f"{seed}:targets:{today.isoformat()}")
    full = Scope(full=True)
    count = 0
    last_actual: dict[str, int] = {}
    for year in range(today.year - YEARS_BACK, today.year + 1):
        end = today if year == today.year else dt.date(year, 12, 31)
        for root in _roots_on(dt.date(year, 1, 1)) or _roots_on(end):
            # A committee dissolved during the year (the 2025 reform) is counted to its last day,
            # and like the current year its target comes from the year before.
            day = min(end, root.valid_to or end)
            current = day != dt.date(year, 12, 31)
            try:
                figures = progress(scope=full, unit=root.unit, on=day, depth=1)
            except DomainError:
                continue
            rows = [r for r in figures.rows if r.depth <= 1]
            children_sum = 0
            reason = (
                f"Nghị quyết Đại hội Đảng bộ, chỉ tiêu năm {year}"
                if not current
                else f"Kế hoạch phát triển đảng viên năm {year}"
            )
            for row in rows[1:]:
                if current:
                    base = last_actual.get(row.code) or round(row.projection)
                    value = max(1, round(base * rng.uniform(1.0, 1.2)))
                else:
                    value = max(1, round(row.actual * rng.uniform(0.85, 1.2)))
                children_sum += value
                target_set(
                    actor=actor, unit_code=row.code, year=year, metric="admissions",
                    value=value, reason=reason,
                )  # fmt: skip
                count += 1
            # The province's own figure is a little under what its children were given.
            province = max(1, round(children_sum * rng.uniform(0.95, 0.99)))
            target_set(
                actor=actor, unit_code=root.unit.code, year=year, metric="admissions",
                value=province, reason=reason,
            )  # fmt: skip
            count += 1
            for metric, share in SEGMENTS.items():
                target_set(
                    actor=actor, unit_code=root.unit.code, year=year, metric=metric,
                    value=max(1, round(province * share)), reason=reason,
                )  # fmt: skip
                count += 1
            for row in rows:
                last_actual[row.code] = row.actual
    return count
