"""What every report has around its tables (the letterhead, the title, the signature), and the
rounding its figures share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from ranks.core.clock import today
from ranks.reports import labels
from ranks.reports.model import Report, Signature


def rounded(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(float(value), places)


def whole(value: float | None) -> int | None:
    """A count of people as a whole number (an expected figure or a projection is computed as a
    fraction: 127.5 people are 128, rounded as the pages round it)."""
    return None if value is None else round(float(value))


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def restated_line(structure_on: dt.date) -> str:
    """The line that says the figures are restated in the structure of a date."""
    return _(
        "Figures restated in the organisational structure of %(date)s: each event is counted for "
        "the unit its cell belongs to on that date."
    ) % {"date": labels.day_text(structure_on)}


def restated(report: Report, structure_on: dt.date | None) -> Report:
    """The report with the line saying it is restated in the structure of `structure_on` first
    among its notes, and the date in its data (null: as it was)."""
    data = {**report.data, "structure_on": iso(structure_on)}
    if structure_on is None:
        return replace(report, data=data)
    return replace(report, notes=(restated_line(structure_on), *report.notes), data=data)


def share(count: int, total: int) -> float | None:
    """`count` as a percent of `total`, one decimal; None for nothing to share."""
    return round(count * 100 / total, 1) if total else None


def frame(
    *,
    kind: str,
    code: str,
    name: str,
    title: str,
    subtitle: str,
    place: str | None,
    issued: dt.date | None,
    issuer: str,
    sheet_title: str,
    number: str = "",
    recipients: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The keyword arguments of `Report` around its tables, in the party's form (Hướng dẫn
    36-HD/VPTW): the letterhead with the number line ("Số 12-BC/TU", a blank for the number when
    none is given), the title in capitals, the place-and-date line, the recipients ("Nơi nhận";
    by default the committee above and the office's copy) and the signature block."""
    place = place or labels.place_from_name(name)
    issued = issued or today()
    abbreviation = labels.committee_abbreviation(name, issuer)
    return {
        "kind": kind,
        "unit_code": code,
        "unit_name": name,
        "title": title.upper(),
        "subtitle": subtitle,
        "committee": name.upper(),
        "issuer": issuer.upper(),
        "party": _("COMMUNIST PARTY OF VIETNAM"),
        "place": place,
        "day": issued,
        "place_date": labels.place_date_line(place, issued),
        "signature": Signature(
            on_behalf=_("ON BEHALF OF THE STANDING COMMITTEE"), role=_("SECRETARY")
        ),
        "language": translation.get_language() or "vi",
        "sheet_title": sheet_title,
        "number_line": labels.number_line(number, abbreviation),
        "recipients_title": _("Recipients:"),
        "recipients": labels.recipient_lines(
            labels.default_recipients() if recipients is None else recipients
        ),
    }
