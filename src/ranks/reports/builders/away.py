"""Who works away on a date (R15) as a report: the members and candidates working away from
the unit's cells, with where, since when, the last comment and when the next is due; then how
many under each unit directly below. The CSV is one row per person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ranks.people.models import AbsenceWhere
from ranks.reports import labels
from ranks.reports.builders.frame import frame, iso
from ranks.reports.model import INTEGER, Column, Report, Table

if TYPE_CHECKING:
    from ranks.coverage.away import AwayList, AwayRow

AWAY_KIND_LABELS = {
    "member": gettext_lazy("party member"),
    "candidate": gettext_lazy("candidate"),
}


def away_kind_label(kind: str) -> str:
    return str(AWAY_KIND_LABELS.get(kind, kind))


def where_kind_label(kind: str) -> str:
    """ "abroad", "another province" …; "" for a candidate (the pipeline keeps only the place)."""
    return str(AbsenceWhere(kind).label) if kind in AbsenceWhere.values else ""


def _dd(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day is not None else ""


def _row(r: AwayRow) -> tuple:
    return (
        r.full_name,
        r.person_id,
        away_kind_label(r.kind),
        r.unit_code,
        r.unit_name,
        r.cell_code,
        r.cell_name,
        where_kind_label(r.where_kind),
        r.where,
        _dd(r.since),
        _dd(r.last_comment),
        _dd(r.next_due),
        labels.yes_no(r.overdue),
    )


def away_data(away: AwayList) -> dict:
    """The JSON of the report: codes and ISO dates, no words."""
    return {
        "unit": away.unit_code,
        "name": away.unit_name,
        "on": iso(away.on),
        "members": away.members,
        "candidates": away.candidates,
        "overdue": away.overdue,
        "people": [
            {
                "kind": r.kind,
                "person_id": r.person_id,
                "full_name": r.full_name,
                "unit": r.unit_code,
                "cell": r.cell_code,
                "where_kind": r.where_kind or None,
                "where": r.where,
                "since": iso(r.since),
                "last_comment": iso(r.last_comment),
                "next_due": iso(r.next_due),
                "overdue": r.overdue,
            }
            for r in away.rows
        ],
        "by_unit": [
            {
                "unit": c.code,
                "name": c.name,
                "members": c.members,
                "candidates": c.candidates,
                "overdue": c.overdue,
            }
            for c in away.counts
        ],
    }


def away_report(
    away: AwayList,
    *,
    place: str | None = None,
    issued: dt.date | None = None,
    issuer: str = "",
    number: str = "",
    recipients: Sequence[str] | None = None,
) -> Report:
    """The people working away on the day and the counts under each unit directly below."""
    people = Table(
        caption=_("Working away"),
        columns=(
            Column("name", _("Name")),
            Column("person_id", _("Identifier")),
            Column("kind", _("Member or candidate")),
            Column("unit_code", _("Code of the unit below")),
            Column("unit", _("Unit below")),
            Column("cell_code", _("Cell code")),
            Column("cell", _("Cell")),
            Column("where_kind", _("Working away in")),
            Column("where", _("Where")),
            Column("since", _("Since")),
            Column("last_comment", _("Last comment")),
            Column("next_due", _("Next comment due")),
            Column("overdue", _("Overdue")),
        ),
        rows=tuple(_row(r) for r in away.rows),
    )
    by_unit = Table(
        caption=_("Working away by unit"),
        columns=(
            Column("code", _("Code")),
            Column("name", _("Unit")),
            Column("members", _("Party members"), INTEGER),
            Column("candidates", _("Candidates"), INTEGER),
            Column("total", _("Total"), INTEGER),
            Column("overdue", _("Comment overdue"), INTEGER),
        ),
        rows=tuple(
            (c.code, c.name, c.members, c.candidates, c.total, c.overdue) for c in away.counts
        ),
    )
    notes = (
        _(
            "%(members)s party members and %(candidates)s candidates working away on %(day)s; "
            "the yearly comment is overdue for %(overdue)s."
        )
        % {
            "members": labels.format_number(away.members),
            "candidates": labels.format_number(away.candidates),
            "overdue": labels.format_number(away.overdue),
            "day": _dd(away.on),
        },
        _(
            "A member working away keeps contact with the cell where they live and gets a "
            "yearly comment from it (213-QĐ/TW Art. 5): due twelve months after the start or "
            "the last comment, moved to the next working day for a member."
        ),
    )
    return Report(
        **frame(
            kind="away",
            code=away.unit_code,
            name=away.unit_name,
            title=_("Report on party members and candidates working away"),
            subtitle=_("As of %(date)s") % {"date": labels.day_text(away.on)},
            place=place,
            issued=issued,
            issuer=issuer,
            number=number,
            recipients=recipients,
            sheet_title=_("Working away"),
        ),
        tables=(people, by_unit),
        notes=notes,
        data=away_data(away),
        csv_table=people,
    )
