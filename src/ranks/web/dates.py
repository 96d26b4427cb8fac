"""Reading dates as users type them: ISO `YYYY-MM-DD` or Vietnamese `DD/MM/YYYY`."""

from __future__ import annotations

import datetime as dt


def parse_date(text: str | None) -> dt.date | None:
    """The date in `text`, or None when it is empty or not a date."""
    if not text:
        return None
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
