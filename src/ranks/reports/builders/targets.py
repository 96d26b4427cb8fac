"""From the results of `ranks.targets.progress` to reports: progress, composition and the
admission ratio."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.utils.translation import gettext as _

from ranks.pipeline.findings_text import rule_citation
from ranks.reports import labels
from ranks.reports.builders.frame import frame, iso, rounded, share, whole
from ranks.reports.model import (
    BAR,
    INTEGER,
    LINE,
    NUMBER,
    PERCENT,
    TEXT,
    Chart,
    Column,
    Report,
    Series,
    Table,
)
from ranks.targets.results import (
    AT_RISK,
    BEHIND,
    Composition,
    Progress,
    ProgressRow,
    Ratio,
    RatioRow,
    TermProgress,
)

RATIO_DECIMALS = 2  # ratios sit near the 3–4 % norm: one decimal would hide which side


# Progress


def _gap(row: ProgressRow) -> int | None:
    """The actual less the expected figure, both whole people, so that the columns add up."""
    expected = whole(row.expected)
    return None if expected is None else row.actual - expected


def progress_row_data(row: ProgressRow) -> dict[str, Any]:
    """A unit's progress; counts of people (expected, gap, projection) as whole numbers."""
    return {
        "code": row.code,
        "name": row.name,
        "metric": row.metric,
        "target": row.target,
        "actual": row.actual,
        "percent": rounded(row.percent),
        "expected": whole(row.expected),
        "gap": _gap(row),
        "projection": whole(row.projection),
        "forecast": whole(row.forecast),
        "forecast_low": whole(row.forecast_low),
        "forecast_high": whole(row.forecast_high),
        "forecast_pipeline": whole(row.forecast_pipeline),
        "status": row.status,
        "depth": row.depth,
        "parent_code": row.parent_code,
    }


def progress_data(p: Progress) -> dict[str, Any]:
    return {
        "unit": p.code,
        "metric": p.metric,
        "year": p.year,
        "on": p.on.isoformat(),
        "structure_on": iso(p.structure_on),
        "rows": [progress_row_data(r) for r in p.rows],
        "terms": [t.as_dict() for t in p.terms],
    }


def term_note(t: TermProgress) -> str:
    """A term target's line, as the dashboard shows it: "Term 2020–2025: 412 of 500, counted
    from 01/01/2020 to 30/06/2024", and its yearly targets against it."""
    text = _("Term %(term)s: %(actual)s of %(target)s") % {
        "term": t.label,
        "actual": t.actual,
        "target": t.target,
    }
    text += ", " + _("counted from %(start)s to %(through)s") % {
        "start": labels.day_text(t.starts_on),
        "through": labels.day_text(t.through),
    }
    text += "."
    if t.years:
        span = {"first": t.years[0], "last": t.years[-1], "total": t.yearly_total}
        if t.yearly_short:
            text += " " + _(
                "The yearly targets of %(first)s–%(last)s add up to %(total)s: %(short)s short "
                "of the term's %(target)s."
            ) % {**span, "short": t.yearly_short, "target": t.target}
        else:
            text += " " + _(
                "The yearly targets of %(first)s–%(last)s add up to %(total)s, reaching the "
                "term's %(target)s."
            ) % {**span, "target": t.target}
    return text


def progress_report(
    p: Progress,
    *,
    depth: int | None = None,
    place: str | None = None,
    issued: dt.date | None = None,
    issuer: str = "",
    number: str = "",
    recipients: Sequence[str] | None = None,
) -> Report:
    """The unit and the units below it down to `depth` levels (None: all of them; a province's
    cells run to a thousand rows, so a printed report usually wants 1, its direct children)."""
    if depth is not None:
        p = replace(p, rows=tuple(r for r in p.rows if r.depth <= depth))
    metric = labels.metric_label(p.metric)
    columns = (
        Column("code", _("Code")),
        Column("name", _("Unit")),
        Column("target", _("Target"), INTEGER),
        Column("actual", _("Actual"), INTEGER),
        Column("percent", _("Achieved (%)"), PERCENT),
        Column("expected", _("Expected by the date"), INTEGER),
        Column("gap", _("Gap"), INTEGER),
        Column("projection", _("Year-end projection"), INTEGER),
        Column("forecast", _("Forecast"), INTEGER),
        Column("forecast_low", _("Low"), INTEGER),
        Column("forecast_high", _("High"), INTEGER),
        Column("status", _("Status")),
    )
    rows = tuple(
        (
            r.code,
            r.name,
            r.target,
            r.actual,
            rounded(r.percent),
            whole(r.expected),
            _gap(r),
            whole(r.projection),
            whole(r.forecast),
            whole(r.forecast_low),
            whole(r.forecast_high),
            labels.status_label(r.status),
        )
        for r in p.rows
    )
    table = Table(
        caption=_("Progress by unit"),
        columns=columns,
        rows=rows,
        levels=tuple(r.depth for r in p.rows),
        strong=(0,) if rows else (),
    )
    notes = [
        _(
            "Expected: what the pace of past years expects by the date (an even pace through "
            "the year for a unit without that history). Projection: the year-end figure at the "
            "unit's pace."
        ),
        _(
            "Forecast: expected by 31 December, low to high. On track: the low end reaches the "
            "target; behind: the high end does not."
        ),
    ]
    for status, text in (
        (BEHIND, _("Behind: %(units)s.")),
        (AT_RISK, _("At risk: %(units)s.")),
    ):
        names = [r.name for r in p.rows[1:] if r.status == status]
        if names:
            notes.append(text % {"units": ", ".join(names)})
    notes += [term_note(t) for t in p.terms]
    chart = None
    if p.curve:
        chart = Chart(
            kind=LINE,
            title=_("Cumulative %(metric)s against the expected pace") % {"metric": metric},
            categories=tuple(labels.month_label(point.day) for point in p.curve),
            series=(
                Series(_("Actual"), tuple(point.actual for point in p.curve)),
                Series(
                    _("Expected pace"),
                    tuple(whole(point.expected) for point in p.curve),
                    dashed=True,
                ),
            ),
            category_title=_("Month"),
        )
    return Report(
        **frame(
            kind="progress",
            code=p.code,
            name=p.name,
            title=_("Progress report: %(metric)s in %(year)s") % {"metric": metric, "year": p.year},
            subtitle=_("As of %(date)s") % {"date": labels.day_text(p.on)},
            place=place,
            issued=issued,
            issuer=issuer,
            number=number,
            recipients=recipients,
            sheet_title=_("Progress"),
        ),
        tables=(table,),
        chart=chart,
        notes=tuple(notes),
        data=progress_data(p),
    )


# Composition


def composition_data(c: Composition) -> dict[str, Any]:
    return {
        "unit": c.code,
        "from": c.start.isoformat(),
        "to": c.end.isoformat(),
        "structure_on": iso(c.structure_on),
        "total": c.total,
        "by": {d: dict(c.by[d]) for d in labels.dimension_order(c.by)},
    }


def _dimension_table(c: Composition, dimension: str) -> Table:
    counts = c.by[dimension]
    name = labels.dimension_label(dimension)
    rows = [
        (labels.value_label(dimension, v), counts[v], share(counts[v], c.total))
        for v in labels.value_order(dimension, counts)
    ]
    counted = sum(counts.values())
    rows.append((_("Total"), counted, share(counted, c.total)))
    return Table(
        caption=_("By %(dimension)s") % {"dimension": name},
        columns=(
            Column("value", name[:1].upper() + name[1:]),
            Column("count", _("Number"), INTEGER),
            Column("share", _("Share (%)"), NUMBER),
        ),
        rows=tuple(rows),
        strong=(len(rows) - 1,),
    )


def composition_report(
    c: Composition,
    *,
    place: str | None = None,
    issued: dt.date | None = None,
    issuer: str = "",
    number: str = "",
    recipients: Sequence[str] | None = None,
) -> Report:
    dimensions = labels.dimension_order(c.by)
    tables = tuple(_dimension_table(c, d) for d in dimensions)
    long_rows = tuple(
        (
            labels.dimension_label(d),
            labels.value_label(d, v),
            c.by[d][v],
            share(c.by[d][v], c.total),
        )
        for d in dimensions
        for v in labels.value_order(d, c.by[d])
    )
    csv_table = Table(
        caption=_("Composition of new party members"),
        columns=(
            Column("dimension", _("Criterion")),
            Column("value", _("Value")),
            Column("count", _("Number"), INTEGER),
            Column("share", _("Share (%)"), NUMBER),
        ),
        rows=long_rows,
    )
    chart = None
    charted = (
        "occupation" if c.by.get("occupation") else next((d for d in dimensions if c.by[d]), None)
    )
    if charted is not None:
        order = labels.value_order(charted, c.by[charted])
        chart = Chart(
            kind=BAR,
            title=_("By %(dimension)s") % {"dimension": labels.dimension_label(charted)},
            categories=tuple(labels.value_label(charted, v) for v in order),
            series=(Series(_("Number"), tuple(c.by[charted][v] for v in order)),),
            category_title=labels.dimension_label(charted),
        )
    return Report(
        **frame(
            kind="composition",
            code=c.code,
            name=c.name,
            title=_("Report on the composition of new party members"),
            subtitle=_("Admitted from %(start)s to %(end)s")
            % {"start": labels.day_text(c.start), "end": labels.day_text(c.end)},
            place=place,
            issued=issued,
            issuer=issuer,
            number=number,
            recipients=recipients,
            sheet_title=_("Composition"),
        ),
        tables=tables,
        chart=chart,
        notes=(_("Total admitted: %(total)s.") % {"total": c.total},),
        data=composition_data(c),
        csv_table=csv_table,
    )


# Admission ratio


def ratio_row_data(row: RatioRow) -> dict[str, Any]:
    return {**row.as_dict(), "ratio": rounded(row.ratio, RATIO_DECIMALS)}


def ratio_data(r: Ratio) -> dict[str, Any]:
    return {
        "unit": r.code,
        "year": r.year,
        "structure_on": iso(r.structure_on),
        "ratio": ratio_row_data(r.unit),
        "siblings": [ratio_row_data(s) for s in r.siblings],
        "children": [ratio_row_data(s) for s in r.children],
        "norm": None
        if r.norm is None
        else {
            "rule": "R16",
            "low": r.norm[0],
            "high": r.norm[1],
            "document": r.norm_document,
            "clause": r.norm_clause,
        },
    }


def _norm_text(norm: tuple[float, float]) -> dict[str, str]:
    return {"low": labels.plain_number(norm[0]), "high": labels.plain_number(norm[1])}


def _within_title(r: Ratio) -> str:
    if r.norm is None:
        return _("Within the norm")
    return _("Within %(low)s–%(high)s %%") % _norm_text(r.norm)


def ratio_norm_note(r: Ratio) -> str:
    """R16 as the year's admissions were held to it, with its document; or that none was."""
    if r.norm is None:
        return _("No admission norm was in force in %(year)s.") % {"year": r.year}
    return _(
        "The norm: admissions each year of %(low)s–%(high)s %% of the members at its start "
        "(%(rule)s)."
    ) % {**_norm_text(r.norm), "rule": rule_citation("R16", r.norm_document, r.norm_clause)}


def _ratio_table(caption: str, rows: tuple[RatioRow, ...], r: Ratio) -> Table:
    columns = (
        Column("code", _("Code")),
        Column("name", _("Unit")),
        Column("admissions", _("Admissions"), INTEGER),
        Column("members_at_start", _("Members on 1 January"), INTEGER),
        Column("ratio", _("Ratio (%)"), PERCENT, decimals=RATIO_DECIMALS),
        Column("rank", _("Rank"), INTEGER),
        Column("within_norm", _within_title(r), TEXT),
    )
    return Table(
        caption=caption,
        columns=columns,
        rows=tuple(
            (
                s.code,
                s.name,
                s.admissions,
                s.members_at_start,
                rounded(s.ratio, RATIO_DECIMALS),
                s.rank,
                labels.yes_no(s.within_norm),
            )
            for s in rows
        ),
        strong=tuple(i for i, s in enumerate(rows) if s.code == r.code),
    )


def ratio_report(
    r: Ratio,
    *,
    place: str | None = None,
    issued: dt.date | None = None,
    issuer: str = "",
    number: str = "",
    recipients: Sequence[str] | None = None,
) -> Report:
    tables = [_ratio_table(_("Ranking among units at the same level"), r.siblings, r)]
    if r.children:
        tables.append(_ratio_table(_("Units below"), r.children, r))
    notes = [ratio_norm_note(r)]
    if r.unit.rank is not None:
        notes.append(
            _("%(name)s ranks %(rank)s of %(count)s units at the same level.")
            % {"name": r.name, "rank": r.unit.rank, "count": len(r.siblings)}
        )
    return Report(
        **frame(
            kind="ratio",
            code=r.code,
            name=r.name,
            title=_("Report on the admission ratio in %(year)s") % {"year": r.year},
            subtitle=_("Admissions in %(year)s over the party members on 1 January %(year)s")
            % {"year": r.year},
            place=place,
            issued=issued,
            issuer=issuer,
            number=number,
            recipients=recipients,
            sheet_title=_("Admission ratio"),
        ),
        tables=tuple(tables),
        notes=tuple(notes),
        data=ratio_data(r),
    )
