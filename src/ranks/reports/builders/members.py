"""The member register of a unit as a report: one row per member present on the day, in the
order of the page (by cell, then name), for CSV and Excel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ranks.reports import labels
from ranks.reports.builders.frame import frame
from ranks.reports.model import INTEGER, Column, Report, Table

if TYPE_CHECKING:
    from ranks.people.selectors import RegisterFilters, RegisterRow

MEMBER_STATUS_LABELS = {
    "official": gettext_lazy("official member"),
    "probationary": gettext_lazy("probationary member"),
}


def members_report(
    rows: Sequence[RegisterRow],
    unit_code: str,
    unit_name: str,
    on: dt.date,
    *,
    filters: RegisterFilters | None = None,
    issued: dt.date | None = None,
) -> Report:
    """The register's rows: name, identifier, status, cell, party age, admission decision and
    residence on `on`; the filters asked, as a note."""
    columns = (
        Column("name", _("Name")),
        Column("person_id", _("Identifier")),
        Column("status", _("Status")),
        Column("cell_code", _("Cell code")),
        Column("cell", _("Cell")),
        Column("party_age_years", _("Party age (years)"), INTEGER),
        Column("party_age_months", _("and months"), INTEGER),
        Column("admission_decision_date", _("Admission decision")),
        Column("residence", _("Lives at")),
    )
    table = Table(
        caption=_("Party members"),
        columns=columns,
        rows=tuple(
            (
                r.person.full_name,
                r.person.person_id,
                str(MEMBER_STATUS_LABELS.get(r.status, r.status)),
                r.cell.code,
                r.cell.name,
                r.party_age[0],
                r.party_age[1],
                r.membership.admission_decision_date.strftime("%d/%m/%Y"),
                r.residence,
            )
            for r in rows
        ),
    )
    notes = [
        _("%(count)s members present on %(day)s.")
        % {"count": labels.format_number(len(rows)), "day": on.strftime("%d/%m/%Y")}
    ]
    if filters is not None:
        asked = []
        if filters.query:
            asked.append(_("name or identifier: %(q)s") % {"q": filters.query})
        if filters.status:
            asked.append(str(MEMBER_STATUS_LABELS.get(filters.status, filters.status)))
        if filters.cell_code:
            asked.append(_("cell: %(code)s") % {"code": filters.cell_code})
        if filters.year:
            asked.append(_("admitted in %(year)s") % {"year": filters.year})
        if asked:
            notes.append(_("Only: %(filters)s.") % {"filters": "; ".join(asked)})
    return Report(
        **frame(
            kind="members",
            code=unit_code,
            name=unit_name,
            title=_("Register of party members"),
            subtitle=_("On %(day)s") % {"day": on.strftime("%d/%m/%Y")},
            place=None,
            issued=issued,
            issuer="",
            sheet_title=_("Party members"),
        ),
        tables=(table,),
        notes=tuple(notes),
    )
