"""Reading dates as users type them: ISO `YYYY-MM-DD` or Vietnamese `DD/MM/YYYY`."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from ranks.core.errors import DomainError

FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def parse_date(text: str | None) -> dt.date | None:
    """The date in `text`, or None when it is empty or not a date."""
    if not text:
        return None
    for fmt in FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def parse_day(text: str, *, field: str = "on") -> dt.date:
    """Like `parse_date`, but a wrong date is a DomainError with a translated message."""
    day = parse_date(text)
    if day is None:
        raise DomainError(
            _("Not a date: %(value)s. Write YYYY-MM-DD or DD/MM/YYYY.") % {"value": text},
            field=field,
        )
    return day
