"""Importing admission targets: a manager's figures for the units below."""

from __future__ import annotations

from functools import partial

from django.utils import timezone
from django.utils.translation import gettext as _

from ranks.core import bulk
from ranks.core.audit import audit_record_many
from ranks.core.errors import DomainError
from ranks.interchange.engine import Reject, Row, run_row
from ranks.interchange.handlers.base import Handler, write_and_tell
from ranks.org.models import Unit
from ranks.targets.models import Target, TargetRevision
from ranks.targets.services import target_apply, target_change, target_check, target_set

REASON = "import"


class TargetsHandler(Handler):
    """Targets a batch at a time: three queries to check a batch, bulk statements to write it
    (the targets, a revision for each change, the audit), with the checks of `target_set`."""

    role = "manager"
    batch_size = 1000

    def handle(self, rows: list[Row]) -> None:
        ctx = self.ctx
        codes = {row.values["unit_code"] for row in rows}
        units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
        visible = None
        if not ctx.scope.full:
            visible = set(
                ctx.scope.units(Unit.objects.filter(code__in=codes)).values_list("code", flat=True)
            )
        stored = {
            (t.unit_id, t.year, t.metric): t
            for t in Target.objects.filter(
                unit__in=list(units.values()),
                year__in={row.values["year"] for row in rows},
                metric__in={row.values["metric"] for row in rows},
            )
        }
        now = timezone.now()
        creates: list[Target] = []
        updates: list[Target] = []
        revisions: list[TargetRevision] = []
        changes = []
        for row in rows:
            values = row.values
            code = values["unit_code"]
            try:
                unit = units.get(code)
                if unit is None or (visible is not None and code not in visible):
                    raise Reject("unit_code", _("Unknown unit code: %(code)s.") % {"code": code})
                target_check(values["year"], values["metric"], values["value"])
            except Reject as reject:
                ctx.error(row, reject.column, reject.message)
                continue
            except DomainError as error:
                ctx.error(row, error.field or "unit_code", str(error))
                continue
            target = stored.get((unit.pk, values["year"], values["metric"]))
            old_value = target.value if target else None
            if old_value == values["value"]:
                ctx.outcome("unchanged")
                continue
            if target is None:
                target = Target(unit=unit, year=values["year"], metric=values["metric"])
                creates.append(target)
                ctx.outcome("created")
            else:
                updates.append(target)
                ctx.outcome("updated")
            revisions.append(
                target_apply(target, old_value, values["value"], ctx.actor, now, REASON)
            )
            changes.append(target_change(code, target, old_value, REASON))
        if not ctx.result.ok:
            return  # the import will be rolled back: save the work
        bulk.insert(Target, creates)
        bulk.update(Target, updates, ["value", "set_by", "set_at"])
        for revision in revisions:
            revision.target = revision.target  # the target's new primary key
        bulk.insert(TargetRevision, revisions)
        audit_record_many(ctx.actor, changes)


class TargetsRowHandler(Handler):
    role = "manager"

    def handle(self, rows: list[Row]) -> None:
        for row in rows:
            run_row(self.ctx, row, partial(self.write, row))

    def write(self, row: Row) -> str:
        unit = self.unit_in_scope(row.values["unit_code"], "unit_code")
        existed = Target.objects.filter(
            unit=unit, year=row.values["year"], metric=row.values["metric"]
        ).exists()
        return write_and_tell(
            existed,
            lambda: target_set(
                actor=self.ctx.actor,
                unit_code=unit.code,
                year=row.values["year"],
                metric=row.values["metric"],
                value=row.values["value"],
                reason=REASON,
            ),
        )
