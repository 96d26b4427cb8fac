"""`ranks counters verify|rebuild|fold [--unit CODE]`: check the counters against the records,
recount them, or compact their delta rows (docs/counters.md)."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ranks.core.actor import Actor
from ranks.core.audit import audit_record
from ranks.core.commands import RanksCommand, translated_help
from ranks.core.errors import DomainError
from ranks.counters import services
from ranks.counters.models import (
    COMPOSITION,
    COVERAGE_GROUPS,
    COVERAGE_MEASURES,
    STAGE_SIDES,
    STAGES_ALONE,
    STAGES_BY_SIDE,
)
from ranks.org.models import Unit
from ranks.pipeline.models import Stage
from ranks.reports.labels import (
    area_flag_label,
    dimension_label,
    place_kind_label,
    value_label,
)
from ranks.targets.models import Metric
from ranks.targets.recount import METRIC_OF, verify

DIFFERENT = 1  # exit status of `verify` when the counters and the records differ
SHOWN = 50


def column_label(column: str) -> str:
    """What a column of the counters counts, as the reader of `verify` knows it."""
    if column in METRIC_OF:
        return str(Metric(METRIC_OF[column]).label)
    if column == "members":
        return _("members present")
    if column == "official":
        return _("official members present")
    moves = {
        "transfers_in": _("members transferred in"),
        "transfers_out": _("members transferred out"),
        "leavings": _("members who left"),
    }
    if column in moves:
        return moves[column]
    for stage in STAGES_ALONE:
        if column == f"stage_{stage}":
            return _("candidates at: %(stage)s") % {"stage": Stage(stage).label}
    for stage in STAGES_BY_SIDE:
        for side in STAGE_SIDES:
            if column == f"stage_{stage}_{side}":
                return _("candidates at: %(stage)s (%(side)s)") % {
                    "stage": Stage(stage).label,
                    "side": _("active") if side == "active" else Stage(side).label,
                }
    for dimension, value, name in COMPOSITION:
        if name == column:
            return f"{dimension_label(dimension)}: {value_label(dimension, value)}"
    for group in COVERAGE_GROUPS:
        for measure in COVERAGE_MEASURES:
            if column != f"{group}_{measure}":
                continue
            what = {
                "places": _("places"),
                "members": _("places with a member"),
                "cell": _("places with a cell"),
            }[measure]
            if group.startswith("kind_"):
                return f"{what} ({place_kind_label(group[5:])})"
            if group.startswith("flag_"):
                return f"{what} ({area_flag_label(group[5:])})"
            return what
    return column


class Command(RanksCommand):
    queueable = ("rebuild",)

    @translated_help
    def help(self) -> str:
        return _(
            "verify: recount the admissions, their composition, the members present, the "
            "transfers and leavings, the pipeline's entries and classes, the candidates by "
            "stage and the coverage of "
            "places from the records and list every unit and month (or day) where "
            "the counters differ (exit status 1 if one does). rebuild: recount the "
            "counters from the records. fold: add up each unit and month's delta rows into one. "
            "Needs full access."
        )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "rebuild", "fold"])
        parser.add_argument(
            "--unit", metavar="CODE", help=_("Only this unit and the units ever below it.")
        )

    def run(self, actor: Actor, *args, **options):
        if not actor.has_full_access:  # no --as, or --as an (active) superuser
            raise DomainError(_("The counters are kept for the whole database: full access only."))
        unit = None
        if options.get("unit"):
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise DomainError(
                    _("Unknown unit code: %(code)s.") % {"code": options["unit"]}, field="unit"
                )
        action = options["action"]
        if action == "verify":
            return self.verify(unit)
        if action == "rebuild":
            written = services.rebuild(unit.pk if unit else None)
            audit_record(
                actor,
                "ranks.counters.rebuilt",
                object_type="unit" if unit else "counters",
                object_id=unit.code if unit else "*",
                after={"rows": written},
            )
            self.out(
                ngettext(
                    "Counters rebuilt from the records: %(count)d row.",
                    "Counters rebuilt from the records: %(count)d rows.",
                    written,
                )
                % {"count": written}
            )
            return None
        written = services.fold()
        self.out(
            ngettext(
                "Counters folded: %(count)d row now holds its unit and month.",
                "Counters folded: %(count)d rows now hold their unit and month.",
                written,
            )
            % {"count": written}
        )
        return None

    def verify(self, unit: Unit | None) -> None:
        differences = verify(unit)
        if not differences:
            self.out(_("The counters agree with the records."))
            return
        for d in differences[:SHOWN]:
            self.stdout.write(
                _("%(code)s %(month)s %(column)s: counted %(counted)d, recounted %(recounted)d")
                % {
                    "code": d.code,
                    "month": d.month.strftime("%d/%m/%Y" if d.daily else "%m/%Y"),
                    "column": column_label(d.column),
                    "counted": d.counted,
                    "recounted": d.recounted,
                }
            )
        raise CommandError(
            ngettext(
                "The counters differ from the records in %(count)d place.",
                "The counters differ from the records in %(count)d places.",
                len(differences),
            )
            % {"count": len(differences)},
            returncode=DIFFERENT,
        )
