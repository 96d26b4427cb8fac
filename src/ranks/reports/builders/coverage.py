"""From `ranks.coverage` to reports: the coverage of places by party members and cells on a
date with its trend, and the health of every cell under a unit (DESIGN §7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from ranks.org.models import PlaceKind
from ranks.pipeline.norms_text import coverage_line
from ranks.pipeline.rules.norms import CoverageStanding, coverage_standings
from ranks.reports import labels
from ranks.reports.builders.frame import frame, iso, share
from ranks.reports.model import BAR, INTEGER, LINE, NUMBER, Chart, Column, Report, Series, Table

if TYPE_CHECKING:
    from ranks.coverage.health import CellHealth
    from ranks.coverage.selectors import Counts, Coverage


# Coverage


def coverage_data(
    c: Coverage, trend: Sequence[Coverage] = (), structure_on: dt.date | None = None
) -> dict[str, Any]:
    """`Coverage.as_dict()` (unit, on, the totals, by kind, by area flag), the blank places and
    the trend; `structure_on`, the date of the tree the figures are restated in (or null)."""
    return {
        **c.as_dict(),
        "structure_on": iso(structure_on),
        "blank": [
            {
                "code": b.code,
                "name": b.name,
                "kind": b.kind,
                "unit_code": b.unit_code,
                "unit_name": b.unit_name,
                "area_flags": list(b.area_flags),
                "has_members": b.has_members,
                "has_cell": b.has_cell,
            }
            for b in c.blank
        ],
        "trend": [{"on": t.on.isoformat(), **t.totals.as_dict()} for t in trend],
        "norms": [norm_data(s) for s in _standings(c, trend)],
    }


def _standings(c: Coverage, trend: Sequence[Coverage]) -> tuple[CoverageStanding, ...]:
    """The standing from each coverage norm (R17) on the coverage's day, read from the trend
    that ends on it."""
    if not trend or trend[-1].on != c.on:
        return ()
    return coverage_standings(c.on, trend)


def norm_data(s: CoverageStanding) -> dict[str, Any]:
    return {
        "rule": s.norm.rule,
        "what": s.norm.what,
        "kinds": list(s.norm.kinds),
        "year": s.norm.year,
        "document": s.norm.document,
        "clause": s.norm.clause,
        "places": s.places,
        "short": s.short,
        "pace": None if s.pace is None else round(float(s.pace), 2),
        "pace_years": s.pace_years,
        "reached": s.reached,
        "status": s.status,
    }


def _counts_columns(first: str) -> tuple[Column, ...]:
    return (
        Column("value", first),
        Column("total", _("Number of places"), INTEGER),
        Column("without_members", _("Without party members"), INTEGER),
        Column("without_members_share", _("Without party members (%)"), NUMBER),
        Column("without_cell", _("Without a cell"), INTEGER),
        Column("without_cell_share", _("Without a cell (%)"), NUMBER),
    )


def _counts_row(label: str, n: Counts) -> tuple:
    return (
        label,
        n.total,
        n.without_members,
        share(n.without_members, n.total),
        n.without_cell,
        share(n.without_cell, n.total),
    )


def _kind_order(by_kind: Mapping[str, Counts]) -> list[str]:
    known = [k for k in PlaceKind.values if k in by_kind]
    return known + sorted(k for k in by_kind if k not in known)


def _trend_label(day: dt.date) -> str:
    """A year's end is its year; the last point, on the report's date, is that date."""
    return str(day.year) if (day.month, day.day) == (12, 31) else labels.day_text(day)


def coverage_report(
    c: Coverage,
    trend: Sequence[Coverage] = (),
    *,
    place: str | None = None,
    issued: dt.date | None = None,
    issuer: str = "",
    number: str = "",
    recipients: Sequence[str] | None = None,
    listed: bool = True,
) -> Report:
    """Counts by place kind and by area, the places without party members or without a cell
    with their commune, and the trend at each year's end as a line chart. Not `listed` (the
    figures restated in another structure): the units directly below instead of the places,
    and `blank` null in the data."""
    rows = [_counts_row(labels.place_kind_label(k), c.by_kind[k]) for k in _kind_order(c.by_kind)]
    rows.append(_counts_row(_("Total"), c.totals))
    tables = [
        Table(
            caption=_("By place kind"),
            columns=_counts_columns(_("Place kind")),
            rows=tuple(rows),
            strong=(len(rows) - 1,),
        )
    ]
    if c.by_flag:
        # A place may carry several flags: the rows overlap and have no total.
        tables.append(
            Table(
                caption=_("By area"),
                columns=_counts_columns(_("Area")),
                rows=tuple(
                    _counts_row(labels.area_flag_label(f), c.by_flag[f]) for f in sorted(c.by_flag)
                ),
            )
        )
    if not listed and c.by_child:
        tables.append(
            Table(
                caption=_("By unit directly below"),
                columns=_counts_columns(_("Unit")),
                rows=tuple(_counts_row(code, c.by_child[code]) for code in sorted(c.by_child)),
            )
        )
    if c.blank:
        tables.append(
            Table(
                caption=_("Places without party members or without a cell"),
                columns=(
                    Column("unit", _("Commune")),
                    Column("code", _("Code")),
                    Column("name", _("Place")),
                    Column("kind", _("Place kind")),
                    Column("area", _("Area")),
                    Column("has_members", _("Has party members")),
                    Column("has_cell", _("Has a cell")),
                ),
                rows=tuple(
                    (
                        b.unit_name,
                        b.code,
                        b.name,
                        labels.place_kind_label(b.kind),
                        ", ".join(labels.area_flag_label(f) for f in b.area_flags),
                        labels.yes_no(b.has_members),
                        labels.yes_no(b.has_cell),
                    )
                    for b in c.blank
                ),
            )
        )
    t = c.totals
    notes = [
        _(
            "%(total)s places: %(without_members)s without party members (%(members_share)s %%), "
            "%(without_cell)s without a cell (%(cell_share)s %%)."
        )
        % {
            "total": labels.format_number(t.total),
            "without_members": labels.format_number(t.without_members),
            "members_share": labels.plain_number(share(t.without_members, t.total) or 0),
            "without_cell": labels.format_number(t.without_cell),
            "cell_share": labels.plain_number(share(t.without_cell, t.total) or 0),
        },
        _(
            "A place has party members when a member lives or works there; it has a cell when a "
            "cell is based there."
        ),
    ]
    if t.total and not c.blank and listed:
        notes.append(_("Every place has party members and a cell."))
    for standing in _standings(c, trend):
        line = coverage_line(standing)
        notes.append(f"{line.text} ({line.citation})")
    chart = None
    if trend:
        chart = Chart(
            kind=LINE,
            title=_("Places without party members and without a cell at each year's end"),
            categories=tuple(_trend_label(p.on) for p in trend),
            series=(
                Series(_("Without party members"), tuple(p.totals.without_members for p in trend)),
                Series(
                    _("Without a cell"), tuple(p.totals.without_cell for p in trend), dashed=True
                ),
            ),
            category_title=_("Year"),
            value_title=_("Number of places"),
        )
    return Report(
        **frame(
            kind="coverage",
            code=c.code,
            name=c.name,
            title=_(
                "Report on the coverage of party members and party organisations in villages "
                "and residential groups"
            ),
            subtitle=_("As of %(date)s") % {"date": labels.day_text(c.on)},
            place=place,
            issued=issued,
            issuer=issuer,
            number=number,
            recipients=recipients,
            sheet_title=_("Coverage"),
        ),
        tables=tuple(tables),
        chart=chart,
        notes=tuple(notes),
        data={**coverage_data(c, trend), **({} if listed else {"blank": None})},
        csv_table=tables[0],
    )


# Cell health


def cells_data(
    cells: Sequence[CellHealth],
    unit_code: str,
    unit_name: str,
    on: dt.date,
    structure_on: dt.date | None = None,
) -> dict[str, Any]:
    """Per cell `CellHealth.as_dict()` with the name of the unit above it (in the tree of
    `structure_on`, when restated) and the date of the last admission."""
    return {
        "unit": unit_code,
        "name": unit_name,
        "on": on.isoformat(),
        "structure_on": iso(structure_on),
        "cells": [
            {
                **h.as_dict(),
                "parent_name": h.parent_name,
                "last_admission": h.last_admission.isoformat() if h.last_admission else None,
            }
            for h in cells
        ],
    }


def _findings(h: CellHealth) -> str:
    return "; ".join(labels.cell_flag_label(f) for f in h.flags)


def _cell_values(h: CellHealth) -> tuple:
    return (
        h.official_members,
        h.probationary_members,
        h.share_over_60,
        h.years_since_last_admission,
        h.candidates,
        h.away_recorded,
        h.working_away,
        labels.yes_no(h.seconded_secretary),
        _findings(h),
    )


def _cell_columns() -> tuple[Column, ...]:
    return (
        Column("official", _("Official members"), INTEGER),
        Column("probationary", _("Probationary members"), INTEGER),
        Column("over_60", _("Over 60 (%)"), NUMBER),
        Column("since_admission", _("Years since the last admission"), INTEGER),
        Column("candidates", _("Candidates"), INTEGER),
        Column("away_recorded", _("Away, recorded"), INTEGER),
        Column("working_away", _("Away by workplace"), INTEGER),
        Column("seconded_secretary", _("Seconded secretary")),
        Column("findings", _("Findings")),
    )


def cells_report(
    cells: Sequence[CellHealth],
    unit_code: str,
    unit_name: str,
    on: dt.date,
    *,
    place: str | None = None,
    issued: dt.date | None = None,
    issuer: str = "",
    number: str = "",
    recipients: Sequence[str] | None = None,
) -> Report:
    """Every cell under the unit, grouped under the unit above it, with its findings; how many
    cells each finding concerns, as a table and a bar chart. The CSV is one row per cell."""
    rows: list[tuple] = []
    levels: list[int] = []
    strong: list[int] = []
    parent: tuple[str | None, str] | None = None
    for h in cells:
        if (h.parent_code, h.parent_name) != parent:
            parent = (h.parent_code, h.parent_name)
            strong.append(len(rows))
            rows.append((h.parent_code, h.parent_name) + (None,) * 7 + ("", ""))
            levels.append(0)
        rows.append((h.code, h.name, *_cell_values(h)))
        levels.append(1)
    identity = (Column("code", _("Code")), Column("name", _("Cell")))
    table = Table(
        caption=_("Party cells"),
        columns=identity + _cell_columns(),
        rows=tuple(rows),
        levels=tuple(levels),
        strong=tuple(strong),
    )
    csv_table = Table(
        caption=_("Party cells"),
        columns=(
            *identity,
            Column("parent_code", _("Code of the unit above")),
            Column("parent_name", _("Unit above")),
            *_cell_columns(),
        ),
        rows=tuple((h.code, h.name, h.parent_code, h.parent_name, *_cell_values(h)) for h in cells),
    )
    flags = list(labels.CELL_FLAG_LABELS)
    flags += sorted({f for h in cells for f in h.flags} - set(flags))
    counted = {f: sum(1 for h in cells if f in h.flags) for f in flags}
    by_flag = Table(
        caption=_("Cells by finding"),
        columns=(
            Column("finding", _("Finding to check")),
            Column("cells", _("Number of cells"), INTEGER),
            Column("share", _("Share of the cells (%)"), NUMBER),
        ),
        rows=tuple(
            (labels.cell_flag_label(f), counted[f], share(counted[f], len(cells))) for f in flags
        ),
    )
    chart = None
    if cells:
        chart = Chart(
            kind=BAR,
            title=_("Cells by finding"),
            categories=tuple(labels.cell_flag_label(f) for f in flags),
            series=(Series(_("Number of cells"), tuple(counted[f] for f in flags)),),
            category_title=_("Finding to check"),
        )
    notes = (
        _("%(cells)s cells; %(flagged)s with at least one finding.")
        % {
            "cells": labels.format_number(len(cells)),
            "flagged": labels.format_number(sum(1 for h in cells if h.flags)),
        },
        _(
            "Members of a cell include those seconded to it. Away, recorded: members recorded "
            "as working away on the date. Away by workplace: members whose workplace lies "
            "outside the cell's commune."
        ),
    )
    return Report(
        **frame(
            kind="cells",
            code=unit_code,
            name=unit_name,
            title=_("Report on the quality of party cells"),
            subtitle=_("As of %(date)s") % {"date": labels.day_text(on)},
            place=place,
            issued=issued,
            issuer=issuer,
            number=number,
            recipients=recipients,
            sheet_title=_("Party cells"),
        ),
        tables=(table, by_flag),
        chart=chart,
        notes=notes,
        data=cells_data(cells, unit_code, unit_name, on),
        csv_table=csv_table,
    )
