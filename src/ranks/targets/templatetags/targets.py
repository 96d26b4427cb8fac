"""Template helpers of the targets pages: metrics and progress statuses in words, signed gaps."""

from django import template
from django.utils.formats import number_format

from ranks.reports.labels import metric_label, status_label

register = template.Library()


@register.filter(name="metric_label")
def metric_words(key: str) -> str:
    return metric_label(key)


@register.filter
def progress_status(key: str) -> str:
    return status_label(key, in_full=True)


@register.filter
def signed(value, places: int = 0) -> str:
    """A gap with its sign: +12, −40 (a true minus sign), 0."""
    if value is None:
        return "—"
    rounded = round(float(value), places)
    if rounded == 0:
        return "0"
    text = number_format(abs(rounded), places)
    return ("+" if rounded > 0 else "−") + text


@register.filter
def whole(value) -> str:
    """A figure rounded to a whole number; — when there is none."""
    if value is None:
        return "—"
    return number_format(round(float(value)), 0)


@register.filter
def one_place(value) -> str:
    """A percent with one decimal place, in the language's way (38,5 in Vietnamese)."""
    if value is None:
        return "—"
    return number_format(float(value), 1)
