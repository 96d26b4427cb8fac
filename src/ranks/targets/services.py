"""Writes of targets: setting or revising a unit's target for a year and metric, audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ranks.core.actor import Actor
from ranks.core.audit import audit_record
from ranks.core.clock import today
from ranks.core.errors import DomainError
from ranks.org.models import Unit
from ranks.targets.models import Metric, Target, TargetRevision

FIRST_YEAR = 1930  # the party's founding year: no target can be older
YEARS_AHEAD = 10  # beyond next year: a congress term or a long-range plan


def target_set(
    *, actor: Actor, unit_code: str, year: int, metric: str, value: int, reason: str = ""
) -> Target:
    """Create or change the target; every change keeps a revision with its reason."""
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
    if value < 0:
        raise DomainError(_("The value must be 0 or more."), field="value")
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
        if old_value == value:
            return target
        now = timezone.now()
        if target is None:
            target = Target(unit=unit, year=year, metric=metric)
        target.value, target.set_by, target.set_at = value, actor.name, now
        target.save()
        TargetRevision.objects.create(
            target=target,
            old_value=old_value,
            new_value=value,
            by=actor.name,
            at=now,
            reason=reason.strip(),
        )
        audit_record(
            actor,
            "ranks.targets.target.set",
            object_type="target",
            object_id=f"{unit.code}/{year}/{metric}",
            before=None if old_value is None else {"value": old_value},
            after={"value": value, "reason": reason.strip()},
        )
    return target
