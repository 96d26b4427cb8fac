"""Reports that read sensitive data: who may see which counts, and the audit entry they leave."""

from __future__ import annotations

import datetime as dt

from ranks.access.scope import scope_for
from ranks.core.actor import Actor
from ranks.core.audit import audit_record
from ranks.org.models import Unit
from ranks.targets.progress import composition
from ranks.targets.results import SENSITIVE_DIMENSIONS, Composition


def report_shows_sensitive(*, actor: Actor, unit: Unit) -> bool:
    """Ethnicity and religion only under a sensitive grant that covers the unit."""
    return scope_for(actor, sensitive=True).covers(unit.pk)


def report_composition(
    *,
    actor: Actor,
    unit: Unit,
    start: dt.date,
    end: dt.date,
    structure_on: dt.date | None = None,
) -> Composition:
    """The composition of the admissions under `unit` that `actor` may see, with ethnicity and
    religion when a sensitive grant covers the unit; reading those is audited."""
    sensitive = report_shows_sensitive(actor=actor, unit=unit)
    scope = scope_for(actor, sensitive=True) if sensitive else scope_for(actor)
    result = composition(
        scope=scope, unit=unit, start=start, end=end, sensitive=sensitive,
        structure_on=structure_on,
    )  # fmt: skip
    if result.sensitive:
        audit_record(
            actor,
            "ranks.reports.composition.sensitive_read",
            object_type="unit",
            object_id=unit.code,
            after={
                "from": start.isoformat(),
                "to": end.isoformat(),
                **({"structure_on": structure_on.isoformat()} if structure_on else {}),
                "dimensions": [d for d in SENSITIVE_DIMENSIONS if d in result.by],
            },
        )
    return result
