"""Template helpers: translated labels for list keys, dates as Vietnamese write them."""

from django import template
from django.utils.translation import gettext_lazy as _

from ranks.reports.labels import area_flag_label

register = template.Library()

STATUS_LABELS = {
    "official": _("official member"),
    "probationary": _("probationary member"),
    "left": _("left"),
    "none": _("not yet a member"),
}
HISTORY_LABELS = {
    "opened": _("opened"),
    "closed": _("closed"),
    "reopened": _("reopened"),
    "moved": _("moved"),
    "renamed": _("renamed"),
    "kind_changed": _("kind changed"),
    "can_admit_changed": _("admission authority changed"),
}


@register.filter
def flag_label(key: str) -> str:
    return area_flag_label(key)


@register.filter
def status_label(key: str) -> str:
    return str(STATUS_LABELS.get(key, key))


@register.filter
def history_label(key: str) -> str:
    return str(HISTORY_LABELS.get(key, key))


@register.filter
def vndate(value) -> str:
    """DD/MM/YYYY, as dates are written in Vietnam (in both languages, to match the documents)."""
    if not value:
        return "…"
    return value.strftime("%d/%m/%Y")


@register.filter
def iso(value) -> str:
    return value.isoformat() if value else ""
