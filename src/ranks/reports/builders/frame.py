"""What every report has around its tables (the letterhead, the title, the signature), and the
rounding its figures share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from ranks.core.clock import today
from ranks.reports import labels
from ranks.reports.model import Signature


def rounded(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(float(value), places)


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
) -> dict[str, Any]:
    """The keyword arguments of `Report` around its tables: the letterhead, the title in
    capitals, the place-and-date line and the signature block."""
    place = place or labels.place_from_name(name)
    issued = issued or today()
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
    }
