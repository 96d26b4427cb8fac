"""Writes of targets: setting or revising a unit's target for a year and metric, and splitting a
unit's target among its children; every change audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.audit import Change, audit_record_many
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.org.models import Unit
from ranks.org.selectors import unit_children_on
from ranks.targets.metrics import TERM_METRICS
from ranks.targets.models import Metric, Target, TargetRevision, TermTarget, TermTargetRevision

FIRST_YEAR = 1930  # the party's founding year: no target can be older
YEARS_AHEAD = 10  # beyond next year: a congress term or a long-range plan


def _check_year_and_metric(year: int, metric: str) -> None:
    last_year = today().year + 1 + YEARS_AHEAD
    if not FIRST_YEAR <= year <= last_year:
        raise DomainError(
            _("The year must be between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": last_year},
            field="year",
        )
    if metric not in Metric.values:
        raise DomainError(
            _("Unknown metric: %(metric)s. Allowed: %(allowed)s.")
            % {"metric": metric, "allowed": ", ".join(Metric.values)},
            field="metric",
        )


def allocation_day(year: int) -> dt.date:
    """The date of the tree a year's targets are split on: 1 January of a past year (the units
    that year began with, as its resolutions assigned them), today within the current year or for
    a later one (the units as they stand now, e.g. the communes since the 2025 reform)."""
    now = today()
    return dt.date(year, 1, 1) if year < now.year else now


def target_check(year: int, metric: str, value: int) -> None:
    """The checks of a target's figures that need nothing from the database."""
    _check_year_and_metric(year, metric)
    if value < 0:
        raise DomainError(_("The value must be 0 or more."), field="value")


# A suggested split a change came from: the weight it went by and the value it suggested.
Suggested = tuple[str, int]


def target_apply(
    target: Target,
    old_value: int | None,
    value: int,
    actor: Actor,
    now: dt.datetime,
    reason: str,
    suggested: Suggested | None = None,
) -> TargetRevision:
    """Set the new value on `target` (not saved) and give the revision that records it (its
    target still to be saved)."""
    target.value, target.set_by, target.set_at = value, actor.name, now
    weight, suggested_value = suggested if suggested else ("", None)
    return TargetRevision(
        target=target, old_value=old_value, new_value=value, by=actor.name, at=now,
        reason=reason.strip(), suggested_weight=weight, suggested_value=suggested_value,
    )  # fmt: skip


def target_change(
    unit_code: str,
    target: Target,
    old_value: int | None,
    reason: str,
    suggested: Suggested | None = None,
) -> Change:
    """The audit entry of a changed target."""
    after: dict[str, object] = {"value": target.value, "reason": reason.strip()}
    if suggested:
        after["suggested"] = {"weight": suggested[0], "value": suggested[1]}
    return Change(
        "ranks.targets.target.set",
        "target",
        f"{unit_code}/{target.year}/{target.metric}",
        None if old_value is None else {"value": old_value},
        after,
    )


def target_set(
    *,
    actor: Actor,
    unit_code: str,
    year: int,
    metric: str,
    value: int,
    reason: str = "",
    suggested: Suggested | None = None,
) -> Target:
    """Create or change the target; every change keeps a revision with its reason, and with the
    suggested split it came from when `suggested` is given.

    The import of many targets (`interchange.handlers.targets.TargetsHandler`) makes the same
    checks and writes through the same functions, a batch at a time."""
    target_check(year, metric, value)
    with transaction.atomic():
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise DomainError(
                _("Unknown unit code: %(code)s.") % {"code": unit_code}, field="unit_code"
            )
        target = (
            Target.objects.select_for_update().filter(unit=unit, year=year, metric=metric).first()
        )
        old_value = target.value if target else None
        if target is not None and old_value == value:
            return target
        if target is None:
            target = Target(unit=unit, year=year, metric=metric)
        revision = target_apply(target, old_value, value, actor, timezone.now(), reason, suggested)
        target.save()
        revision.target = target
        revision.save()
        audit_record_many(actor, [target_change(unit.code, target, old_value, reason, suggested)])
    return target


def target_allocate(
    *,
    actor: Actor,
    unit_code: str,
    year: int,
    metric: str,
    values: dict[str, int],
    reason: str = "",
    unit_value: int | None = None,
    suggested_weight: str = "",
    suggested: dict[str, int] | None = None,
) -> list[Target]:
    """Split a unit's target among the units directly below it on `allocation_day(year)`: set
    each child's target in `values` (child code → value) that differs from the stored one, and the
    unit's own target when `unit_value` is given, all or nothing in one transaction. Returns the
    targets changed. Access is the caller's to check: the manager role over the unit, and over its
    parent for `unit_value`.

    A split that came from a suggestion (`targets.suggest`) gives what it went by in
    `suggested_weight` and its value for each child in `suggested`: each child's revision keeps
    them, whether the manager adopted that value or changed it."""
    _check_year_and_metric(year, metric)
    for code, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DomainError(
                _("%(code)s: the value must be a whole number, 0 or more.") % {"code": code},
                field=code,
            )
    if unit_value is not None and (not isinstance(unit_value, int) or unit_value < 0):
        raise DomainError(_("The value must be 0 or more."), field="unit_value")
    day = allocation_day(year)
    with transaction.atomic():
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise DomainError(
                _("Unknown unit code: %(code)s.") % {"code": unit_code}, field="unit_code"
            )
        children = set(unit_children_on(unit, day).values_list("unit__code", flat=True))
        strangers = sorted(set(values) - children)
        if strangers:
            raise DomainError(
                _("Not directly below %(unit)s on %(day)s: %(codes)s.")
                % {
                    "unit": unit_code,
                    "day": day.strftime("%d/%m/%Y"),
                    "codes": ", ".join(strangers),
                },
                field="values",
            )
        stored = dict(
            Target.objects.filter(
                unit__code__in=[unit_code, *values], year=year, metric=metric
            ).values_list("unit__code", "value")
        )
        wanted = dict(sorted(values.items()))
        if unit_value is not None:
            wanted = {unit_code: unit_value, **wanted}
        return [
            target_set(
                actor=actor,
                unit_code=code,
                year=year,
                metric=metric,
                value=value,
                reason=reason,
                suggested=(
                    (suggested_weight, suggested[code])
                    if suggested_weight and suggested and code in suggested
                    else None
                ),
            )
            for code, value in wanted.items()
            if stored.get(code) != value
        ]


def target_delete(
    *, actor: Actor, unit_code: str, year: int, metric: str, reason: str = ""
) -> None:
    """Remove a target with its revisions, audited with its last value and the reason: only to
    undo what made it (a restructure's undo removes the targets it created)."""
    with transaction.atomic():
        target = (
            Target.objects.select_for_update()
            .filter(unit__code=unit_code, year=year, metric=metric)
            .first()
        )
        if target is None:
            return
        value = target.value
        target.delete()
        audit_record_many(
            actor,
            [
                Change(
                    "ranks.targets.target.deleted",
                    "target",
                    f"{unit_code}/{year}/{metric}",
                    {"value": value},
                    {"reason": reason.strip()},
                )
            ],
        )


# A congress term runs five years; a term target spans at most this many years.
TERM_MAX_YEARS = 10


def _check_term(starts_on: dt.date, ends_on: dt.date, metric: str, value: int) -> None:
    last_year = today().year + 1 + YEARS_AHEAD
    if not FIRST_YEAR <= starts_on.year <= last_year:
        raise DomainError(
            _("The term must begin between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": last_year},
            field="starts_on",
        )
    if ends_on <= starts_on:
        raise DomainError(_("The term must end after it begins."), field="ends_on")
    if ends_on.year - starts_on.year > TERM_MAX_YEARS:
        raise DomainError(
            _("A term spans at most %(years)s years.") % {"years": TERM_MAX_YEARS},
            field="ends_on",
        )
    if metric not in TERM_METRICS:
        raise DomainError(
            _("A term target counts admissions. Allowed: %(allowed)s.")
            % {"allowed": ", ".join(TERM_METRICS)},
            field="metric",
        )
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DomainError(_("The value must be 0 or more."), field="value")


def term_target_set(
    *,
    actor: Actor,
    unit_code: str,
    starts_on: dt.date,
    ends_on: dt.date,
    metric: str,
    value: int,
    reason: str = "",
) -> TermTarget:
    """Create or change the unit's target for the congress term from `starts_on` to `ends_on`
    (a term is known by its unit, metric and first day; its last day may be changed). Refused
    when it overlaps another term of the unit for the metric. Every change keeps a revision with
    its reason and is audited."""
    _check_term(starts_on, ends_on, metric, value)
    with transaction.atomic():
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise DomainError(
                _("Unknown unit code: %(code)s.") % {"code": unit_code}, field="unit_code"
            )
        terms = TermTarget.objects.select_for_update().filter(unit=unit, metric=metric)
        clash = (
            terms.exclude(starts_on=starts_on)
            .filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
            .first()
        )
        if clash is not None:
            raise DomainError(
                _("It overlaps the term %(term)s of %(code)s.")
                % {"term": f"{clash.starts_on.year}–{clash.ends_on.year}", "code": unit_code},
                field="starts_on",
            )
        term = terms.filter(starts_on=starts_on).first()
        old_value = term.value if term is not None else None
        old_ends_on = term.ends_on if term is not None else None
        if term is not None and (old_value, old_ends_on) == (value, ends_on):
            return term
        if term is None:
            term = TermTarget(unit=unit, metric=metric, starts_on=starts_on)
        now = timezone.now()
        term.ends_on, term.value, term.set_by, term.set_at = ends_on, value, actor.name, now
        term.save()
        TermTargetRevision.objects.create(
            term=term,
            old_value=old_value,
            new_value=value,
            old_ends_on=old_ends_on,
            new_ends_on=ends_on,
            by=actor.name,
            at=now,
            reason=reason.strip(),
        )
        audit_record_many(
            actor,
            [
                Change(
                    "ranks.targets.term.set",
                    "term_target",
                    f"{unit.code}/{metric}/{starts_on.isoformat()}",
                    None
                    if old_ends_on is None
                    else {"value": old_value, "ends_on": old_ends_on.isoformat()},
                    {"value": value, "ends_on": ends_on.isoformat(), "reason": reason.strip()},
                )
            ],
        )
    return term
