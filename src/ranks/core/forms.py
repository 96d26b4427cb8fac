"""Form fields the pages of every area share: a day typed as users write it."""

from __future__ import annotations

import datetime as dt

from django import forms

from ranks.core.dates import parse_day
from ranks.core.errors import DomainError


class DayField(forms.CharField):
    """A date typed as DD/MM/YYYY or YYYY-MM-DD (a phone's date picker sends the latter)."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_day(text, field="date")
        except DomainError as error:
            raise forms.ValidationError(str(error.message), code="invalid") from error

    def prepare_value(self, value):
        return value.isoformat() if isinstance(value, dt.date) else value
