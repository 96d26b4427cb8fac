"""From `pipeline.selectors.funnel` to a report: the pipeline funnel of a unit over a period, its
conversion by source group side by side, and the candidates stuck longer than usual."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from ranks.pipeline.stages import Stage
from ranks.reports import labels
from ranks.reports.builders.frame import frame
from ranks.reports.model import BAR, INTEGER, NUMBER, TEXT, Chart, Column, Report, Series, Table

if TYPE_CHECKING:
    from ranks.pipeline.rules.funnel import StageFigures
    from ranks.pipeline.selectors.funnel import Funnel, Stuck


def stage_label(stage: str) -> str:
    return str(Stage(stage).label)


def group_label(group: str) -> str:
    return labels.value_label("source_group", group)


def funnel_notes(funnel: Funnel) -> tuple[str, ...]:
    """How the figures are counted, in the words the page and the report share."""
    return (
        _(
            "Entered: candidates whose first event of the stage falls between %(start)s and "
            "%(end)s. Went further: those of them who reached a later stage (removal aside) by "
            "%(end)s, the last day of the period."
        )
        % {"start": labels.day_text(funnel.start), "end": labels.day_text(funnel.end)},
        _(
            "Days in a stage: from its first day to the next stage recorded, for the stays that "
            "ended in the period; the median is the middle stay, the 90th percentile the stay "
            "that 9 in 10 did not exceed."
        ),
        _(
            "Stuck: an active candidate (not working away, paused, handed over, withdrawn or "
            "found ineligible) who on the last day of the period has been in a stage before the "
            "ceremony longer than the unit's 90th percentile for that stage."
        ),
        _("The candidates counted are those of the cells below the unit on the period's last day."),
    )


def funnel_data(funnel: Funnel, stuck: Stuck) -> dict[str, Any]:
    def stages(figures: Sequence[StageFigures]) -> list[dict[str, Any]]:
        return [
            {
                "stage": f.stage,
                "entered": f.entered,
                "went_further": f.moved_on,
                "conversion": f.conversion,
                "stays_ended": f.stays,
                "median_days": f.median_days,
                "p90_days": f.usual_days,
            }
            for f in figures
        ]

    return {
        "unit": funnel.unit_code,
        "name": funnel.unit_name,
        "from": funnel.start.isoformat(),
        "to": funnel.end.isoformat(),
        "source_group": funnel.group or None,
        "stages": stages(funnel.stages),
        "by_source_group": [
            {"source_group": g, "stages": stages(figures)} for g, figures in funnel.by_group
        ],
        "usual_days": funnel.usual,
        "stuck_total": stuck.total,
        "stuck": [
            {
                "person_id": r.person_id,
                "full_name": r.full_name,
                "cell": r.cell_code,
                "cell_name": r.cell_name,
                "source_group": r.source_group,
                "stage": r.stage,
                "since": r.since.isoformat(),
                "days": r.days,
                "usual_days": r.usual_days,
            }
            for r in stuck.rows
        ],
    }


def entries_chart(funnel: Funnel) -> Chart:
    return Chart(
        kind=BAR,
        title=_("Candidates entering each stage"),
        categories=tuple(stage_label(f.stage) for f in funnel.stages),
        series=(Series(_("Entered in the period"), tuple(f.entered for f in funnel.stages)),),
        category_title=_("Stage"),
        value_title=_("Candidates"),
    )


def funnel_report(
    funnel: Funnel,
    stuck: Stuck,
    *,
    place: str | None = None,
    issued: dt.date | None = None,
    issuer: str = "",
    number: str = "",
    recipients: Sequence[str] | None = None,
) -> Report:
    """The funnel by stage (the CSV), conversion by source group side by side, the stuck
    candidates with their cells, and the entries as a bar chart."""
    stages = Table(
        caption=_("By stage"),
        columns=(
            Column("stage", _("Stage")),
            Column("entered", _("Entered"), INTEGER),
            Column("went_further", _("Went further"), INTEGER),
            Column("conversion", _("Went further (%)"), NUMBER),
            Column("median_days", _("Median days in the stage"), INTEGER),
            Column("p90_days", _("90th percentile of days"), INTEGER),
        ),
        rows=tuple(
            (
                stage_label(f.stage),
                f.entered,
                f.moved_on,
                f.conversion,
                f.median_days,
                f.usual_days,
            )
            for f in funnel.stages
        ),
    )
    by_group = Table(
        caption=_("Went further (%) by source group"),
        columns=(
            Column("stage", _("Stage")),
            *(Column(g or "none", group_label(g), NUMBER) for g, _f in funnel.by_group),
        ),
        rows=tuple(
            (
                stage_label(stage),
                *(figures[i].conversion for _g, figures in funnel.by_group),
            )
            for i, stage in enumerate(f.stage for f in funnel.stages)
        ),
    )
    stuck_table = Table(
        caption=_("Candidates stuck longer than usual"),
        columns=(
            Column("person_id", _("Code")),
            Column("name", _("Full name")),
            Column("cell", _("Cell")),
            Column("group", _("Source group")),
            Column("stage", _("Stage")),
            Column("since", _("Since"), TEXT),
            Column("days", _("Days in the stage"), INTEGER),
            Column("usual", _("Usual days (90th percentile)"), INTEGER),
        ),
        rows=tuple(
            (
                r.person_id,
                r.full_name,
                r.cell_name,
                group_label(r.source_group),
                stage_label(r.stage),
                labels.day_text(r.since),
                r.days,
                r.usual_days,
            )
            for r in stuck.rows
        ),
    )
    notes = list(funnel_notes(funnel))
    if funnel.group:
        notes.insert(0, _("Source group: %(group)s.") % {"group": group_label(funnel.group)})
    if stuck.total > len(stuck.rows):
        notes.append(
            _("%(shown)s of the %(total)s stuck candidates are listed.")
            % {
                "shown": labels.format_number(len(stuck.rows)),
                "total": labels.format_number(stuck.total),
            }
        )
    return Report(
        **frame(
            kind="funnel",
            code=funnel.unit_code,
            name=funnel.unit_name,
            title=_("Report on the pipeline of party member development"),
            subtitle=_("From %(start)s to %(end)s")
            % {"start": labels.day_text(funnel.start), "end": labels.day_text(funnel.end)},
            place=place,
            issued=issued,
            issuer=issuer,
            number=number,
            recipients=recipients,
            sheet_title=_("Pipeline funnel"),
        ),
        tables=(stages, by_group, stuck_table),
        chart=entries_chart(funnel),
        notes=tuple(notes),
        data=funnel_data(funnel, stuck),
        csv_table=stages,
    )
