"""The history of a person's dated attributes (occupation, education, ethnicity, religion, Youth
Union membership): how a change is written into it, and how the values on a day are read.

A change "from day D" means: from D on, the values are the new ones. The period in force on the
day before D ends then; periods that began on or after D are replaced (a second change the same
day, or a change back-dated before a later one). A person without any period yet (a person
written by a bulk path) is taken to have held their current values since birth.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from ranks.core import bulk
from ranks.people.models import DATED_FIELDS, PersonAttributes


@dataclass(frozen=True)
class AttributeChange:
    """One person's dated attributes changing from `start`: `before` is None for a new person."""

    person_pk: int
    birth_date: dt.date
    before: dict[str, Any] | None
    after: dict[str, Any]
    start: dt.date


def values_of(obj: Any) -> dict[str, Any]:
    """The dated attributes of a person or a period, as a dict."""
    return {name: getattr(obj, name) for name in DATED_FIELDS}


def attribute_periods_follow(changes: Iterable[AttributeChange]) -> None:
    """Write the changes into the people's histories: four statements however many people
    (their periods read in one query, then the deletions, the new ends and the new periods)."""
    changes = [c for c in changes if c.before is None or c.before != c.after]
    if not changes:
        return
    existing = [c for c in changes if c.before is not None]
    new: list[PersonAttributes] = []
    if existing:
        held: dict[int, list[PersonAttributes]] = defaultdict(list)
        pks = [c.person_pk for c in existing]
        for i in range(0, len(pks), 1000):
            for period in PersonAttributes.objects.filter(person_id__in=pks[i : i + 1000]):
                held[period.person_id].append(period)
        gone: list[int] = []
        ended: list[PersonAttributes] = []
        for c in existing:
            periods = held.get(c.person_pk, [])
            end = c.start - dt.timedelta(days=1)
            if not periods and c.start > c.birth_date:
                # A person kept without history held the values before since birth.
                new.append(
                    PersonAttributes(
                        person_id=c.person_pk,
                        valid_from=c.birth_date,
                        valid_to=end,
                        **(c.before or {}),
                    )
                )
            for period in periods:
                if period.valid_from >= c.start:  # replaced from the day of the change
                    gone.append(period.pk)
                elif period.valid_to is None or period.valid_to >= c.start:
                    period.valid_to = end
                    ended.append(period)
        for i in range(0, len(gone), 1000):
            PersonAttributes.objects.filter(pk__in=gone[i : i + 1000]).delete()
        bulk.update(PersonAttributes, ended, ["valid_to"])
    new += [PersonAttributes(person_id=c.person_pk, valid_from=c.start, **c.after) for c in changes]
    bulk.insert(PersonAttributes, new)


def period_on(periods: list[PersonAttributes], day: dt.date) -> PersonAttributes | None:
    """The period of `periods` (one person's, in order) in force on `day`: the last that began
    on or before it, else the first (the values known earliest)."""
    found = periods[0] if periods else None
    for period in periods:
        if period.valid_from <= day:
            found = period
    return found


def periods_by_person(person_pks: QuerySet[Any, Any]) -> dict[int, list[PersonAttributes]]:
    """The periods of the people a query of person ids selects, in order: one query."""
    found: dict[int, list[PersonAttributes]] = defaultdict(list)
    periods = PersonAttributes.objects.filter(person_id__in=person_pks)
    for period in periods.order_by("person_id", "valid_from"):
        found[period.person_id].append(period)
    return found
